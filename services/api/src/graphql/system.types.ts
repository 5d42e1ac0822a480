import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('SystemStatus')
export class SystemStatusType {
  @Field({ description: 'ok, or degraded when NATS or PostgreSQL does not answer.' }) status!: string;
  @Field() version!: string;
  @Field({ description: 'The default executor (MPR_EXECUTOR).' }) executor!: string;
  @Field() natsConnected!: boolean;
  @Field() databaseConnected!: boolean;
}
