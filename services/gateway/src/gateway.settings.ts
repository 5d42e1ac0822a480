import type { AppConfig } from '@mpr/core';

export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');

export interface GatewaySettings {
  /** An idle stream gets a Heartbeat this often. */
  readonly heartbeatMs: number;
  /** Live messages one stream may hold for a slow reader (MPR_GATEWAY_STREAM_BUFFER). */
  readonly bufferSize: number;
  /** A stream whose reader took nothing this long is cut (MPR_GATEWAY_STALL_SECONDS). */
  readonly stallMs: number;
}

export function gatewaySettings(config: AppConfig): GatewaySettings {
  return {
    heartbeatMs: config.MPR_GATEWAY_HEARTBEAT_SECONDS * 1000,
    bufferSize: config.MPR_GATEWAY_STREAM_BUFFER,
    stallMs: config.MPR_GATEWAY_STALL_SECONDS * 1000,
  };
}
