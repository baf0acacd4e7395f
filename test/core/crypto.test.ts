import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyIdOf, Sealer } from '../../src/core/crypto.js';
import { GatewayError } from '../../src/core/errors.js';
import { Secret } from '../../src/core/secret.js';

const key = randomBytes(32);
const ctx = { organizationId: 'acme', connectionId: 'cn_a' };

describe('credential sealing', () => {
  it('round-trips any JSON value and uses a fresh nonce per write', () => {
    const sealer = new Sealer([key]);
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const a = sealer.seal(v, ctx);
        const b = sealer.seal(v, ctx);
        expect(a.nonce.length).toBe(12);
        expect(a.nonce.equals(b.nonce)).toBe(false);
        expect(sealer.open(a, ctx)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 100 },
    );
  });

  it('binds the connection and organization ids: a row moved elsewhere does not open', () => {
    const sealer = new Sealer([key]);
    const sealed = sealer.seal({ api_key: 'canary' }, ctx);
    expect(() => sealer.open(sealed, { ...ctx, connectionId: 'cn_b' })).toThrow(GatewayError);
    expect(() => sealer.open(sealed, { ...ctx, organizationId: 'other' })).toThrow(/integrity/);
  });

  it('rejects a flipped bit and an unknown key id', () => {
    const sealer = new Sealer([key]);
    const sealed = sealer.seal({ api_key: 'canary' }, ctx);
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(() => sealer.open({ ...sealed, ciphertext: flipped }, ctx)).toThrow(/integrity/);
    // An unknown key id names the connection and the key id (not a secret) to configure.
    expect(() => new Sealer([randomBytes(32)]).open(sealed, ctx)).toThrow(
      `Stored credentials of connection cn_a are sealed with key id ${keyIdOf(key)}, which is not configured; add that key to encryption.previousKeys.`,
    );
  });

  it('opens rows of an older key after rotation and seals with the newest', () => {
    const old = new Sealer([key]).seal({ v: 1 }, ctx);
    const next = randomBytes(32);
    const rotated = new Sealer([next, key]);
    expect(rotated.open(old, ctx)).toEqual({ v: 1 });
    expect(rotated.seal({ v: 2 }, ctx).keyId).toBe(keyIdOf(next));
    expect([
      rotated.opens(keyIdOf(key)),
      rotated.opens(keyIdOf(next)),
      rotated.opens(keyIdOf(randomBytes(32))),
    ]).toEqual([true, true, false]);
  });

  it('is built from the configuration: the current key seals, previous keys only open; none without a key', () => {
    const next = randomBytes(32);
    const sealer = Sealer.fromConfig({ key: new Secret(next), previousKeys: [new Secret(key)] });
    expect(sealer?.currentKeyId).toBe(keyIdOf(next));
    expect(sealer?.open(new Sealer([key]).seal({ v: 1 }, ctx), ctx)).toEqual({ v: 1 });
    expect(Sealer.fromConfig({ key: null })).toBeNull();
  });
});
