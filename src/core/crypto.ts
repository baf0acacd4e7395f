import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { GatewayError } from './errors.js';
import type { Secret } from './secret.js';

/**
 * Sealing of stored credentials (contract §5.3): AES-256-GCM, a fresh 96-bit nonce per write,
 * the connection id and organization id bound as associated data, and a key id so keys can
 * rotate (several keys may open; only the current one seals). A sealed row copied onto another
 * connection fails to open.
 */

export interface Sealed {
  keyId: string;
  nonce: Buffer;
  /** Ciphertext followed by the 16-byte GCM tag. */
  ciphertext: Buffer;
}

/**
 * What a sealed value belongs to, bound as its associated data: a connection's credentials (its
 * organization and id), or a webhook endpoint's signing secret (`purpose: 'webhook_secret'`, the
 * endpoint's id as `connectionId`, no organization), or what a connect session's provider flow hands
 * the end user (`purpose: 'connect_flow'`: an invite token, a ticket URL; the session's id).
 */
export interface SealContext {
  organizationId: string;
  connectionId: string;
  purpose?: 'credentials' | 'webhook_secret' | 'connect_flow';
}

/** How an error names what could not be opened (never its value). */
const WHAT = {
  credentials: (id: string) => ({
    subject: `Stored credentials of connection ${id} are`,
    failed: 'Stored credentials failed their integrity check and were not used.',
  }),
  webhook_secret: (id: string) => ({
    subject: `The signing secret of webhook endpoint ${id} is`,
    failed: `The signing secret of webhook endpoint ${id} failed its integrity check and was not used.`,
  }),
  connect_flow: (id: string) => ({
    subject: `The provider flow of connect session ${id} is`,
    failed: `The provider flow of connect session ${id} failed its integrity check and was not used.`,
  }),
} as const;

const AAD_TAGS = {
  credentials: 'plugboard.credentials.v1',
  webhook_secret: 'plugboard.webhook-secret.v1',
  connect_flow: 'plugboard.connect-flow.v1',
} as const;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A short, stable, non-secret id of a key: the first 8 bytes of SHA-256("plugboard-key-id" + key). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('plugboard-key-id').update(key).digest('hex').slice(0, 16);
}

function aad(ctx: SealContext): Buffer {
  const tag = AAD_TAGS[ctx.purpose ?? 'credentials'];
  return Buffer.from(JSON.stringify([tag, ctx.organizationId, ctx.connectionId]));
}

export class Sealer {
  readonly currentKeyId: string;
  readonly #keys = new Map<string, Buffer>();

  /** `keys[0]` seals; all of them open. */
  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new Error('Sealer needs at least one key');
    for (const k of keys) {
      if (k.length !== 32) throw new Error('encryption keys must be 32 bytes');
      this.#keys.set(keyIdOf(k), k);
    }
    this.currentKeyId = keyIdOf(keys[0] as Buffer);
  }

  /** The configured keys (`encryption.key` seals, `encryption.previousKeys` only open), or null when no key is configured. */
  static fromConfig(encryption: {
    key: Secret<Buffer> | null;
    previousKeys?: ReadonlyArray<Secret<Buffer>>;
  }): Sealer | null {
    if (!encryption.key) return null;
    return new Sealer([encryption.key.reveal(), ...(encryption.previousKeys ?? []).map((k) => k.reveal())]);
  }

  /** Whether a row sealed under `keyId` can be opened (the key is the current one or a previous one). */
  opens(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  seal(value: unknown, ctx: SealContext): Sealed {
    const key = this.#keys.get(this.currentKeyId) as Buffer;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(aad(ctx));
    const body = Buffer.concat([
      cipher.update(JSON.stringify(value), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return { keyId: this.currentKeyId, nonce, ciphertext: body };
  }

  /**
   * Throws GatewayError `internal` (never bad input: the gateway's configuration or its data is at
   * fault) when the row cannot be opened. A key id is not secret: it names the key to configure.
   */
  open(sealed: Sealed, ctx: SealContext): unknown {
    const key = this.#keys.get(sealed.keyId);
    if (!key) {
      throw new GatewayError(
        'internal',
        `${WHAT[ctx.purpose ?? 'credentials'](ctx.connectionId).subject} sealed with key id ${sealed.keyId}, which is not configured; add that key to encryption.previousKeys.`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
      decipher.setAAD(aad(ctx));
      decipher.setAuthTag(sealed.ciphertext.subarray(sealed.ciphertext.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(sealed.ciphertext.subarray(0, sealed.ciphertext.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch (e) {
      throw new GatewayError('internal', WHAT[ctx.purpose ?? 'credentials'](ctx.connectionId).failed, {
        cause: e,
      });
    }
  }
}
