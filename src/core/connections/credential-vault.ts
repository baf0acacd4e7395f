import type { Credentials, ProviderAdapter } from '../adapter.js';
import type { Sealer } from '../crypto.js';
import { GatewayError } from '../errors.js';
import { Secret } from '../secret.js';
import type { ConnectionRow, CredentialMeta, SealedCredentialRow, Storage } from '../storage.js';

/**
 * The credential vault (contract §5.3): seals the credentials that pass through the gateway, opens
 * them to replay a replace-only upstream, and says which connections have a sealed copy. Sealing is
 * bound to the organization and connection ids, so a row copied elsewhere does not open.
 */
export class CredentialVault {
  constructor(
    private readonly storage: Storage,
    private readonly sealer: Sealer | null,
  ) {}

  /** Refuses to go on with credentials when nothing could seal them (start-up refuses that configuration too). */
  requireSealer(credentials: Secret<Credentials> | undefined): void {
    if (credentials && !this.sealer) {
      throw new GatewayError('internal', 'Credentials cannot be accepted: no encryption key is configured.');
    }
  }

  /** The row to store for `credentials` of `row` (never the plaintext). */
  seal(
    row: ConnectionRow,
    adapter: ProviderAdapter,
    credentials: Secret<Credentials>,
    now: string,
  ): SealedCredentialRow {
    if (!this.sealer)
      throw new GatewayError('internal', 'Credentials cannot be sealed: no encryption key is configured.');
    const value = credentials.reveal();
    const sealed = this.sealer.seal(value, { organizationId: row.organization_id, connectionId: row.id });
    return {
      connection_id: row.id,
      organization_id: row.organization_id,
      key_id: sealed.keyId,
      nonce: sealed.nonce,
      ciphertext: sealed.ciphertext,
      credential_type: adapter.credentialType?.(row.kind, value) ?? null,
      updated_at: now,
    };
  }

  /** The sealed copy of a connection's credentials, opened, or null when the gateway holds none. */
  async replayable(row: ConnectionRow): Promise<Secret<Credentials> | null> {
    const stored = await this.storage.getCredential(row.id);
    if (!stored) return null;
    if (!this.sealer)
      throw new GatewayError('internal', 'Stored credentials exist but no encryption key is configured.');
    const value = this.sealer.open(
      { keyId: stored.key_id, nonce: stored.nonce, ciphertext: stored.ciphertext },
      { organizationId: row.organization_id, connectionId: row.id },
    );
    return new Secret(value as Credentials);
  }

  /** What the canonical shape shows of each connection's sealed copy (type, time), never a value. */
  meta(connectionIds: string[]): Promise<Map<string, CredentialMeta>> {
    return this.storage.credentialMeta(connectionIds);
  }
}
