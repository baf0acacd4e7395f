import type { Page as BrowserPage } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ProviderFlow,
  ProviderFlowRequest,
  ProviderFlowStarted,
  StartedFlow,
} from '../../../src/core/adapter.js';
import { UNKNOWN_HEALTH } from '../../../src/core/connection.js';
import { GatewayError } from '../../../src/core/errors.js';
import { newId } from '../../../src/core/ids.js';
import { auth0Provider } from '../../../src/providers/auth0/definition.js';
import { MAX_TICKET_TTL_SEC } from '../../../src/providers/auth0/api-types.js';
import {
  auth0ConnectionName,
  decodeFlowHandle,
  isAuth0ConnectionName,
  ticketIdOf,
  ticketTtlSec,
} from '../../../src/providers/auth0/self-service-flow.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../../src/providers/auth0/simulator/index.js';
import { useBrowser } from '../../helpers/browser.js';
import { captureLogs } from '../../helpers/logs.js';
import { configured } from '../../helpers/providers.js';
import { adapterFor, ctx } from './harness.js';

/**
 * Auth0's provider-hosted flow end to end (docs/providers/auth0.md §10): the adapter starts a
 * Self-Service SSO ticket on the simulator, the "admin" completes the simulator's assistant page in
 * a real browser, and the adapter's list shows the new organization connection, which `recognises`
 * finds; revoking makes the page an error.
 */

const browser = useBrowser();
let sim: Auth0Simulator;
let profileId: string;
let orgId: string;

beforeAll(async () => {
  sim = await startAuth0Simulator({ domain: 'flow.auth0.local' });
  profileId = sim.addSelfServiceProfile({
    name: 'Flow SSO',
    allowed_strategies: ['samlp', 'oidc'],
    user_attributes: [{ name: 'email', description: 'Email address', is_optional: false }],
  }).id;
  orgId = sim.addOrganization({ name: 'flow-org' }).id;
});
afterAll(async () => {
  await sim.close();
});

function flowOf(o: { connectionsApi?: 'enabled_connections'; profile?: string } = {}): ProviderFlow {
  const adapter = adapterFor(sim, {
    selfServiceProfileId: o.profile ?? profileId,
    ...(o.connectionsApi ? { connectionsApi: o.connectionsApi } : {}),
  });
  if (!adapter.providerFlow) throw new Error('no provider flow');
  return adapter.providerFlow;
}

function request(o: Partial<ProviderFlowRequest> = {}): ProviderFlowRequest {
  const ttlSeconds = o.ttlSeconds ?? 3600;
  return {
    sessionId: newId('cs'),
    kind: null,
    reconnect: null,
    expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
    ttlSeconds,
    returnUrl: 'http://127.0.0.1:9/connect',
    options: {},
    ...o,
  };
}

function startedOf(req: ProviderFlowRequest, started: ProviderFlowStarted): StartedFlow {
  return {
    sessionId: req.sessionId,
    kind: req.kind,
    handle: started.handle,
    reconnectExternalId: null,
    startedAt: new Date().toISOString(),
  };
}

function lastTicketBody(): unknown {
  const post = sim.kit.requests.filter((r) => r.path.endsWith('/sso-ticket')).at(-1);
  return post ? JSON.parse(post.body) : undefined;
}

async function expectGatewayError(p: Promise<unknown>, code: string): Promise<GatewayError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).code).toBe(code);
  return err as GatewayError;
}

