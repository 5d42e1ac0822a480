/** One field of an event's payload, as a page shows it: `trim.startSeconds` = `1.5`. */
export interface EventFact {
  name: string;
  value: string;
}

/** The envelope's own fields: the page shows them in columns of their own, or they say nothing to a reader. */
const ENVELOPE = new Set(['id', 'type', 'aggregateType', 'aggregateId', 'occurredAt', 'commandId']);

/**
 * The payload of an event in protobuf JSON form (`toJson`, what `nats stream
 * view` shows) as name/value pairs, nested messages flattened with dots,
 * without the fields that repeat what the page already says (`omit`: e.g.
 * the job's id on the job's own page). A reader scanning a job's history
 * wants `percent 100`, not a 400-character envelope.
 */
export function eventFacts(envelope: Readonly<Record<string, unknown>>, omit: readonly string[] = []): EventFact[] {
  const payload = Object.entries(envelope).find(([key, value]) => !ENVELOPE.has(key) && isRecord(value))?.[1];
  if (!isRecord(payload)) return [];
  const skip = new Set(omit);
  const facts: EventFact[] = [];
  const walk = (record: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(record)) {
      const name = prefix + key;
      if (skip.has(name)) continue;
      if (isRecord(value)) walk(value, `${name}.`);
      else facts.push({ name, value: Array.isArray(value) ? value.map(String).join(', ') : String(value) });
    }
  };
  walk(payload, '');
  return facts;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
