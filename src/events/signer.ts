import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one attempt: `webhook-id` (the event's id, the same on every
 * attempt), `webhook-timestamp` (this attempt's Unix seconds) and `webhook-signature`, a `v1,`
 * HMAC-SHA256 per secret (two during a rotation), space-separated, made by the official library.
 */
export function signatureHeaders(
  secrets: readonly string[],
  msgId: string,
  at: Date,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(msgId, at, body)).join(' '),
  };
}
