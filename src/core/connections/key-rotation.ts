import type { Sealer } from '../crypto.js';
import { isGatewayError } from '../errors.js';
import type { ResealedCredential, Storage } from '../storage.js';

/**
 * Key rotation of stored credentials: every sealed row not under the current key is opened with
 * the key it names (a previous key) and sealed again under the current one, a batch per
 * transaction. Each row's update is a compare-and-swap on the key id and nonce it was read with,
 * so a gateway writing the same row meanwhile wins and nothing is lost; that row is counted, not
 * retried (a second pass picks it up if it still needs it). A row that cannot be opened (its key
 * is not configured, or it fails its integrity check) is left as it is and reported by connection
 * and key id. Nothing here ever holds a secret outside the loop that re-seals it: the report is
 * counts and ids.
 */

export interface UnopenableCredential {
  connectionId: string;
  organizationId: string;
  keyId: string;
  reason: 'unknown_key' | 'integrity';
  /** What to do about it; names ids, never a value. */
  detail: string;
}

export interface RotationReport {
  currentKeyId: string;
  /** Sealed rows per key id before the pass. */
  before: Map<string, number>;
  /** Rows re-sealed under the current key (with `dryRun`: rows that would be). */
  resealed: number;
  /** Rows a gateway rewrote between this pass's read and its update: left as that write made them. */
  changedMeanwhile: number;
  unopenable: UnopenableCredential[];
  /** Sealed rows per key id after the pass. */
  after: Map<string, number>;
}

export interface RotationOptions {
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** Open every row that needs re-sealing, write nothing. */
  dryRun?: boolean;
}

export async function rotateCredentials(
  storage: Storage,
  sealer: Sealer,
  opts: RotationOptions = {},
): Promise<RotationReport> {
  const batchSize = opts.batchSize ?? 100;
  const before = await storage.countCredentialsByKey();
  const unopenable: UnopenableCredential[] = [];
  let resealed = 0;
  let changedMeanwhile = 0;
  let after: string | null = null;
  for (;;) {
    const rows = await storage.credentialsSealedWithOtherKeys(sealer.currentKeyId, after, batchSize);
    if (rows.length === 0) break;
    after = rows.at(-1)?.connection_id ?? after;
    const batch: ResealedCredential[] = [];
    for (const row of rows) {
      const ctx = { organizationId: row.organization_id, connectionId: row.connection_id };
      const where = {
        connectionId: row.connection_id,
        organizationId: row.organization_id,
        keyId: row.key_id,
      };
      let value: unknown;
      try {
        value = sealer.open({ keyId: row.key_id, nonce: row.nonce, ciphertext: row.ciphertext }, ctx);
      } catch (e) {
        if (!isGatewayError(e)) throw e;
        // The sealer's own text for an unknown key names the connection and the key id to configure.
        unopenable.push(
          sealer.opens(row.key_id)
            ? {
                ...where,
                reason: 'integrity',
                detail: `Stored credentials of connection ${row.connection_id} (key id ${row.key_id}) fail their integrity check and cannot be re-sealed; send the connection's credentials again through the gateway.`,
              }
            : { ...where, reason: 'unknown_key', detail: e.message },
        );
        continue;
      }
      const next = sealer.seal(value, ctx);
      batch.push({
        connection_id: row.connection_id,
        from: { key_id: row.key_id, nonce: row.nonce },
        key_id: next.keyId,
        nonce: next.nonce,
        ciphertext: next.ciphertext,
      });
    }
    if (opts.dryRun) {
      resealed += batch.length;
    } else if (batch.length > 0) {
      const n = await storage.resealCredentials(batch);
      resealed += n;
      changedMeanwhile += batch.length - n;
    }
    if (rows.length < batchSize) break;
  }
  return {
    currentKeyId: sealer.currentKeyId,
    before,
    resealed,
    changedMeanwhile,
    unopenable,
    after: await storage.countCredentialsByKey(),
  };
}
