import { availableParallelism, hostname } from 'node:os';
import { type AppConfig, audioIntermediateExtension } from '@mpr/core';

export const CHUNKER_SETTINGS = Symbol('CHUNKER_SETTINGS');

export interface ChunkerSettings {
  /** Segment encodes this replica runs at once (MPR_CHUNK_WORKERS). */
  readonly workers: number;
  /** Chunked jobs this replica coordinates at once (MPR_CHUNK_JOBS). */
  readonly jobs: number;
  /** The cores this replica's encodes share (MPR_CHUNK_CORES, else what a taskset or cpuset leaves): see segmentEncodeThreads, encodesAudioBesideWorkers. */
  readonly cores: number;
  readonly ackWaitMs: number;
  /** Deliveries of one segment item before the segment (and its job) fails. */
  readonly maxDeliver: number;
  /** Delay before a failed segment is tried again (nak with delay). */
  readonly retryDelayMs: number;
  /** `<hostname>-<pid>`: the replica id in telemetry and JobStarted. */
  readonly replicaId: string;
  /** A started segment (or audio) encode that reports nothing for this long is stuck: the attempt fails (MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS). */
  readonly stallMs: number;
  /** How often the coordinator publishes progress and looks at the segments' files. */
  readonly tickMs: number;
}

export function chunkerSettings(config: AppConfig): ChunkerSettings {
  return {
    workers: config.MPR_CHUNK_WORKERS,
    jobs: config.MPR_CHUNK_JOBS,
    cores: config.MPR_CHUNK_CORES ?? availableParallelism(),
    ackWaitMs: config.MPR_WORK_ACK_WAIT_SECONDS * 1000,
    maxDeliver: 3,
    retryDelayMs: 1_000,
    replicaId: `${hostname()}-${process.pid}`,
    tickMs: 250,
    stallMs: config.MPR_JOB_HEARTBEAT_TIMEOUT_SECONDS * 1000,
  };
}

export function segmentName(index: number): string {
  return `segment-${String(index).padStart(3, '0')}.mkv`;
}

export function pieceName(piece: number): string {
  return `piece-${String(piece).padStart(3, '0')}.mkv`;
}

/** Left by the last failed delivery of a segment: the reason, for the coordinator. */
export function failedName(index: number): string {
  return `segment-${String(index).padStart(3, '0')}.failed`;
}

/** The range's audio, encoded once, in the intermediate container the job's container needs. */
export function audioName(container: string): string {
  return `audio.${audioIntermediateExtension(container)}`;
}

export const AUDIO_FAILED = 'audio.failed';