describe('the adapter and its config', () => {
  it('has a provider flow only with selfServiceProfileId', () => {
    expect('providerFlow' in adapterFor(sim)).toBe(false);
    const flow = flowOf();
    expect(flow.name).toBe('Auth0 Self-Service SSO');
    expect(typeof flow.revoke).toBe('function');
  });

  it('options: strict { assign_membership_on_login?, show_as_button? }', () => {
    const schema = flowOf().optionsSchema!;
    expect(schema.safeParse({}).success).toBe(true);
    expect(schema.safeParse({ assign_membership_on_login: true, show_as_button: false }).success).toBe(true);
    expect(schema.safeParse({ show_as_button: 'yes' }).success).toBe(false);
    expect(schema.safeParse({ is_signup_enabled: true }).success).toBe(false);
  });

  it('selfServiceProfileId must be a non-empty string that can be a path segment', () => {
    const entry = (selfServiceProfileId: unknown) => ({
      id: 'auth0',
      type: 'auth0',
      domain: 'acme.auth0.com',
      clientId: 'c',
      clientSecret: 's',
      selfServiceProfileId,
    });
    expect(configured(auth0Provider, entry('ssp_abc'))).toMatchObject({ selfServiceProfileId: 'ssp_abc' });
    for (const bad of ['', '..', 'a/b', 42]) expect(() => configured(auth0Provider, entry(bad))).toThrow();
  });

  it("the connection name: deterministic, distinct per session, within Auth0's name pattern", () => {
    expect(auth0ConnectionName('cs_0a1b2c3d4e5f6g7h8i9j')).toBe('plugboard-cs-0a1b2c3d4e5f6g7h8i9j');
    expect(auth0ConnectionName('cs_abc')).toBe(auth0ConnectionName('cs_abc'));
    const ids = [
      ...Array.from({ length: 200 }, () => newId('cs')),
      'cs-abc',
      'cs__abc',
      '_cs',
      'ünïcode',
      'x'.repeat(200),
      '',
      'plugboardx',
      'a b',
    ];
    const names = ids.map(auth0ConnectionName);
    for (const n of names) expect(isAuth0ConnectionName(n), n).toBe(true);
    expect(new Set(names).size).toBe(ids.length);
    expect(auth0ConnectionName('cs-abc')).toMatch(/^plugboardx-[0-9a-f]{40}$/);
  });

  it('ttl_sec: the seconds until the session expires (rounded up), 1…432000', () => {
    const now = Date.parse('2026-03-01T00:00:00.000Z');
    const at = (s: number) => new Date(now + s * 1000).toISOString();
    expect(ticketTtlSec({ ttlSeconds: 3600, expiresAt: at(3600) }, now)).toBe(3600);
    // Rounded up: a call that took part of a second does not cost the ticket a second.
    expect(ticketTtlSec({ ttlSeconds: 3600, expiresAt: at(3599.5) }, now)).toBe(3600);
    expect(ticketTtlSec({ ttlSeconds: 3600, expiresAt: at(3000.5) }, now)).toBe(3001);
    expect(
      ticketTtlSec({ ttlSeconds: 10 * MAX_TICKET_TTL_SEC, expiresAt: at(10 * MAX_TICKET_TTL_SEC) }, now),
    ).toBe(MAX_TICKET_TTL_SEC);
    // Never 0, which Auth0 reads as 5 days.
    expect(ticketTtlSec({ ttlSeconds: 60, expiresAt: at(-5) }, now)).toBe(1);
  });

  it('the ticket id is the `ticket` query value of the ticket URL', () => {
    expect(ticketIdOf('https://example.auth0.com/self-service/connections-flow?ticket=ticket-1234')).toBe(
      'ticket-1234',
    );
    expect(ticketIdOf('https://example.auth0.com/self-service/connections-flow')).toBeNull();
    expect(ticketIdOf('not a url')).toBeNull();
  });
});

describe('start, recognises, revoke', () => {
  it("start creates a ticket for the organization with the session's options and ttl, and hands it out", async () => {
    const flow = flowOf();
    const req = request({
      ttlSeconds: 1800,
      options: { assign_membership_on_login: true, show_as_button: false },
    });
    const before = Date.now();
    const started = await flow.start(ctx(), orgId, req);
    const name = auth0ConnectionName(req.sessionId);
    expect(lastTicketBody()).toEqual({
      connection_config: { name },
      enabled_organizations: [
        { organization_id: orgId, assign_membership_on_login: true, show_as_button: false },
      ],
      ttl_sec: 1800,
    });
    const ticketUrl = started.provider_flow['ticket_url'] as string;
    expect(started.provider_flow).toEqual({
      type: 'auth0_sso_ticket',
      ticket_url: ticketUrl,
      expires_at: expect.any(String),
    });
    expect(ticketUrl).toMatch(new RegExp(`^${sim.url}/self-service/connections-flow\\?ticket=[A-Za-z0-9]+$`));
    const expiresAt = Date.parse(started.provider_flow['expires_at'] as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1800 * 1000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.parse(req.expiresAt));
    expect(started.url).toBe(ticketUrl);
    expect(decodeFlowHandle(started.handle)).toEqual({
      profile: profileId,
      ticket: ticketIdOf(ticketUrl),
      name,
    });
  });

  it('without options the organization item carries only its id', async () => {
    await flowOf().start(ctx(), orgId, request());
    expect((lastTicketBody() as { enabled_organizations: unknown }).enabled_organizations).toEqual([
      { organization_id: orgId },
    ]);
  });

  it('a reconnect is unsupported_operation: Auth0 documents no signal that an edit ticket was used', async () => {
    const err = await expectGatewayError(
      flowOf().start(
        ctx(),
        orgId,
        request({
          reconnect: { connectionId: 'cn_x', externalOrgId: orgId, externalId: 'con_x', kind: 'samlp' },
        }),
      ),
      'unsupported_operation',
    );
    expect(err.errors).toEqual([{ pointer: '/connection_id', message: 'no reconnect with flow "provider"' }]);
  });

  it('an unknown self-service profile is upstream_error naming selfServiceProfileId', async () => {
    const err = await expectGatewayError(
      flowOf({ profile: 'ssp_doesnotexist' }).start(ctx(), orgId, request()),
      'upstream_error',
    );
    expect(err.message).toContain('selfServiceProfileId');
    expect(err.message).toContain('Self-service profile not found');
  });

  it('recognises a connection by the name on the ticket, also without a readable handle', () => {
    const flow = flowOf();
    const req = request();
    const name = auth0ConnectionName(req.sessionId);
    const conn = (connection_name: string | null) => ({
      external_id: 'con_x',
      kind: 'samlp',
      name: 'x',
      status: 'active' as const,
      health: { ...UNKNOWN_HEALTH },
      credentials: { configured: false, type: null, updated_at: null },
      settings: {},
      details: { connection_name },
      created_at: null,
      updated_at: null,
    });
    const started = { sessionId: req.sessionId, kind: null, reconnectExternalId: null, startedAt: '' };
    const handle = JSON.stringify({ profile: profileId, ticket: 't', name });
    expect(flow.recognises(conn(name), { ...started, handle })).toBe(true);
    expect(flow.recognises(conn(name), { ...started, handle: null })).toBe(true);
    expect(flow.recognises(conn('acme-saml'), { ...started, handle })).toBe(false);
    expect(flow.recognises(conn(null), { ...started, handle })).toBe(false);
  });

  it('revoke with a handle it did not write is an error, not a silent no-op', async () => {
    await expectGatewayError(flowOf().revoke!(ctx(), orgId, 'garbage'), 'internal');
  });
});

