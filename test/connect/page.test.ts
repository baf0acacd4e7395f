import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorSetup } from '../../src/providers/definition.js';
import { definitions } from '../../src/providers/registry.js';
import { useBrowser } from '../helpers/browser.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * The hosted connect page end to end (contract §10), in a real headless Chromium against the
 * provider simulators: a session link, the chooser, a form built from the credential schema, the
 * credential test, the OAuth consent at the Leen simulator, a reconnect, and the page's defences.
 * Screenshots go to test-results/connect-*.png for people to look at.
 */

const browser = useBrowser();
const SHOTS = join(REPO_ROOT, 'test-results');
const CANARY = 'canary-7f3a9c-secret';

let gw: TestGateway;
let sims: Map<string, SimulatorSetup>;
let app: Server;
let appUrl: string;
/** Milliseconds the gateway's clock is ahead of the real one. */
let ahead = 0;

beforeAll(async () => {
  const started = await Promise.all(definitions.map(async (d) => ({ d, sim: await d.startSimulator({}) })));
  sims = new Map(started.map(({ d, sim }) => [d.type, sim]));
  gw = await startGateway({
    definitions,
    providers: started.map(({ d, sim }) => ({ id: d.type, type: d.type, ...sim.providerConfig })),
    now: () => new Date(Date.now() + ahead),
  });
  const links = Object.fromEntries(started.map(({ d, sim }) => [d.type, sim.demoExternalOrgId]));
  expect(
    (await gw.call('POST', '/v1/organizations', { body: { id: 'acme', name: 'Acme', links } })).status,
  ).toBe(201);
  // The app behind return_url: it answers with what it was given.
  app = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Back at the app</title><h1>Back</h1><p id="query">${new URL(req.url ?? '/', 'http://x').search}</p>`,
    );
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => app?.close(() => resolve()));
  await gw?.close();
  await Promise.all([...(sims?.values() ?? [])].map((s) => s.close()));
});

interface Created {
  id: string;
  token: string;
  url: string;
  status: string;
  allowed: Array<{ provider: string; kinds: string[] | null }>;
}

async function session(body: Record<string, unknown> = {}): Promise<Created> {
  const r = await gw.call('POST', '/v1/organizations/acme/connect-sessions', {
    body: {
      end_user: { id: 'u-42', email: 'ada@example.com', display_name: 'Ada Lovelace' },
      return_url: `${appUrl}/done`,
      metadata: { plan: 'pro' },
      ...body,
    },
  });
  expect(r.status, await r.clone().text()).toBe(201);
  return json<Created>(r);
}

/** The upstream connections of the demo organization at the Leen simulator. */
async function leenConnections(): Promise<Array<{ id: string; vendor: string }>> {
  const sim = sims.get('leen') as SimulatorSetup;
  const r = await fetch(
    `${sim.providerConfig['baseUrl'] as string}/provisioning/organizations/${sim.demoExternalOrgId}/connections?limit=100`,
    { headers: { 'X-API-KEY': sim.providerConfig['apiKey'] as string } },
  );
  expect(r.status).toBe(200);
  const body = (await r.json()) as
    | { items?: Array<{ id: string; vendor: string }> }
    | Array<{ id: string; vendor: string }>;
  return Array.isArray(body) ? body : (body.items ?? []);
}

async function openPage(url: string): Promise<Page> {
  const page = await browser().newPage();
  await page.goto(url);
  return page;
}

/** The page cookie a session's link sets (as a browser would keep it). */
async function cookieOf(s: Created): Promise<string> {
  return ((await fetch(s.url, { redirect: 'manual' })).headers.get('set-cookie') ?? '').split(
    ';',
  )[0] as string;
}

/** The CSRF token of the form at `path`, read off the page as a browser would. */
async function csrfOf(cookie: string, path: string): Promise<string> {
  const form = await (await fetch(`${gw.url}${path}`, { headers: { cookie } })).text();
  return /name="csrf" value="([^"]+)"/.exec(form)?.[1] as string;
}

function returned(page: Page): URLSearchParams {
  return new URL(page.url()).searchParams;
}

describe('connect sessions: the API', () => {
  it('creates a session with a pbcs_ token and a link shown once, and reads it back without them', async () => {
    const s = await session({ allowed: [{ provider: 'leen', kinds: ['TENABLE'] }] });
    expect(s.token).toMatch(/^pbcs_[0-9A-Za-z]{36}$/);
    expect(s.url).toBe(`${gw.url}/connect/${s.token}`);
    expect(s.status).toBe('pending');
    const read = await json<Record<string, unknown>>(
      await gw.call('GET', `/v1/organizations/acme/connect-sessions/${s.id}`),
    );
    expect(read).toMatchObject({
      id: s.id,
      status: 'pending',
      end_user: { id: 'u-42' },
      metadata: { plan: 'pro' },
    });
    expect(JSON.stringify(read)).not.toContain(s.token);
    const list = await json<{ data: Array<{ id: string }> }>(
      await gw.call('GET', '/v1/organizations/acme/connect-sessions'),
    );
    expect(list.data.map((x) => x.id)).toContain(s.id);
    expect(JSON.stringify(list)).not.toContain('pbcs_');
  });

  it('defaults `allowed` to the linked providers that the page can connect (not Auth0: no credentials)', async () => {
    const s = await session();
    expect(s.allowed.map((a) => a.provider).sort()).toEqual(['leen', 'versori']);
  });

  it('refuses a return_url off the allowed origins, an unknown kind, a provider without a page flow, and a bad expiry', async () => {
    const refuse = async (body: Record<string, unknown>, status: number, pointer: string) => {
      const r = await gw.call('POST', '/v1/organizations/acme/connect-sessions', {
        body: { end_user: { id: 'u' }, return_url: `${appUrl}/done`, ...body },
      });
      expect(r.status).toBe(status);
      expect(JSON.stringify(await r.json())).toContain(pointer);
    };
    await refuse({ return_url: 'https://evil.example/steal' }, 400, '/return_url');
    await refuse({ return_url: 'javascript:alert(1)' }, 400, '/return_url');
    await refuse({ allowed: [{ provider: 'leen', kinds: ['NOPE'] }] }, 400, '/allowed/0/kinds/0');
    await refuse({ allowed: [{ provider: 'auth0' }] }, 422, '/allowed/0/provider');
    await refuse({ expires_in: 59 }, 400, '/expires_in');
    await refuse({ metadata: { big: 'x'.repeat(5000) } }, 400, '/metadata');
    await refuse({ connection_id: 'cn_nope' }, 400, '/connection_id');
  });

  it('a revoked session opens no page', async () => {
    const s = await session();
    expect((await gw.call('DELETE', `/v1/organizations/acme/connect-sessions/${s.id}`)).status).toBe(204);
    const page = await fetch(s.url, { redirect: 'manual' });
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('no longer valid');
    expect(page.headers.get('set-cookie')).toBeNull();
    const read = await json<{ status: string }>(
      await gw.call('GET', `/v1/organizations/acme/connect-sessions/${s.id}`),
    );
    expect(read.status).toBe('revoked');
  });

  it('an expired session opens no page and reads as expired', async () => {
    const s = await session({ expires_in: 60 });
    ahead = 61_000;
    try {
      const page = await fetch(s.url, { redirect: 'manual' });
      expect(page.status).toBe(410);
      expect(await page.text()).toContain('expired');
      const read = await json<{ status: string }>(
        await gw.call('GET', `/v1/organizations/acme/connect-sessions/${s.id}`),
      );
      expect(read.status).toBe('expired');
    } finally {
      ahead = 0;
    }
  });

  it('serves its own stylesheet and script, and nothing else under assets (not even an object key)', async () => {
    const css = await fetch(`${gw.url}/connect/assets/connect.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    for (const name of ['toString', 'constructor', '__proto__', 'nope.js'])
      expect((await fetch(`${gw.url}/connect/assets/${name}`)).status).toBe(404);
  });

  it('a mistyped link says so (404), without a storage lookup', async () => {
    const page = await fetch(`${gw.url}/connect/pbcs_${'a'.repeat(36)}`, { redirect: 'manual' });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('does not work');
  });
});

