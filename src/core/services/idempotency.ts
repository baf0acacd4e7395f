import type { IdempotencyRecord, IdempotentAnswer, Storage } from '../storage.js';

/** How long an answer is replayed (contract §5.4). */
const KEEP_MS = 24 * 3600_000;
/** A first request still unanswered after this is taken to have died with its process: the key is free again. */
const ABANDONED_MS = 2 * 60_000;

/**
 * Idempotency keys (contract §5.4), per caller: a key is claimed by the first request that brings
 * it, its answer kept 24 hours; a claim left unanswered for 2 minutes (its process died) lapses.
 */
export class IdempotencyKeys {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date,
  ) {}

  claim(
    owner: string,
    key: string,
    fingerprint: string,
  ): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord }> {
    const now = this.now().getTime();
    return this.storage.claimIdempotencyKey(
      { owner, key, fingerprint, created_at: new Date(now).toISOString() },
      new Date(now - KEEP_MS).toISOString(),
      new Date(now - ABANDONED_MS).toISOString(),
    );
  }

  keep(owner: string, key: string, answer: IdempotentAnswer): Promise<void> {
    return this.storage.completeIdempotencyKey(owner, key, answer);
  }

  release(owner: string, key: string): Promise<void> {
    return this.storage.releaseIdempotencyKey(owner, key);
  }
}
