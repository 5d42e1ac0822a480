import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('SystemStatus')
export class SystemStatusType {
  @Field({ description: 'ok, or degraded when NATS or PostgreSQL does not answer.' }) status!: string;
  @Field() version!: string;
  @Field({ description: 'The default executor (MPR_EXECUTOR).' }) executor!: string;
  @Field() natsConnected!: boolean;
  @Field() databaseConnected!: boolean;
  @Field(() => Int, { nullable: true, description: 'Assets whose file was not under MEDIA_IN at the last scan; null while PostgreSQL does not answer.' })
  missingAssets!: number | null;
}
