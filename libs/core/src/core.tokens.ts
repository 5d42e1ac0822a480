/** Injection tokens for the shared infrastructure every service receives. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
/** The JetStream client over NATS_CONNECTION, made once per service. */
export const JETSTREAM_CLIENT = Symbol('JETSTREAM_CLIENT');
export const PG_POOL = Symbol('PG_POOL');
export const SERVICE_NAME = Symbol('SERVICE_NAME');
