import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { secret } from '../../../src/core/secret.js';
import { leenProvider } from '../../../src/providers/leen/definition.js';
import { asPatch, capturingLogger, createOrg, ctx, refOf, startHarness, type LeenHarness } from './setup.js';

const CANARY = 'CANARY-c9e1f0a7-credential';

/** Everything an error could show: message, field problems, JSON and inspect forms, stack. */
function everything(e: unknown): string {
  if (!(e instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(e)}`);
  return [e.message, JSON.stringify(e.errors ?? []), JSON.stringify(e), inspect(e, { depth: 10 }), e.stack ?? '', String(e.cause ?? '')].join('\n');
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e);
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
    const { logger, lines } = capturingLogger();
    const adapter = leenProvider.createAdapter({ id: 'leen', type: 'leen', apiKey: wrongKey, baseUrl: h.sim.url, retry: { attempts: 1 } }, { logger });
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
    const attempt = async (p: Promise<unknown>) => { seen.push(await caught(p)); };

    // Success paths: create, get, list, patch, test, delete.
    const conn = await h.adapter.create(ctx, orgId, { kind: 'SEMGREP', name: 'canary' }, secret({ api_token: CANARY }));
    const ref = refOf(orgId, conn);
    expect(h.sim.state.connections.find((c) => c.id === conn.external_id)?.credentials).toEqual({ api_token: CANARY });
    expect(JSON.stringify(conn)).not.toContain(CANARY);
    await h.adapter.get(ctx, ref);
    await h.adapter.list(ctx, orgId, { limit: 10, cursor: undefined });
    await h.adapter.patch(ctx, ref, { credentials: secret({ api_token: `${CANARY}-2` }) });
    await h.adapter.test?.(ctx, ref);

    // Local validation failures that hold the canary next to a bad field.
    await attempt(h.adapter.create(ctx, orgId, { kind: 'CROWDSTRIKE' }, secret({ client_id: CANARY, client_secret: '' })));
    await attempt(h.adapter.patch(ctx, ref, { credentials: secret({ api_token: CANARY, unknown: CANARY }) }));

    // Upstream failures while the canary is in flight: a 422 whose msg and input echo it (as a
    // pydantic value error could), a 500, a 401.
    const echo = {
      detail: [{ loc: ['body', 'credentials', 'api_token'], msg: `Value error, token ${CANARY} was revoked`, type: 'value_error', input: CANARY }],
    };
    h.sim.kit.fault({ method: 'POST', path: '/connections', status: 422, body: echo, times: 1 });
    await attempt(h.adapter.create(ctx, orgId, { kind: 'SEMGREP' }, secret({ api_token: CANARY })));
    h.sim.kit.fault({ method: 'PATCH', path: '/connections', status: 422, body: echo, times: 1 });
    await attempt(h.adapter.patch(ctx, ref, { credentials: secret({ api_token: CANARY }) }));
    h.sim.kit.fault({ method: 'POST', path: '/connections', status: 500, body: { detail: `boom ${CANARY}` }, times: 1 });
    await attempt(h.adapter.create(ctx, orgId, { kind: 'SEMGREP' }, secret({ api_token: CANARY })));
    h.sim.kit.fault({ method: 'PATCH', path: '/connections', status: 401, body: { detail: 'Invalid API key' }, times: 1 });
    await attempt(h.adapter.patch(ctx, ref, { credentials: secret({ api_token: CANARY }) }));

    expect(seen).toHaveLength(6);
    for (const e of seen) expect(everything(e)).not.toContain(CANARY);
    const redacted = seen[2] as GatewayError;
    expect(redacted).toMatchObject({ code: 'upstream_rejected', message: 'body.credentials.api_token: Value error, token [redacted] was revoked' });

    await h.adapter.delete(ctx, ref);
    expect(h.lines.length).toBeGreaterThan(5);
    for (const line of h.lines) expect(line).not.toContain(CANARY);
  });

  it('the provider definition marks apiKey as secret and validates its config', () => {
    expect(leenProvider.type).toBe('leen');
    expect(leenProvider.secretConfigKeys).toEqual(['apiKey']);
    expect(leenProvider.configSchema.safeParse({ apiKey: 'k' }).success).toBe(true);
    expect(leenProvider.configSchema.safeParse({ apiKey: '' }).success).toBe(false);
    expect(leenProvider.configSchema.safeParse({}).success).toBe(false);
    expect(leenProvider.configSchema.safeParse({ apiKey: 'k', other: 1 }).success).toBe(false);
  });

  it('createAdapter takes id and type from the config', () => {
    const { logger } = capturingLogger();
    const a = asPatch(leenProvider.createAdapter({ id: 'leen-eu', type: 'leen', apiKey: 'k', baseUrl: 'http://127.0.0.1:9' }, { logger }));
    expect([a.id, a.type]).toEqual(['leen-eu', 'leen']);
  });
});
