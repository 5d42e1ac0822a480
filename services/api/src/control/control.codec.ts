import type { ConsumerDeserializer, IncomingRequest, OutgoingResponse, Serializer } from '@nestjs/microservices';

/**
 * `nats req mpr.control.pause ''` sends an empty body or plain JSON, not
 * Nest's `{pattern, data, id}` envelope: every request is taken as the data
 * of its subject's pattern, and an empty body as `{}`.
 */
export class ControlRequestDeserializer implements ConsumerDeserializer {
  deserialize(value: Uint8Array, options?: { channel?: string }): IncomingRequest {
    const text = Buffer.from(value ?? [])
      .toString('utf8')
      .trim();
    let data: unknown = {};
    try {
      if (text !== '') data = JSON.parse(text);
    } catch {
      data = { invalidJson: text };
    }
    return { pattern: options?.channel ?? '', data, id: '' };
  }
}

/** The reply is the handler's answer as JSON, without Nest's envelope, so an operator reads it as it is. */
export class ControlReplySerializer implements Serializer<OutgoingResponse, { data: Uint8Array }> {
  /** ServerNats publishes `data` (with `headers`, none here). */
  serialize(packet: OutgoingResponse): { data: Uint8Array } {
    const body = packet.err !== undefined && packet.err !== null ? { ok: false, error: { code: 'INTERNAL', message: String(packet.err) } } : packet.response;
    return { data: Buffer.from(JSON.stringify(body ?? null)) };
  }
}
