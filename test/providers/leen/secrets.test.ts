import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { secret } from '../../../src/core/secret.js';
import { LEEN_SCHEMAS } from '../../../src/providers/leen/adapter.js';
import { leenProvider } from '../../../src/providers/leen/definition.js';
import { createOrg, ctx, refOf, startHarness, type LeenHarness } from './harness.js';
import { configured } from '../../helpers/providers.js';
import { expectSecretConfig } from '../../helpers/checks.js';
import { captureLogs } from '../../helpers/logs.js';
import { asPatch } from '../../helpers/adapters.js';

const CANARY = 'CANARY-c9e1f0a7-credential';

/** Everything an error could show: message, field problems, JSON and inspect forms, stack. */
function everything(e: unknown): string {
  if (!(e instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(e)}`);
  return [
    e.message,
    JSON.stringify(e.errors ?? []),
    JSON.stringify(e),
    inspect(e, { depth: 10 }),
    e.stack ?? '',
    String(e.cause ?? ''),
  ].join('\n');
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
}

describe('Leen secrets never leak', () => {
  let h: LeenHarness;
  let orgId: string;
  beforeAll(async () => {
    h = await startHarness();
    orgId = await createOrg(h.sim, 'Secrets');
  });
  afterAll(() => h.close());

  it('a wrong API key gives upstream_error whose message does not contain the key', async () => {
    const wrongKey = 'wrong-key-3f9d2c1b';
    const { logger, lines } = captureLogs('trace', { raw: true });
    const adapter = leenProvider.createAdapter(
      configured(leenProvider, {
        id: 'leen',
        type: 'leen',
        apiKey: wrongKey,
        baseUrl: h.sim.url,
        retry: { attempts: 1 },
      }),
      { logger },
    );
    const err = await caught(adapter.list(ctx, orgId, { limit: 5, cursor: undefined }));
    expect(err).toMatchObject({ code: 'upstream_error', upstreamStatus: 401, provider: 'leen' });
    expect((err as GatewayError).message).toContain('Invalid API key');
    expect(everything(err)).not.toContain(wrongKey);
    expect(lines.join('\n')).not.toContain(wrongKey);
    expect(lines.length).toBeGreaterThan(0);
    // The adapter itself does not show its key either.
    expect(JSON.stringify(adapter)).not.toContain(wrongKey);
    expect(inspect(adapter, { depth: 10 })).not.toContain(wrongKey);
  });

  it('a canary credential never appears in an error or a log line', async () => {
    const seen: unknown[] = [];
    const attempt = async (p: Promise<unknown>) => {
      seen.push(await caught(p));
    };

    // Success paths: create, get, list, patch, test, delete.
    const conn = await h.adapter.create(
      ctx,
      orgId,
      { kind: 'TENABLE', name: 'canary' },
      secret({ client_key: CANARY, secret_key: `${CANARY}-s` }),
    );
    const ref = refOf(orgId, conn);
    expect(JSON.stringify(h.sim.state)).not.toContain(CANARY);
    expect(JSON.stringify(conn)).not.toContain(CANARY);
    await h.adapter.get(ctx, ref);
    await h.adapter.list(ctx, orgId, { limit: 10, cursor: undefined });
    await h.adapter.patch(ctx, ref, { credentials: secret({ client_key: `${CANARY}-2`, secret_key: 's' }) });
    await h.adapter.test?.(ctx, ref);

    // The gateway's own checks (run before the adapter) name fields, never values.
    const local = [
      LEEN_SCHEMAS.create.safeParse({ kind: 'TENABLE', credentials: { client_key: CANARY, secret_key: 42 } }),
      LEEN_SCHEMAS.create.safeParse({ kind: 'ORCA', credentials: CANARY }),
      LEEN_SCHEMAS.credentials('QUALYS')?.safeParse({ username: CANARY, password: ['x'] }),
    ];
    for (const r of local) {
      expect(r?.success).toBe(false);
      expect(JSON.stringify(r?.error?.issues.map((i) => [i.path, i.message]))).not.toContain(CANARY);
    }

    // Upstream failures while the canary is in flight: a 422 whose msg and input echo it (as a
    // pydantic value error could), a 500, a 401.
    const echo = {
      detail: [
        {
          loc: ['body', 'credentials', 'token'],
          msg: `Value error, token ${CANARY} was revoked`,
          type: 'value_error',
          input: CANARY,
        },
      ],
    };
    h.sim.kit.fault({ method: 'POST', path: '/connections', status: 422, body: echo, times: 1 });
    await attempt(h.adapter.create(ctx, orgId, { kind: 'ORCA' }, secret({ token: CANARY })));
    h.sim.kit.fault({ method: 'PATCH', path: '/connections', status: 422, body: echo, times: 1 });
    await attempt(
      h.adapter.patch(ctx, ref, { credentials: secret({ client_key: CANARY, secret_key: 's' }) }),
    );
    h.sim.kit.fault({
      method: 'POST',
      path: '/connections',
      status: 500,
      body: { detail: `boom ${CANARY}` },
      times: 1,
    });
    await attempt(h.adapter.create(ctx, orgId, { kind: 'ORCA' }, secret({ token: CANARY })));
    h.sim.kit.fault({
      method: 'PATCH',
      path: '/connections',
      status: 401,
      body: { detail: 'Invalid API key' },
      times: 1,
    });
    await attempt(
      h.adapter.patch(ctx, ref, { credentials: secret({ client_key: CANARY, secret_key: 's' }) }),
    );

    expect(seen).toHaveLength(4);
    for (const e of seen) expect(everything(e)).not.toContain(CANARY);
    const redacted = seen[0] as GatewayError;
    expect(redacted).toMatchObject({
      code: 'upstream_rejected',
      message:
        'Provider leen refused the request: body.credentials.token: Value error, token [redacted] was revoked',
      errors: [{ pointer: '/credentials/token', message: 'Value error, token [redacted] was revoked' }],
    });

    await h.adapter.delete(ctx, ref);
    expect(h.lines.length).toBeGreaterThan(5);
    for (const line of h.lines) expect(line).not.toContain(CANARY);
  });

  it('the provider definition marks apiKey as secret and validates its config', () => {
    expect(leenProvider.type).toBe('leen');
    expectSecretConfig(leenProvider.configSchema, { apiKey: 'the-api-key' }, 'apiKey');
    expect(leenProvider.configSchema.safeParse({ apiKey: 'k', other: 1 }).success).toBe(false);
  });

  it('createAdapter takes id and type from the config', () => {
    const { logger } = captureLogs('trace', { raw: true });
    const a = asPatch(
      leenProvider.createAdapter(
        configured(leenProvider, { id: 'leen-eu', type: 'leen', apiKey: 'k', baseUrl: 'http://127.0.0.1:9' }),
        { logger },
      ),
    );
    expect([a.id, a.type]).toEqual(['leen-eu', 'leen']);
  });
});