describe('connect page: security', () => {
  it('trades the token for an HttpOnly SameSite=Lax cookie and a redirect without it; every page has the headers', async () => {
    const s = await session();
    const opened = await fetch(s.url, { redirect: 'manual' });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/connect');
    const cookie = opened.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^plugboard_connect=pbcs_/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/connect');
    const page = await fetch(`${gw.url}/connect`, { headers: { cookie: cookie.split(';')[0] as string } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).not.toContain(s.token);
    expect(html).not.toMatch(/<script>|<style>| style=| on[a-z]+=/);
  });

  it('refuses a submit without the CSRF token of the session (403) and makes nothing', async () => {
    const s = await session({ allowed: [{ provider: 'leen', kinds: ['TENABLE'] }] });
    const cookie = await cookieOf(s);
    const before = (await leenConnections()).length;
    const r = await fetch(`${gw.url}/connect/kinds/leen/TENABLE`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'forged', client_key: 'k', secret_key: 's' }),
      redirect: 'manual',
    });
    expect(r.status).toBe(403);
    expect((await leenConnections()).length).toBe(before);
  });

  it('takes at most 10 submissions a minute per session', async () => {
    const s = await session({ allowed: [{ provider: 'leen', kinds: ['TENABLE'] }] });
    const cookie = await cookieOf(s);
    const csrf = await csrfOf(cookie, '/connect/kinds/leen/TENABLE');
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await fetch(`${gw.url}/connect/kinds/leen/TENABLE`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, client_key: '', secret_key: '' }),
        redirect: 'manual',
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses[10]).toBe(429);
  });

  it('a double submit makes one connection', async () => {
    const s = await session({ allowed: [{ provider: 'leen', kinds: ['TENABLE'] }] });
    const cookie = await cookieOf(s);
    const csrf = await csrfOf(cookie, '/connect/kinds/leen/TENABLE');
    const before = (await leenConnections()).length;
    const post = () =>
      fetch(`${gw.url}/connect/kinds/leen/TENABLE`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, client_key: 'access-1', secret_key: 'secret-1' }),
        redirect: 'manual',
      });
    const [a, b] = await Promise.all([post(), post()]);
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(a.headers.get('location')).toBe(b.headers.get('location'));
    expect((await leenConnections()).length).toBe(before + 1);
  });
});

