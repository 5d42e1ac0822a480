import { Field, Float, Int, ObjectType } from '@nestjs/graphql';

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

@ObjectType('HealthCheck')
export class HealthCheckType {
  @Field({ description: 'nats (with the event stream) or postgres.' }) name!: string;
  @Field() ok!: boolean;
  @Field(() => Int) latencyMs!: number;
  @Field(() => String, { nullable: true }) error!: string | null;
}

@ObjectType('ServiceReplica', { description: 'One process of a service, as it answered the health ping on NATS.' })
export class ServiceReplicaType {
  @Field({ description: '<host>-<pid>.' }) replicaId!: string;
  @Field({ description: 'ok or degraded.' }) status!: string;
  @Field(() => Date) startedAt!: Date;
  @Field(() => [HealthCheckType]) checks!: HealthCheckType[];
}

@ObjectType('ServiceHealth')
export class ServiceHealthType {
  @Field({ description: 'api, gateway, scheduler, transcoder or chunker.' }) service!: string;
  @Field({ description: 'ok; degraded (a replica is); silent (no replica answered the ping within a second: stopped, or cut off from NATS).' })
  status!: string;
  @Field(() => [ServiceReplicaType]) replicas!: ServiceReplicaType[];
}

@ObjectType('WorkQueue', { description: 'One work class of MPR_WORK, as its shared durable consumer counts it.' })
export class WorkQueueType {
  @Field({ description: 'transcode-high, transcode-normal, transcode-low, chunk-job, chunk-segment (the consumer).' }) workClass!: string;
  @Field() subject!: string;
  @Field({ description: 'False until that class’s workers created the consumer (then the counts below read 0).' }) present!: boolean;
  @Field(() => Int, { description: 'Items in the queue, delivered or not (MPR_WORK drops an item once a worker acknowledges it).' }) depth!: number;
  @Field(() => Int, { description: 'Consumer lag: items no worker has received yet.' }) waiting!: number;
  @Field(() => Int, { description: 'Items a worker holds, not yet acknowledged.' }) inProgress!: number;
  @Field(() => Int, { description: 'Items delivered more than once.' }) redelivered!: number;
}

@ObjectType('ReadModelPosition', { description: 'The read models against the event log.' })
export class ReadModelPositionType {
  @Field(() => Float, { description: 'The last MPR_EVENTS sequence the read models applied.' }) checkpoint!: number;
  @Field(() => Float, { description: 'The last sequence MPR_EVENTS holds.' }) logHead!: number;
  @Field(() => Float, { description: 'logHead − checkpoint.' }) behind!: number;
  @Field(() => Date, { nullable: true }) updatedAt!: Date | null;
}