describe('the assistant page in a browser', () => {
  async function completeAssistant(page: BrowserPage, url: string): Promise<void> {
    await page.goto(url);
    await expect.poll(() => page.getByRole('heading', { name: 'Simulator assumptions' }).count()).toBe(1);
    await page.getByRole('radio', { name: 'SAML', exact: true }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Configure Connection' }).waitFor();
    await page.getByLabel('Sign-in URL').fill('https://idp.acme.example/saml/sso');
    await page
      .getByLabel('SAML certificate')
      .fill('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
    expect(await page.getByLabel('Claim for email').inputValue()).toBe('email');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByRole('heading', { name: 'Connection created' }).waitFor();
  }

  it('open the ticket, pick SAML, fill it in, "Create connection": the adapter lists the new connection and recognises it', async () => {
    const flow = flowOf();
    const req = request({ options: { assign_membership_on_login: true, show_as_button: false } });
    const started = await flow.start(ctx(), orgId, req);
    const name = auth0ConnectionName(req.sessionId);
    const page = await browser().newPage();
    try {
      await completeAssistant(page, started.url!);
      expect(await page.locator('body').textContent()).toContain(name);
      expect(await page.locator('body').textContent()).toContain(orgId);
      // The ticket is used: opening it again says so.
      await page.goto(started.url!);
      await page.getByRole('heading', { name: 'Link already used' }).waitFor();
    } finally {
      await page.close();
    }

    const tenantConnection = sim.state.connections.find((c) => c.name === name)!;
    expect(tenantConnection).toMatchObject({
      strategy: 'samlp',
      options: { signInEndpoint: 'https://idp.acme.example/saml/sso' },
    });
    expect(JSON.stringify(sim.state)).not.toContain('BEGIN CERTIFICATE');

    for (const family of [undefined, 'enabled_connections'] as const) {
      const adapter = adapterFor(sim, {
        selfServiceProfileId: profileId,
        ...(family ? { connectionsApi: family } : {}),
      });
      const listed = await adapter.list(ctx(), orgId, { limit: 100, cursor: undefined });
      const found = listed.items.filter((c) => adapter.providerFlow!.recognises(c, startedOf(req, started)));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        external_id: tenantConnection.id,
        kind: 'samlp',
        status: 'active',
        settings: { assign_membership_on_login: true, show_as_button: false },
        details: { connection_name: name },
      });
    }
  });

  it('revoke: the ticket page shows an error, also for an admin already in the assistant', async () => {
    const flow = flowOf();
    const fresh = await flow.start(ctx(), orgId, request());
    const midway = await flow.start(ctx(), orgId, request());
    const page = await browser().newPage();
    try {
      await page.goto(midway.url!);
      await page.getByRole('radio', { name: 'OpenID Connect', exact: true }).check();

      await flow.revoke!(ctx(), orgId, fresh.handle!);
      await flow.revoke!(ctx(), orgId, midway.handle!);
      const revokes = sim.kit.requests.filter((r) => r.path.endsWith('/revoke'));
      expect(revokes.at(-1)).toMatchObject({
        method: 'POST',
        path: `/api/v2/self-service-profiles/${profileId}/sso-ticket/${decodeFlowHandle(midway.handle)!.ticket}/revoke`,
      });

      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Link revoked' }).waitFor();
      const response = await page.goto(fresh.url!);
      expect(response?.status()).toBe(410);
      await page.getByRole('heading', { name: 'Link revoked' }).waitFor();
      expect(await page.locator('body').textContent()).toContain('This setup link has been revoked.');
    } finally {
      await page.close();
    }
  });
});

describe('the sandbox (definition.startSimulator)', () => {
  it('names its seeded profile, so a provider flow works against the demo organization', async () => {
    const setup = await auth0Provider.startSimulator({ port: 0 });
    try {
      const adapter = auth0Provider.createAdapter(
        configured(auth0Provider, { id: 'auth0', type: 'auth0', ...setup.providerConfig }),
        { logger: captureLogs('trace', { raw: true }).logger },
      );
      const started = await adapter.providerFlow!.start(ctx(), setup.demoExternalOrgId, request());
      const page = await fetch(started.url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Select Identity Provider');
    } finally {
      await setup.close();
    }
  });
});
