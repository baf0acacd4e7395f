import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderFlow, ProviderFlowRequest, StartedFlow } from '../../../src/core/adapter.js';
import type { UpstreamConnection } from '../../../src/core/connection.js';
import { GatewayError } from '../../../src/core/errors.js';
import { secret } from '../../../src/core/secret.js';
import { leenProvider } from '../../../src/providers/leen/definition.js';
import { API_KEY, createOrg, ctx, leenFetch, refOf, startHarness, type LeenHarness } from './harness.js';

/**
 * The Leen adapter's provider-hosted flow (contract §11) against the simulator: `start` mints an
 * OnRamp invite token carrying the session id as `identifier`; the end user's browser (played here
 * by plain calls with `X-CONNECTION-INVITE-TOKEN`, as OnRamp makes them) creates or updates the
 * connection at Leen; `recognises` finds the result in the adapter's list. The credentials never
 * pass through the adapter: a canary typed into "OnRamp" is in nothing the adapter returns.
 */

const canary = () => `canary-leen-onramp-${randomUUID()}`;
const RETURN_URL = 'http://127.0.0.1:8080/connect/status';

function request(over: Partial<ProviderFlowRequest> = {}): ProviderFlowRequest {
  const ttlSeconds = over.ttlSeconds ?? 900;
  return {
    sessionId: `cs_${randomUUID().replace(/-/g, '')}`,
    kind: 'TENABLE',
    reconnect: null,
    expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
    ttlSeconds,
    returnUrl: RETURN_URL,
    options: {},
    ...over,
  };
}

function startedOf(req: ProviderFlowRequest, startedAt: string): StartedFlow {
  return {
    sessionId: req.sessionId,
    kind: req.kind,
    handle: null,
    reconnectExternalId: req.reconnect?.externalId ?? null,
    startedAt,
  };
}

