import { createHmac, timingSafeEqual } from 'node:crypto';
import { validationError } from './errors.js';

/**
 * Opaque list cursors: base64url(JSON) + HMAC-SHA256 tag with an installation secret kept in
 * storage (so every replica accepts every other's cursors). A cursor the gateway did not issue,
 * or one issued for another list, is a 400.
 */
export class CursorCodec {
  readonly #secret: Buffer;

  constructor(secret: string) {
    this.#secret = Buffer.from(secret, 'utf8');
  }

  encode(scope: string, payload: unknown): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.#tag(scope, body)}`;
  }

  decode<T>(scope: string, cursor: string): T {
    const [body, tag, extra] = cursor.split('.');
    if (body && tag && extra === undefined) {
      const expected = Buffer.from(this.#tag(scope, body));
      const given = Buffer.from(tag);
      if (expected.length === given.length && timingSafeEqual(expected, given)) {
        return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
      }
    }
    throw validationError(
      [{ pointer: '/cursor', message: 'not a cursor issued by this gateway for this list' }],
      'The cursor is not valid.',
    );
  }

  #tag(scope: string, body: string): string {
    return createHmac('sha256', this.#secret)
      .update(scope)
      .update('\n')
      .update(body)
      .digest('base64url')
      .slice(0, 22);
  }
}
