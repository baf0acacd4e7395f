import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SimulatorSetup } from '../../src/providers/definition.js';
import { definitions } from '../../src/providers/registry.js';
import { useBrowser } from '../helpers/browser.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { TestReceiver } from '../helpers/receiver.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * Provider-hosted connect flows end to end (contract §11), in headless Chromium against the
 * simulators: a session with `flow: "provider"` through the API, the hosted page's "Continue with …"
 * step, the provider's own page completed as the end user (or IT admin) would, then the session
 * completed by the gateway's recognition, the connection listed with `end_user`, the events and
 * their webhook deliveries, and, for Leen's OnRamp, the secret never reaching the gateway.
 */

const browser = useBrowser();
const CANARY = 'canary-onramp-9d41';

let gw: TestGateway;
let sims: Map<string, SimulatorSetup>;
let app: Server;
let appUrl: string;
let receiver: TestReceiver;
let whsec: string;

beforeAll(async () => {
  const started = await Promise.all(definitions.map(async (d) => ({ d, sim: await d.startSimulator({}) })));
  sims = new Map(started.map(({ d, sim }) => [d.type, sim]));
  gw = await startGateway({
    definitions,
    providers: started.map(({ d, sim }) => ({ id: d.type, type: d.type, ...sim.providerConfig })),
    webhooks: { allowHttp: true, allowPrivateNetworks: true, pollMs: 20, retryScheduleMs: [50] },
  });
  const links = Object.fromEntries(started.map(({ d, sim }) => [d.type, sim.demoExternalOrgId]));
  expect(
    (await gw.call('POST', '/v1/organizations', { body: { id: 'acme', name: 'Acme', links } })).status,
  ).toBe(201);
  receiver = await TestReceiver.start();
  const hook = await json<{ secret: string }>(
    await gw.call('POST', '/v1/webhooks', {
      body: { url: `${receiver.url}/hooks`, organization_ids: ['acme'], events: ['connect_session.*'] },
    }),
  );
  whsec = hook.secret;
  app = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Back at the app</title><h1>Back</h1><p>${req.url ?? ''}</p>`);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => app?.close(() => resolve()));
  await receiver?.close();
  await gw?.close();
  await Promise.all([...(sims?.values() ?? [])].map((s) => s.close()));
});

interface Created {
  id: string;
  url: string;
  provider_flow?: { type: string } & Record<string, unknown>;
}

async function providerSession(allowed: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  const r = await gw.call('POST', '/v1/organizations/acme/connect-sessions', {
    body: {
      end_user: { id: 'it-admin-7', display_name: 'Grace Hopper' },
      return_url: `${appUrl}/done`,
      metadata: { tenant: 'acme-eu' },
      flow: 'provider',
      allowed,
      ...extra,
    },
  });
  expect(r.status, await r.clone().text()).toBe(201);
  return json<Created>(r);
}

/** What OnRamp does with a session's token: Create Connection at Leen, the token instead of the API key. */
async function useInviteToken(s: Created, body: Record<string, unknown>): Promise<number> {
  const leen = sims.get('leen') as SimulatorSetup;
  const r = await fetch(
    `${leen.providerConfig['baseUrl'] as string}/provisioning/organizations/${leen.demoExternalOrgId}/connections`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-CONNECTION-INVITE-TOKEN': String(s.provider_flow?.['token']),
      },
      body: JSON.stringify(body),
    },
  );
  return r.status;
}

/** Opens the session's page, clicks "Continue with …" and gives the provider's page (a new tab). */
async function continueWith(
  context: BrowserContext,
  s: Created,
  name: RegExp,
): Promise<{ page: Page; provider: Page }> {
  const page = await context.newPage();
  await page.goto(s.url);
  expect(page.url()).toBe(`${gw.url}/connect`);
  mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
  await page.screenshot({
    path: join(REPO_ROOT, 'test-results', `connect-provider-${s.provider_flow?.type ?? 'flow'}.png`),
  });
  const link = page.getByRole('link', { name });
  const [provider] = await Promise.all([context.waitForEvent('page'), link.click()]);
  await provider.waitForLoadState();
  return { page, provider };
}

/** The session's page looks again (what its refresh does) and moves on to return_url. */
async function backAtTheApp(page: Page): Promise<URLSearchParams> {
  await page.reload();
  await page.waitForURL((u) => u.toString().startsWith(`${appUrl}/done`));
  return new URL(page.url()).searchParams;
}

async function expectCompleted(s: Created, connectionId: string) {
  const read = await json<{ status: string; connection_id: string }>(
    await gw.call('GET', `/v1/organizations/acme/connect-sessions/${s.id}`),
  );
  expect(read).toMatchObject({ status: 'completed', connection_id: connectionId });
  const list = await json<{ data: Array<{ id: string; end_user: unknown; metadata: unknown }> }>(
    await gw.call('GET', '/v1/organizations/acme/connections?limit=200'),
  );
  expect(list.data.find((c) => c.id === connectionId)).toMatchObject({
    end_user: { id: 'it-admin-7', display_name: 'Grace Hopper' },
    metadata: { tenant: 'acme-eu' },
  });
  const events = await json<{ data: Array<{ type: string; connection_id: string | null; actor: string }> }>(
    await gw.call('GET', '/v1/organizations/acme/events?limit=200'),
  );
  expect(events.data.filter((e) => e.connection_id === connectionId).map((e) => [e.type, e.actor])).toEqual([
    ['connection.discovered', 'gateway'],
    ['connect_session.completed', 'gateway'],
  ]);
  await vi.waitFor(
    () =>
      expect(
        receiver
          .verified(whsec)
          .map((d) => d.payload as { type: string; data: { connect_session_id?: string } })
          .filter((p) => p.type === 'connect_session.completed' && p.data.connect_session_id === s.id),
      ).toHaveLength(1),
    { timeout: 10_000 },
  );
}

describe('Leen OnRamp invite tokens', () => {
  it('through the page: the token opens OnRamp, the end user connects there, the gateway recognises it; the secret never reaches the gateway', async () => {
    const s = await providerSession([{ provider: 'leen', kinds: ['TENABLE'] }]);
    expect(s.provider_flow).toMatchObject({
      type: 'leen_invite_token',
      token: expect.any(String),
      expires_at: expect.any(String),
    });
    const context = await browser().newContext();
    let id: string;
    try {
      const { page, provider } = await continueWith(context, s, /Continue with Leen OnRamp/);
      await provider.getByLabel(/Client key/).fill(`client-${CANARY}`);
      await provider.getByLabel(/Secret key/).fill(`secret-${CANARY}`);
      await provider.getByRole('button', { name: 'Connect' }).click();
      await expect.poll(() => provider.locator('h1').textContent()).toBe('Connected');
      const q = await backAtTheApp(page);
      expect(q.get('status')).toBe('success');
      id = q.get('connection_id') as string;
    } finally {
      await context.close();
    }
    await expectCompleted(s, id);
    const conn = await json<{ kind: string; credentials: { stored: boolean } }>(
      await gw.call('GET', `/v1/organizations/acme/connections/${id}`),
    );
    expect(conn).toMatchObject({ kind: 'TENABLE', credentials: { stored: false } });
    expect(sims.get('leen')?.received(`secret-${CANARY}`)).toBe(true);
    // The gateway saw no secret: not in its logs, not in its database.
    expect(gw.logs.text()).not.toContain(CANARY);
    for (const file of ['gateway.db', 'gateway.db-wal']
      .map((f) => join(gw.dir, f))
      .filter((f) => existsSync(f)))
      expect(readFileSync(file).includes(CANARY), file).toBe(false);
  });

  it("through the API only: the caller's own list recognises the connection made with the token", async () => {
    const s = await providerSession([{ provider: 'leen', kinds: ['QUALYS'] }]);
    expect(await useInviteToken(s, { vendor: 'QUALYS', credentials: { username: 'q', password: 'p' } })).toBe(
      200,
    );
    const list = await json<{ data: Array<{ id: string; kind: string; end_user: { id: string } | null }> }>(
      await gw.call('GET', '/v1/organizations/acme/connections?provider=leen&limit=200'),
    );
    const found = list.data.find((c) => c.kind === 'QUALYS' && c.end_user?.id === 'it-admin-7');
    expect(found).toBeDefined();
    await expectCompleted(s, (found as { id: string }).id);
  });
});

describe('recognised on a monitor pass too', () => {
  it('a Leen token used with nobody looking: the next monitor pass completes the session', async () => {
    const s = await providerSession([{ provider: 'leen', kinds: ['INSIGHTVM'] }]);
    expect(
      await useInviteToken(s, {
        vendor: 'INSIGHTVM',
        credentials: { base_url: 'https://ivm.example', api_key: 'k' },
      }),
    ).toBe(200);
    expect(
      (
        await json<{ status: string }>(
          await gw.call('GET', `/v1/organizations/acme/connect-sessions/${s.id}`),
        )
      ).status,
    ).toBe('pending');
    await gw.gateway.monitor.pass();
    const read = await json<{ status: string; connection_id: string }>(
      await gw.call('GET', `/v1/organizations/acme/connect-sessions/${s.id}`),
    );
    expect(read.status).toBe('completed');
    await expectCompleted(s, read.connection_id);
  });
});

describe('a reconnect through OnRamp', () => {
  it('the token updates that connection at Leen; the session completes with the same id', async () => {
    const made = await json<{ id: string }>(
      await gw.call('POST', '/v1/organizations/acme/connections', {
        body: { provider: 'leen', kind: 'TENABLE', credentials: { client_key: 'a', secret_key: 'b' } },
      }),
    );
    const s = await providerSession([], { allowed: undefined, connection_id: made.id });
    expect(
      await useInviteToken(s, {
        vendor: 'TENABLE',
        credentials: { client_key: 'new', secret_key: `new-${CANARY}` },
      }),
    ).toBe(200);
    await gw.call('GET', '/v1/organizations/acme/connections?provider=leen&limit=200');
    const read = await json<{ status: string; connection_id: string }>(
      await gw.call('GET', `/v1/organizations/acme/connect-sessions/${s.id}`),
    );
    expect(read).toMatchObject({ status: 'completed', connection_id: made.id });
    const conn = await json<{ end_user: { id: string } }>(
      await gw.call('GET', `/v1/organizations/acme/connections/${made.id}`),
    );
    expect(conn.end_user.id).toBe('it-admin-7');
  });
});

describe('Auth0 Self-Service SSO', () => {
  it("through the page: the ticket's setup at Auth0, the new organization connection recognised with the asked settings", async () => {
    const s = await providerSession([{ provider: 'auth0' }], {
      provider_options: { assign_membership_on_login: true, show_as_button: true },
    });
    expect(s.provider_flow).toMatchObject({ type: 'auth0_sso_ticket', ticket_url: expect.any(String) });
    const context = await browser().newContext();
    let id: string;
    try {
      const { page, provider } = await continueWith(context, s, /Continue with Auth0 Self-Service SSO/);
      await provider.getByRole('radio', { name: 'SAML', exact: true }).check();
      await provider.getByRole('button', { name: 'Continue' }).click();
      await provider.getByLabel('Sign-in URL').fill('https://idp.acme.example/saml/sso');
      await provider
        .getByLabel('SAML certificate')
        .fill('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
      await provider.getByRole('button', { name: 'Create connection' }).click();
      await provider.getByRole('heading', { name: 'Connection created' }).waitFor();
      const q = await backAtTheApp(page);
      expect(q.get('status')).toBe('success');
      id = q.get('connection_id') as string;
    } finally {
      await context.close();
    }
    await expectCompleted(s, id);
    const conn = await json<{ kind: string; settings: Record<string, unknown> }>(
      await gw.call('GET', `/v1/organizations/acme/connections/${id}`),
    );
    expect(conn).toMatchObject({
      kind: 'samlp',
      settings: { assign_membership_on_login: true, show_as_button: true },
    });
  });

  it("revoking the session revokes its ticket: Auth0's page says so", async () => {
    const s = await providerSession([{ provider: 'auth0' }]);
    expect((await gw.call('DELETE', `/v1/organizations/acme/connect-sessions/${s.id}`)).status).toBe(204);
    const page = await browser().newPage();
    try {
      const answer = await page.goto(String(s.provider_flow?.['ticket_url']));
      expect(answer?.status()).toBe(410);
      await page.getByRole('heading', { name: 'Link revoked' }).waitFor();
    } finally {
      await page.close();
    }
  });

  it('refuses options the flow does not take, naming them', async () => {
    const r = await gw.call('POST', '/v1/organizations/acme/connect-sessions', {
      body: {
        end_user: { id: 'u' },
        return_url: `${appUrl}/done`,
        flow: 'provider',
        allowed: [{ provider: 'auth0' }],
        provider_options: { show_as_button: 'yes' },
      },
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(await r.json())).toContain('/provider_options/show_as_button');
  });
});

describe('Versori OAuth2 authorization code', () => {
  it("through the page: connection-init's redirect, the app's consent, the new connection recognised", async () => {
    const s = await providerSession([{ provider: 'versori', kinds: ['app_authorization_code'] }]);
    expect(s.provider_flow).toMatchObject({ type: 'versori_redirect', url: expect.any(String) });
    const context = await browser().newContext();
    let id: string;
    try {
      const { page, provider } = await continueWith(context, s, /Continue with Versori/);
      await provider.getByRole('button', { name: 'Authorize' }).click();
      await expect.poll(() => provider.content()).toContain('Connected');
      const q = await backAtTheApp(page);
      expect(q.get('status')).toBe('success');
      id = q.get('connection_id') as string;
    } finally {
      await context.close();
    }
    await expectCompleted(s, id);
    const conn = await json<{ kind: string }>(
      await gw.call('GET', `/v1/organizations/acme/connections/${id}`),
    );
    expect(conn.kind).toBe('app_authorization_code');
  });

  it('refuses a provider flow without its one kind, and a provider without a flow', async () => {
    const r = await gw.call('POST', '/v1/organizations/acme/connect-sessions', {
      body: {
        end_user: { id: 'u' },
        return_url: `${appUrl}/done`,
        flow: 'provider',
        allowed: [{ provider: 'versori' }],
      },
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(await r.json())).toContain('/allowed/0/kinds');
    const two = await gw.call('POST', '/v1/organizations/acme/connect-sessions', {
      body: {
        end_user: { id: 'u' },
        return_url: `${appUrl}/done`,
        flow: 'provider',
        allowed: [{ provider: 'leen' }, { provider: 'versori' }],
      },
    });
    expect(two.status).toBe(400);
    expect(JSON.stringify(await two.json())).toContain('/allowed');
    const options = await gw.call('POST', '/v1/organizations/acme/connect-sessions', {
      body: { end_user: { id: 'u' }, return_url: `${appUrl}/done`, provider_options: { x: 1 } },
    });
    expect(options.status).toBe(400);
  });
});