describe('connect page in a browser', () => {
  it('chooser → Tenable form → a field error → connected: back at return_url with the connection, which carries the end user', async () => {
    const s = await session({
      allowed: [{ provider: 'leen', kinds: ['TENABLE', 'QUALYS', 'JIRA'] }, { provider: 'versori' }],
    });
    const page = await openPage(s.url);
    try {
      expect(page.url()).toBe(`${gw.url}/connect`);
      await page.screenshot({ path: join(SHOTS, 'connect-chooser.png'), fullPage: true });
      await page.getByRole('link', { name: /Tenable/ }).click();
      await page.waitForURL(`${gw.url}/connect/kinds/leen/TENABLE`);
      await expect.poll(() => page.getByLabel(/Secret key/).getAttribute('type')).toBe('password');
      await page.screenshot({ path: join(SHOTS, 'connect-form.png'), fullPage: true });
      // Submit with the secret missing: the error is tied to its field and the focus goes there.
      await page.getByLabel(/Client key/).fill(`access-${CANARY}`);
      await page.getByRole('button', { name: 'Connect' }).click();
      const secret = page.getByLabel(/Secret key/);
      await expect.poll(() => secret.getAttribute('aria-invalid')).toBe('true');
      const describedBy = (await secret.getAttribute('aria-describedby')) ?? '';
      const errorId = describedBy.split(' ').find((id) => id.endsWith('-error')) as string;
      expect(await page.locator(`#${errorId}`).textContent()).not.toBe('');
      expect(
        await page.evaluate('document.activeElement && document.activeElement.getAttribute("name")'),
      ).toBe('secret_key');
      await page.screenshot({ path: join(SHOTS, 'connect-field-error.png'), fullPage: true });
      await secret.fill(`secret-${CANARY}`);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.waitForURL((u) => u.toString().startsWith(`${appUrl}/done`));
      const q = returned(page);
      expect(q.get('status')).toBe('success');
      expect(q.get('connect_session')).toBe(s.id);
      const id = q.get('connection_id') as string;
      expect(id).toMatch(/^cn_/);
      const conn = await json<Record<string, unknown>>(
        await gw.call('GET', `/v1/organizations/acme/connections/${id}`),
      );
      expect(conn).toMatchObject({
        kind: 'TENABLE',
        end_user: { id: 'u-42', email: 'ada@example.com', display_name: 'Ada Lovelace' },
        metadata: { plan: 'pro' },
        credentials: { stored: true },
      });
      expect(sims.get('leen')?.received(`secret-${CANARY}`)).toBe(true);
      // In lists too, and in the connection its events carry (their webhook payload).
      const listed = await json<{ data: Array<{ id: string; end_user: unknown }> }>(
        await gw.call('GET', '/v1/organizations/acme/connections?limit=200'),
      );
      expect(listed.data.find((c) => c.id === id)?.end_user).toMatchObject({ id: 'u-42' });
      const stored = (await gw.gateway.storage.listAllEvents(0, 1000)).filter((e) => e.connection_id === id);
      expect(stored.find((e) => e.type === 'connection.created')?.connection).toMatchObject({
        end_user: { id: 'u-42' },
        metadata: { plan: 'pro' },
      });
      expect(stored.find((e) => e.type === 'connect_session.completed')?.data).toMatchObject({
        connect_session_id: s.id,
        end_user: { id: 'u-42' },
      });
      const read = await json<{ status: string; connection_id: string }>(
        await gw.call('GET', `/v1/organizations/acme/connect-sessions/${s.id}`),
      );
      expect(read).toMatchObject({ status: 'completed', connection_id: id });
      const events = await json<{ data: Array<{ type: string; connection_id: string }> }>(
        await gw.call('GET', '/v1/organizations/acme/events?limit=200'),
      );
      expect(events.data.filter((e) => e.connection_id === id).map((e) => e.type)).toEqual([
        'connection.created',
        'connect_session.completed',
      ]);
      // The session's page after completion: the done page (its link goes back with the result).
      await page.goto(`${gw.url}/connect`);
      expect(await page.locator('h1').textContent()).toBe('Connected');
      await page.screenshot({ path: join(SHOTS, 'connect-done.png'), fullPage: true });
      // A used link opens the done page, not a form.
      await page.goto(s.url);
      expect(await page.locator('h1').textContent()).toBe('Connected');
    } finally {
      await page.close();
    }
    // The canary is in no log line.
    expect(gw.logs.text()).not.toContain(CANARY);
    expect(gw.logs.text()).not.toContain(s.token);
  });

  it('works without JavaScript: the server names the missing field, focuses it and keeps what was typed', async () => {
    const s = await session({ allowed: [{ provider: 'leen', kinds: ['QUALYS'] }] });
    const context = await browser().newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(s.url);
      await page.getByLabel(/Username/).fill('qualys-admin');
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.waitForLoadState();
      const password = page.getByLabel(/Password/);
      expect(await password.getAttribute('aria-invalid')).toBe('true');
      expect(await password.getAttribute('autofocus')).not.toBeNull();
      // The API's own message for the same rule.
      expect(await page.locator('#f-password-error').textContent()).toBe('Must not be empty');
      expect(await page.getByLabel(/Username/).inputValue()).toBe('qualys-admin');
    } finally {
      await context.close();
    }
  });

  it('works with the keyboard only: Tab to each field, Enter submits', async () => {
    const s = await session({ allowed: [{ provider: 'leen', kinds: ['QUALYS'] }] });
    const page = await openPage(s.url);
    try {
      const focused = () =>
        page.evaluate('document.activeElement && document.activeElement.getAttribute("name")');
      for (let i = 0; i < 10 && (await focused()) !== 'username'; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe('username');
      await page.keyboard.type('kb-user');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('password');
      await page.keyboard.type('kb-password');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.toString().startsWith(`${appUrl}/done`));
      expect(returned(page).get('status')).toBe('success');
    } finally {
      await page.close();
    }
  });

  it("a failed credential test shows the provider's message, leaves nothing upstream and keeps the non-secret values", async () => {
    const s = await session({ allowed: [{ provider: 'leen', kinds: ['QUALYS'] }] });
    const before = await leenConnections();
    const page = await openPage(s.url);
    try {
      // One kind allowed: straight to its form.
      expect(page.url()).toBe(`${gw.url}/connect/kinds/leen/QUALYS`);
      await page.getByLabel(/Username/).fill('qualys-admin');
      await page.getByLabel(/Password/).fill(`invalid-${CANARY}`);
      await page.getByRole('button', { name: 'Connect' }).click();
      await expect
        .poll(() => page.getByRole('alert').first().textContent())
        .toContain('rejected the credentials');
      expect(await page.getByLabel(/Username/).inputValue()).toBe('qualys-admin');
      expect(await page.getByLabel(/Password/).inputValue()).toBe('');
      expect(await page.content()).not.toContain(CANARY);
    } finally {
      await page.close();
    }
    expect((await leenConnections()).map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    const read = await json<{ status: string; error: { code: string } | null }>(
      await gw.call('GET', `/v1/organizations/acme/connect-sessions/${s.id}`),
    );
    expect(read).toMatchObject({ status: 'pending', error: { code: 'credentials_rejected' } });
    expect(gw.logs.text()).not.toContain(CANARY);
  });

  it('an OAuth vendor: through the simulator consent page and /connect/callback, back at return_url with an active connection', async () => {
    const s = await session({ allowed: [{ provider: 'leen', kinds: ['JIRA'] }] });
    const page = await openPage(s.url);
    try {
      await page.getByRole('button', { name: /Continue to Jira/ }).click();
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL((u) => u.toString().startsWith(`${appUrl}/done`));
      const q = returned(page);
      expect(q.get('status')).toBe('success');
      const conn = await json<{ status: string; kind: string; end_user: { id: string } }>(
        await gw.call('GET', `/v1/organizations/acme/connections/${q.get('connection_id') as string}`),
      );
      expect(conn).toMatchObject({ status: 'active', kind: 'JIRA', end_user: { id: 'u-42' } });
    } finally {
      await page.close();
    }
  });

  it('an OAuth consent denied: the error with "Try again", which goes back to the consent page', async () => {
    const s = await session({ allowed: [{ provider: 'leen', kinds: ['MS_DEFENDER_ENDPOINT'] }] });
    const page = await openPage(s.url);
    try {
      await page.getByRole('button', { name: /Continue to/ }).click();
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.waitForURL(`${gw.url}/connect/callback?result=error`);
      expect(await page.locator('h1').textContent()).toBe('The sign-in did not complete');
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL((u) => u.toString().startsWith(`${appUrl}/done`));
      expect(returned(page).get('status')).toBe('success');
    } finally {
      await page.close();
    }
  });

  it('a reconnect keeps the id and replaces the secret', async () => {
    const first = await session({ allowed: [{ provider: 'leen', kinds: ['TENABLE'] }] });
    let id: string;
    const page = await openPage(first.url);
    try {
      await page.getByLabel(/Client key/).fill('access-old');
      await page.getByLabel(/Secret key/).fill('secret-old');
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.waitForURL((u) => u.toString().startsWith(`${appUrl}/done`));
      id = returned(page).get('connection_id') as string;
      const again = await session({ connection_id: id, end_user: { id: 'u-43' } });
      await page.goto(again.url);
      expect(page.url()).toBe(`${gw.url}/connect/kinds/leen/TENABLE`);
      expect(await page.locator('h1').textContent()).toBe('Reconnect Tenable');
      await page.getByLabel(/Client key/).fill('access-new');
      await page.getByLabel(/Secret key/).fill(`secret-new-${CANARY}`);
      await page.getByRole('button', { name: /Save and test/ }).click();
      await page.waitForURL((u) => u.toString().startsWith(`${appUrl}/done`));
      expect(returned(page).get('connection_id')).toBe(id);
    } finally {
      await page.close();
    }
    expect(sims.get('leen')?.received(`secret-new-${CANARY}`)).toBe(true);
    const conn = await json<{ id: string; end_user: { id: string } }>(
      await gw.call('GET', `/v1/organizations/acme/connections/${id}`),
    );
    expect(conn).toMatchObject({ id, end_user: { id: 'u-43' } });
  });

  it('a Versori app: the form of its credential type, a name made for the end user', async () => {
    const s = await session({ allowed: [{ provider: 'versori', kinds: ['app_apikey'] }] });
    const page = await openPage(s.url);
    try {
      expect(page.url()).toContain('/connect/kinds/versori/app_apikey');
      await page.getByLabel(/API key/).fill(`key-${CANARY}`);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.waitForURL((u) => u.toString().startsWith(`${appUrl}/done`));
      const conn = await json<{ name: string; kind: string }>(
        await gw.call(
          'GET',
          `/v1/organizations/acme/connections/${returned(page).get('connection_id') as string}`,
        ),
      );
      expect(conn).toMatchObject({ kind: 'app_apikey', name: 'Acme CRM (Ada Lovelace)' });
    } finally {
      await page.close();
    }
    expect(gw.logs.text()).not.toContain(CANARY);
  });
});
