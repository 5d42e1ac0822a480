import 'reflect-metadata';
import { ConsoleLogger, type DynamicModule, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type AppConfig, ConfigError, loadConfig } from '../config/config.schema';

/** Every service of the platform, in the order `dist/services/all/main.js` starts them. */
export const SERVICE_NAMES = ['api', 'gateway', 'scheduler', 'transcoder', 'chunker'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceDefinition {
  name: ServiceName;
  module(config: AppConfig): DynamicModule;
  port(config: AppConfig): number;
  /** Paths worth printing at start, besides /healthz. */
  links?: Record<string, string>;
  /** Keep each request's raw body (for signature checks). */
  rawBody?: boolean;
  /** True when the service's own listener speaks TLS (the gateway with MPR_TLS_CERT/KEY): its printed URLs say https. */
  secure?(config: AppConfig): boolean;
  /** The Fastify adapter, when the service needs one of its own (the gateway's listener); else a default one. */
  adapter?(config: AppConfig): FastifyAdapter;
  /** Fastify-level setup before the app listens (hooks, redirects). */
  configure?(app: NestFastifyApplication, config: AppConfig): void | Promise<void>;
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's own start-up chatter (modules loaded, routes mapped): only at debug level. */
const NEST_BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication', 'GraphQLModule']);

class ServiceLogger extends ConsoleLogger {
  constructor(
    context: string,
    private readonly verboseBoot: boolean,
    options: ConstructorParameters<typeof ConsoleLogger>[1],
  ) {
    super(context, options ?? {});
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (!this.verboseBoot && typeof context === 'string' && NEST_BOOT_CONTEXTS.has(context)) return;
    super.log(message, ...rest);
  }
}

export function createLogger(name: string, config: Pick<AppConfig, 'MPR_LOG_LEVEL'>): ConsoleLogger {
  const upTo = LEVELS.indexOf(config.MPR_LOG_LEVEL);
  const verboseBoot = upTo >= LEVELS.indexOf('debug');
  return new ServiceLogger(name, verboseBoot, { logLevels: LEVELS.slice(0, upTo + 1), json: process.env.MPR_LOG_FORMAT === 'json' });
}

/**
 * The base URL of each service this process started, for a service that
 * fronts another one in the same process (the API forwards the dashboard's
 * streams to the gateway, which may listen on any free port: MPR_*_PORT=0).
 */
const localUrls = new Map<ServiceName, string>();

export function localServiceUrl(name: ServiceName): string | undefined {
  return localUrls.get(name);
}

export interface RunningService {
  definition: ServiceDefinition;
  app: INestApplication;
  url: string;
}

export async function startService(definition: ServiceDefinition, config: AppConfig): Promise<RunningService> {
  const logger = createLogger(definition.name, config);
  const app = await NestFactory.create<NestFastifyApplication>(definition.module(config), definition.adapter?.(config) ?? new FastifyAdapter(), {
    logger,
    abortOnError: false,
    rawBody: definition.rawBody ?? false,
  });
  await definition.configure?.(app, config);
  await app.listen(definition.port(config), config.MPR_HOST);
  // Nest names the scheme by its own httpsOptions, which a service with a TLS listener of its own does not use.
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace(/^http:/, definition.secure?.(config) ? 'https:' : 'http:');
  localUrls.set(definition.name, url);
  return { definition, app, url };
}

/**
 * Starts the given services in this process (one in Kubernetes, all five in
 * development), prints their URLs, and closes them all on SIGINT/SIGTERM.
 */
export async function runServices(definitions: ServiceDefinition[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger('mpr', config);
  const chosen = config.MPR_SERVICES;
  if (chosen) definitions = definitions.filter((d) => chosen.includes(d.name));
  const running: RunningService[] = [];
  const stop = async (signal: string) => {
    logger.log(`${signal}: stopping ${running.map((s) => s.definition.name).join(', ')}`);
    await Promise.allSettled(running.map((s) => s.app.close()));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  try {
    for (const definition of definitions) running.push(await startService(definition, config));
  } catch (err) {
    logger.error(`start failed: ${(err as Error).message}`);
    await Promise.allSettled(running.map((s) => s.app.close()));
    process.exit(1);
  }
  for (const { definition, url } of running) {
    const links = Object.entries(definition.links ?? {}).map(([label, path]) => `${label} ${url}${path}`);
    logger.log(`${definition.name.padEnd(10)} ${[`health ${url}/healthz`, ...links].join('  ')}`);
  }
}