describe('Leen provider flow (OnRamp invite tokens)', () => {
  let h: LeenHarness;
  let withPage: LeenHarness;
  let orgId: string;
  let flow: ProviderFlow;

  /** The body of the last invite-token request the simulator saw. */
  const mintBody = (harness: LeenHarness = h) =>
    JSON.parse(
      harness.sim.kit.requests.filter((r) => r.path.endsWith('/connection-invite-tokens')).at(-1)?.body ??
        '{}',
    ) as Record<string, unknown>;

  /** What OnRamp does in the end user's browser: Create (or Update) Connection with the token only. */
  const onramp = (method: 'POST' | 'PATCH', path: string, token: string, body: unknown) =>
    leenFetch(h.sim, method, path, body, null, { 'x-connection-invite-token': token });

  const list = async () => (await h.adapter.list(ctx, orgId, { limit: 100, cursor: undefined })).items;

  beforeAll(async () => {
    h = await startHarness();
    withPage = await startHarness({ onramp: true });
    orgId = await createOrg(h.sim, 'Acme');
    const flowOf = h.adapter.providerFlow;
    if (!flowOf) throw new Error('the Leen adapter has no provider flow');
    flow = flowOf;
  });
  afterAll(async () => {
    await h.close();
    await withPage.close();
  });
  beforeEach(() => h.sim.kit.resetRequests());

  it('is "Leen OnRamp", takes no options, and revokes nothing (Leen documents no revocation)', () => {
    expect(flow.name).toBe('Leen OnRamp');
    expect(flow.optionsSchema).toBeNull();
    expect(flow.revoke).toBeUndefined();
  });

  it('start mints a token with the session id as identifier, the kind as vendor and the session’s lifetime', async () => {
    const req = request({ ttlSeconds: 600 });
    const started = await flow.start(ctx, orgId, req);
    expect(mintBody()).toEqual({ identifier: req.sessionId, vendor: 'TENABLE', expiry_secs: 600 });
    const sent = h.sim.kit.requests.at(-1);
    expect(sent?.path).toBe(`/provisioning/organizations/${orgId}/connection-invite-tokens`);
    expect(sent?.headers['x-api-key']).toBe(API_KEY);
    expect(Object.keys(started.provider_flow).sort()).toEqual(['expires_at', 'token', 'type']);
    expect(started.provider_flow).toMatchObject({ type: 'leen_invite_token', token: expect.any(String) });
    const expiresAt = started.provider_flow['expires_at'] as string;
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(Date.parse(req.expiresAt));
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now() + 590_000);
    // OnRamp is a component, not a page Leen hosts: no URL without the entry's onrampUrl.
    expect(started.url).toBeNull();
    expect(started.handle).toBeNull();
  });

  it('expiry_secs: whole seconds of the session’s lifetime, at least 1', async () => {
    await flow.start(ctx, orgId, request({ ttlSeconds: 90.9 }));
    expect(mintBody()['expiry_secs']).toBe(90);
    await flow.start(ctx, orgId, request({ ttlSeconds: 0.2 }));
    expect(mintBody()['expiry_secs']).toBe(1);
  });

  it('a session open to any vendor mints a token without one; an OAuth2 vendor’s comes back to the status URL', async () => {
    await flow.start(ctx, orgId, request({ kind: null }));
    expect(mintBody()).toMatchObject({ vendor: null });
    expect(mintBody()).not.toHaveProperty('options');
    await flow.start(ctx, orgId, request({ kind: 'JIRA' }));
    expect(mintBody()).toMatchObject({
      vendor: 'JIRA',
      options: { oauth2_redirect_urls: { success: RETURN_URL, error: RETURN_URL } },
    });
  });

  it('with onrampUrl, url is that page with ?token=', async () => {
    const org = await createOrg(withPage.sim, 'With page');
    const started = await withPage.adapter.providerFlow?.start(ctx, org, request());
    const token = started?.provider_flow['token'] as string;
    const url = new URL(started?.url ?? '');
    expect(`${url.origin}${url.pathname}`).toBe(`${withPage.sim.url}/onramp`);
    expect(url.searchParams.get('token')).toBe(token);
    expect([...url.searchParams.keys()]).toEqual(['token']);
  });

  it('the entry’s onrampUrl is optional and must be an http(s) URL', () => {
    const schema = leenProvider.configSchema;
    expect(schema.safeParse({ apiKey: 'k' }).success).toBe(true);
    expect(schema.safeParse({ apiKey: 'k', onrampUrl: 'https://app.example.com/leen?x=1' }).success).toBe(
      true,
    );
    const bad = schema.safeParse({ apiKey: 'k', onrampUrl: 'javascript:alert(1)' });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).not.toContain('alert');
  });

  it('a Leen refusal of the mint is a gateway error', async () => {
    const e = await flow
      .start(ctx, '00000000-0000-4000-8000-000000000000', request())
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(GatewayError);
    expect((e as GatewayError).code).toBe('not_found');
  });

  it('recognises the connection OnRamp made with the token, and no other; the credentials never reach the adapter', async () => {
    const other = await h.adapter.create(
      ctx,
      orgId,
      { kind: 'TENABLE', name: 'made-through-the-api' },
      secret({
        client_key: 'ck-api',
        secret_key: 'sk-api',
      }),
    );
    const req = request();
    const startedAt = new Date().toISOString();
    const started = await flow.start(ctx, orgId, req);
    const token = started.provider_flow['token'] as string;
    const before = await list();
    expect(before.filter((c) => flow.recognises(c, startedOf(req, startedAt)))).toEqual([]);

    const key = canary();
    const made = await onramp('POST', `/provisioning/organizations/${orgId}/connections`, token, {
      vendor: 'TENABLE',
      credentials: { client_key: key, secret_key: key },
    });
    expect(made.status).toBe(200);
    expect(h.sim.kit.received(key)).toBe(true);

    const after = await list();
    const found = after.filter((c) => flow.recognises(c, startedOf(req, startedAt)));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      external_id: (made.body as { id: string }).id,
      kind: 'TENABLE',
      name: req.sessionId,
      status: 'active',
      credentials: { configured: true },
    });
    expect(found[0]?.external_id).not.toBe(other.external_id);
    // The adapter only lists: nothing it returned holds the secret typed into OnRamp.
    expect(JSON.stringify(after)).not.toContain(key);
    expect(JSON.stringify(started)).not.toContain(key);
  });

  it('a session for any vendor recognises the connection of whichever vendor was chosen; a session for one kind only that kind', async () => {
    const req = request({ kind: null });
    const startedAt = new Date().toISOString();
    const token = (await flow.start(ctx, orgId, req)).provider_flow['token'] as string;
    const made = await onramp('POST', `/provisioning/organizations/${orgId}/connections`, token, {
      vendor: 'QUALYS',
      credentials: { username: 'u', password: canary() },
    });
    const conn = (await list()).find((c) => c.external_id === (made.body as { id: string }).id);
    if (!conn) throw new Error('not listed');
    expect(flow.recognises(conn, startedOf(req, startedAt))).toBe(true);
    expect(flow.recognises(conn, { ...startedOf(req, startedAt), kind: 'TENABLE' })).toBe(false);
    expect(flow.recognises(conn, { ...startedOf(req, startedAt), sessionId: 'cs_other' })).toBe(false);
  });

  it('a reconnect mints an update token (connection_id, no vendor) and recognises that connection once OnRamp updated it', async () => {
    const existing = await h.adapter.create(
      ctx,
      orgId,
      { kind: 'TENABLE', name: 'tenable-prod' },
      secret({ client_key: 'ck-old', secret_key: 'sk-old' }),
    );
    const sibling = await h.adapter.create(
      ctx,
      orgId,
      { kind: 'TENABLE', name: 'tenable-dev' },
      secret({ client_key: 'ck-dev', secret_key: 'sk-dev' }),
    );
    const req = request({ reconnect: refOf(orgId, existing) });
    const startedAt = new Date().toISOString();
    const started = await flow.start(ctx, orgId, req);
    expect(mintBody()).toEqual({
      identifier: req.sessionId,
      connection_id: existing.external_id,
      expiry_secs: 900,
    });
    const s = startedOf(req, startedAt);
    const now = () => list().then((items) => items.filter((c) => flow.recognises(c, s)));
    expect(await now()).toEqual([]);

    const key = canary();
    const res = await onramp(
      'PATCH',
      `/provisioning/organizations/${orgId}/connections/${existing.external_id}`,
      started.provider_flow['token'] as string,
      { credentials: { client_key: key, secret_key: key }, state: 'ACTIVE' },
    );
    expect(res.status).toBe(200);
    const found = await now();
    expect(found.map((c) => c.external_id)).toEqual([existing.external_id]);
    // Leen applies the token's identifier on an update too: the connection's name is now the session id.
    expect(found[0]?.name).toBe(req.sessionId);
    expect(found.map((c) => c.external_id)).not.toContain(sibling.external_id);
    expect(JSON.stringify(await list())).not.toContain(key);
  });

  it('recognises a reconnect by updated_at alone when the identifier did not change (Leen’s clock)', () => {
    const base: UpstreamConnection = {
      external_id: 'c1',
      kind: 'TENABLE',
      name: 'tenable-prod',
      status: 'active',
      health: { status: 'healthy', description: null, resolution_owner: null },
      credentials: { configured: true, type: 'api_key', updated_at: null },
      settings: {},
      details: {},
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:10.000Z',
    };
    const s: StartedFlow = {
      sessionId: 'cs_1',
      kind: 'TENABLE',
      handle: null,
      reconnectExternalId: 'c1',
      startedAt: '2026-01-01T00:00:05.000Z',
    };
    expect(flow.recognises(base, s)).toBe(true);
    expect(flow.recognises({ ...base, updated_at: '2026-01-01T00:00:05.000Z' }, s)).toBe(false);
    expect(flow.recognises({ ...base, updated_at: null }, s)).toBe(false);
    expect(flow.recognises({ ...base, external_id: 'c2' }, s)).toBe(false);
    expect(flow.recognises({ ...base, updated_at: null, name: 'cs_1' }, s)).toBe(true);
  });
});
