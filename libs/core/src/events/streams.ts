import { DiscardPolicy, JetStreamApiCodes, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { AggregateRef } from './event.types';

const TWO_MINUTES_NS = 2 * 60 * 1_000_000_000;
const ONE_HOUR_NS = 60 * 60 * 1_000_000_000;

/**
 * Stream and subject names. Everything hangs off one prefix so that a test
 * run (or a second deployment on a shared server) gets streams and subjects
 * of its own: streams may not overlap in subjects.
 */
export class StreamNames {
  readonly events: string;
  readonly work: string;
  readonly telemetry: string;
  readonly subjectRoot: string;

  constructor(readonly prefix = 'MPR') {
    if (!/^[A-Z][A-Z0-9_]*$/.test(prefix)) {
      throw new Error(`stream prefix "${prefix}" must be upper-case letters, digits and _`);
    }
    this.events = `${prefix}_EVENTS`;
    this.work = `${prefix}_WORK`;
    this.telemetry = `${prefix}_TELEMETRY`;
    this.subjectRoot = prefix.toLowerCase();
  }

  aggregateSubject(ref: AggregateRef): string {
    if (!/^[A-Za-z0-9_-]+$/.test(ref.id)) {
      throw new Error(`aggregate id "${ref.id}" may hold only letters, digits, "-" and "_"`);
    }
    return `${this.subjectRoot}.events.${ref.type}.${ref.id}`;
  }

  allEvents(): string {
    return `${this.subjectRoot}.events.>`;
  }

  workSubject(kind: string): string {
    return `${this.subjectRoot}.work.${kind}`;
  }

  jobProgressSubject(jobId: string): string {
    return `${this.subjectRoot}.telemetry.job.${jobId}.progress`;
  }

  /** `<root>.telemetry.worker.<workerId>`: one subject per worker, so MPR_TELEMETRY keeps each worker's last presence. */
  workerPresenceSubject(workerId: string): string {
    // Worker ids hold host names, whose dots would split the subject token.
    return this.telemetrySubject('worker', workerId.replace(/[^A-Za-z0-9_-]/g, '_'));
  }

  /** `<root>.health`: core NATS, every replica of every service answers a request with its health (HealthResponder). */
  healthSubject(): string {
    return `${this.subjectRoot}.health`;
  }

  telemetrySubject(...tokens: string[]): string {
    return `${this.subjectRoot}.telemetry.${tokens.join('.')}`;
  }
}

type NamedStreamConfig = Partial<StreamConfig> & { name: string };

export function streamConfigs(names: StreamNames): NamedStreamConfig[] {
  return [
    {
      // The source of truth: file storage, nothing ever expires or is removed.
      name: names.events,
      subjects: [names.allEvents()],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: TWO_MINUTES_NS,
      deny_delete: true,
      deny_purge: true,
      allow_direct: true,
    },
    {
      // A message leaves the stream once a worker acks it.
      name: names.work,
      subjects: [`${names.subjectRoot}.work.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Workqueue,
      duplicate_window: TWO_MINUTES_NS,
    },
    {
      // High-rate data out of the permanent log: only the latest value per
      // subject (a job's progress), and only for an hour.
      name: names.telemetry,
      subjects: [`${names.subjectRoot}.telemetry.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: ONE_HOUR_NS,
      max_msgs_per_subject: 1,
      discard: DiscardPolicy.Old,
      allow_direct: true,
    },
  ];
}

/** Creates the streams, or brings existing ones to the current config. */
export async function ensureStreams(jsm: JetStreamManager, names: StreamNames): Promise<void> {
  for (const config of streamConfigs(names)) {
    const { name } = config;
    const exists = await jsm.streams.info(name).then(
      () => true,
      (err: unknown) => {
        if ((err as { code?: number }).code === JetStreamApiCodes.StreamNotFound) return false;
        throw err;
      },
    );
    if (exists) await jsm.streams.update(name, config);
    else await jsm.streams.add(config);
  }
}
