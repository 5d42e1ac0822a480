import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusFederationDriver, type MercuriusFederationDriverConfig } from '@nestjs/mercurius';
import { TypeOrmModule } from '@nestjs/typeorm';
import depthLimit from 'graphql-depth-limit';
import { type AppConfig, CallbackSecret, CoreModule, outputProviders, StreamNames } from '@mpr/core';
import { controlController } from './control/control.controller';
import { AssetService } from './assets/asset.service';
import { DerivedMediaCache } from './derived/derived-media.repository';
import { DerivedMediaService } from './derived/derived-media.service';
import { queryCostRule } from './graphql/query-cost.rule';
import { formatGraphqlErrors } from './graphql/graphql-errors';
import { GRAPHQL_RESOLVERS } from './graphql/graphql.resolvers';
import { graphqlTokenHook } from './graphql/graphql-door.hook';
import { OperatorActionsService } from './control/operator-actions.service';
import { JobsBulkService } from './jobs/jobs-bulk.service';
import { DispatchService } from './system/dispatch.service';
import { ServiceHealthRepository } from './system/service-health.repository';
import { StreamStateRepository } from './system/stream-state.repository';
import { SystemStatusService } from './system/system-status.service';
import { CallbackController } from './http/callback.controller';
import { GraphiqlController } from './http/graphiql.controller';
import { MediaController } from './http/media.controller';
import { JobCallbackService } from './jobs/job-callback.service';
import { JobService } from './jobs/job.service';
import { MediaUrlService } from './media/media-url.service';
import { PresetService } from './presets/preset.service';
import { CommandBus } from './projections/command.bus';
import { JobProgressProjector } from './projections/job-progress.projector';
import { ReadModelProjector } from './projections/read-model.projector';
import { READ_MODEL_ENTITIES } from './read-models/read-models';
import { ScanService } from './scan/scan.service';

export const MAX_QUERY_DEPTH = 8;
export const MAX_QUERY_COST = 2_000;

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        CoreModule.forRoot('api', config),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.DATABASE_URL,
          entities: READ_MODEL_ENTITIES,
          // Read models are projections, rebuilt from the log at will: their
          // schema follows the entities rather than hand-written migrations.
          synchronize: true,
          logging: false,
        }),
        TypeOrmModule.forFeature(READ_MODEL_ENTITIES),
        GraphQLModule.forRoot<MercuriusFederationDriverConfig>({
          driver: MercuriusFederationDriver,
          autoSchemaFile: { federation: 2 },
          // Our own page (GraphiqlController) works offline; Mercurius' loads from a CDN.
          graphiql: false,
          path: '/graphql',
          // Introspection (GraphiQL's schema query is 15 deep) is left to the cost limit.
          // A function, so the cost rule sees each request's variables (queryCostRule); Mercurius then validates
          // every request instead of caching a query's validation (cache: false), a cost our request rates allow.
          cache: false,
          validationRules: ({ variables }) => [depthLimit(MAX_QUERY_DEPTH, { ignore: [/^__/] }), queryCostRule(MAX_QUERY_COST, variables ?? {})],
          errorFormatter: formatGraphqlErrors as MercuriusFederationDriverConfig['errorFormatter'],
          // With MPR_API_TOKEN set, no operation runs without it (queries too).
          hooks: { preParsing: graphqlTokenHook(config.MPR_API_TOKEN) },
        }),
      ],
      controllers: [
        MediaController,
        CallbackController,
        GraphiqlController,
        controlController(new StreamNames(config.MPR_STREAM_PREFIX), config.MPR_API_TOKEN),
      ],
      providers: [
        CallbackSecret,
        ...outputProviders(config),
        JobCallbackService,
        DerivedMediaCache,
        DerivedMediaService,
        ReadModelProjector,
        JobProgressProjector,
        CommandBus,
        AssetService,
        JobService,
        PresetService,
        ScanService,
        MediaUrlService,
        SystemStatusService,
        ServiceHealthRepository,
        StreamStateRepository,
        DispatchService,
        JobsBulkService,
        OperatorActionsService,
        ...GRAPHQL_RESOLVERS,
      ],
    };
  }
}
