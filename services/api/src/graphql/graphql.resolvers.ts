import { AssetResolver } from './asset.resolver';
import { JobResolver } from './job.resolver';
import { OperatorResolver } from './operator.resolver';
import { PresetResolver } from './preset.resolver';
import { SystemResolver } from './system.resolver';

/** Every resolver of the API's schema: the module provides them, and scripts/web-codegen.ts prints the schema the dashboard is typed from with them. */
export const GRAPHQL_RESOLVERS = [AssetResolver, JobResolver, PresetResolver, SystemResolver, OperatorResolver];
