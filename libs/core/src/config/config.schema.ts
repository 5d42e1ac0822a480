import { z } from 'zod';
import { EXECUTORS } from '../domain/job.names';
import { parseStorageLocation } from '../storage/storage-location';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Where media lives: a local path, s3://bucket/prefix or gs://bucket/prefix (parseStorageLocation says what is wrong). */
const mediaRoot = (fallback: string) =>
  z
    .string()
    .min(1)
    .default(fallback)
    .superRefine((value, ctx) => {
      try {
        parseStorageLocation(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    });

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * The environment every service reads, validated once at boot. Names follow
 * the original system where it had one (MPR_EXECUTOR, MEDIA_IN, MEDIA_OUT,
 * MEDIA_BASE_URL).
 */
export const configSchema = z.object({
  MPR_EXECUTOR: z.enum(EXECUTORS).default('local'),
  MEDIA_IN: mediaRoot('media/in'),
  MEDIA_OUT: mediaRoot('media/out'),
  MEDIA_BASE_URL: z.url().optional(),
  /** An S3-protocol endpoint (MinIO, …) for s3:// roots instead of AWS; credentials and region come from the AWS SDK's chain. */
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: flag.default(false),
  /**
   * The platform's own files that are not media: derived media (thumbnail strips, browser previews) are cached
   * under <dir>/cache and can be deleted at any time (they are made again on demand); with an s3:// or gs:// root,
   * <dir>/scratch holds the local copies ffmpeg reads and the outputs on their way to the bucket.
   */
  MPR_DATA_DIR: z.string().min(1).default('.mpr'),
  NATS_URL: z
    .string()
    .regex(/^(nats|tls|ws|wss):\/\/\S+$/, 'must look like nats://host:port')
    .default('nats://127.0.0.1:4222'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must look like postgres://user@host:port/db')
    .default('postgres://postgres@127.0.0.1:5432/mpr'),
  /** Names streams (<prefix>_EVENTS) and subjects (<prefix in lower case>.events.>). */
  MPR_STREAM_PREFIX: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, 'must be upper-case letters, digits and _')
    .default('MPR'),
  MPR_HOST: z.string().min(1).default('127.0.0.1'),
  MPR_API_PORT: port(8080),
  MPR_GATEWAY_PORT: port(8081),
  MPR_SCHEDULER_PORT: port(8082),
  MPR_TRANSCODER_PORT: port(8083),
  MPR_CHUNKER_PORT: port(8084),
  /** Work items a transcoder replica runs at once. */
  MPR_TRANSCODE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** ffmpeg runs an API replica starts at once for derived media (browser previews, thumbnail strips); more requests wait their turn. */
  MPR_DERIVED_MEDIA_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Segment encodes a chunker replica runs at once. */
  MPR_CHUNK_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
  /**
   * The cores a chunker replica's encodes share; unset, what the process may run on (os.availableParallelism: a
   * taskset or cpuset narrows it, a Kubernetes CPU limit — a quota — does not, so set it to the pod's limit).
   */
  MPR_CHUNK_CORES: z.coerce.number().int().min(1).max(1024).optional(),
  /** Chunked jobs a chunker replica coordinates at once (plan, split, stitch); their segments go to every replica's workers. */
  MPR_CHUNK_JOBS: z.coerce.number().int().min(1).max(16).default(2),
  /** Attempts a job gets for transient failures (worker died, timeout) before it stays FAILED. */
  MPR_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** How long a work item waits for a silent worker before another replica gets it. */
  MPR_WORK_ACK_WAIT_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  /** A PROCESSING job without progress for this long is failed (and retried) by the scheduler. */
  MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number().min(2).max(86400).default(120),
  /**
   * How long a mutation waits for the read models to show its event
   * (read-your-writes) before it answers READ_MODELS_BEHIND: the command is
   * recorded, its result not yet readable.
   */
  MPR_API_READ_WAIT_SECONDS: z.coerce.number().min(0.1).max(300).default(10),
  /**
   * When set, every door that returns data needs `Authorization: Bearer <token>` (GraphQL, /metrics, the gateway's
   * RPCs); media files take it or a signed URL, whose key is derived from it. Unset, every door is open.
   */
  MPR_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How long a signed media URL (MediaAsset.fileUrl, TranscodeJob.outputUrl) opens its file, at least. */
  MPR_MEDIA_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(604_800).default(3600),
  /**
   * Key from which each job's callback token is derived (HMAC). Unset: a
   * random key per process, so cloud callbacks only verify within one run.
   */
  MPR_CALLBACK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * The API as cloud executors reach it (scheme, host, optional path prefix): their callbacks go to
   * <url>/api/jobs/<id>/callback. Unset: the API of the same process, which suits development only.
   */
  MPR_CALLBACK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The Step Functions state machine a `lambda` job runs as (deploy/aws/); its region is the ARN's. */
  MPR_SFN_STATE_MACHINE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/, 'must be arn:aws:states:<region>:<account>:stateMachine:<name>')
    .optional(),
  /** The Cloud Run Job a `gcp` job runs as: projects/<project>/locations/<region>/jobs/<job>. */
  MPR_CLOUD_RUN_JOB: z
    .string()
    .regex(
      /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z0-9-]+\/jobs\/[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
      'must be projects/<project>/locations/<region>/jobs/<job>',
    )
    .optional(),
  /** A cloud job attempt that has not reported its outcome this long after it started is failed (retryable) and stopped. */
  MPR_CLOUD_JOB_DEADLINE_SECONDS: z.coerce.number().int().min(10).max(86_400).default(3600),
  /** Idle gateway streams get a heartbeat message this often (a browser sees a stream's headers only with its first message). */
  MPR_GATEWAY_HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(300).default(15),
  /**
   * Where the API forwards the dashboard's live streams (`/mpr.v1.GatewayService/*` on the API's own origin). Unset:
   * the gateway of the same process, else http://127.0.0.1:<MPR_GATEWAY_PORT>.
   */
  MPR_GATEWAY_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Messages a gateway stream holds for a slow reader before it ends the stream with RESOURCE_EXHAUSTED. */
  MPR_GATEWAY_STREAM_BUFFER: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  /**
   * A gateway stream whose reader took nothing this long (its write blocked: the client stopped reading) is cut, with
   * everything it held; the client resumes from the last sequence it read.
   */
  MPR_GATEWAY_STALL_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
  /** PEM files: both set, the gateway serves TLS (HTTP/2 and HTTP/1.1 by ALPN) instead of cleartext. */
  MPR_TLS_CERT: z.string().min(1).optional(),
  MPR_TLS_KEY: z.string().min(1).optional(),
  /** How often transcoder and chunker workers publish their presence; a worker silent for 3 intervals is gone. */
  MPR_PRESENCE_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(300).default(5),
  /**
   * Which of its services a process runs (comma-separated: api,gateway,scheduler,transcoder,chunker); unset, all it
   * has. For `dist/services/all/main.js` beside a service run alone (a test restarts its own gateway process).
   */
  MPR_SERVICES: z
    .string()
    .regex(
      /^(api|gateway|scheduler|transcoder|chunker)(,(api|gateway|scheduler|transcoder|chunker))*$/,
      'must list api, gateway, scheduler, transcoder, chunker (comma-separated)',
    )
    .transform((list) => list.split(','))
    .optional(),
  MPR_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
});

export type AppConfig = z.infer<typeof configSchema>;

/** Thrown at boot; lists every bad variable with what it allows. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable means "unset" (as in `MEDIA_BASE_URL= npm start`).
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = configSchema.safeParse(present);
  if (parsed.success) {
    const { MPR_TLS_CERT: cert, MPR_TLS_KEY: key } = parsed.data;
    if ((cert === undefined) !== (key === undefined)) {
      throw new ConfigError([
        `${cert === undefined ? 'MPR_TLS_CERT' : 'MPR_TLS_KEY'}="": must be set together with ${cert === undefined ? 'MPR_TLS_KEY' : 'MPR_TLS_CERT'}`,
      ]);
    }
    return parsed.data;
  }
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name}=${JSON.stringify(withoutUserInfo(env[name] ?? ''))}: ${issue.message}`;
    }),
  );
}

/** A URL's user part (a key pasted into s3://key:secret@bucket) never reaches a log. */
function withoutUserInfo(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, '$1…@');
}
