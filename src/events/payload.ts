import type { EventRow } from '../core/storage.js';

/**
 * The body of a delivery (contract §9.2): `{ type, timestamp, data }`, `data` being the event as the
 * events API shows it with the connection it is about (as it was after the event, or null). The
 * same bytes on every attempt of every endpoint; never a secret (events hold none).
 */
export function payloadOf(e: EventRow): string {
  const { seq: _seq, data, connection, ...fields } = e;
  return JSON.stringify({
    type: e.type,
    timestamp: e.at,
    data: { ...fields, ...data, connection: connection ?? null },
  });
}
