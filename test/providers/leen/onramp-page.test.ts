import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderFlow, ProviderFlowRequest, StartedFlow } from '../../../src/core/adapter.js';
import { secret } from '../../../src/core/secret.js';
import { useBrowser } from '../../helpers/browser.js';
import { createOrg, ctx, leenFetch, refOf, startHarness, type LeenHarness } from './harness.js';

/**
 * The Leen simulator's OnRamp stand-in in a real browser, reached as the hosted page's "Continue
 * with Leen OnRamp" reaches it: the adapter's provider flow mints the token and gives the page's
 * URL (the entry's `onrampUrl`); the end user fills the vendor's documented fields and clicks
 * Connect; the simulator makes the connection with the token; the adapter recognises it in its list.
 * The credential (a canary) goes only to the simulated Leen: never into the page's answers, never
 * into anything the adapter returns.
 */

const browser = useBrowser();

let h: LeenHarness;
let orgId: string;
let flow: ProviderFlow;
let app: Server;
let appUrl: string;

const canary = () => `canary-leen-onramp-page-${randomUUID()}`;

beforeAll(async () => {
  h = await startHarness({ onramp: true });
  orgId = await createOrg(h.sim, 'Acme');
  if (!h.adapter.providerFlow) throw new Error('the Leen adapter has no provider flow');
  flow = h.adapter.providerFlow;
  app = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Status</title><h1>Back at ${req.url ?? ''}</h1>`);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => app.close(() => resolve()));
  await h.close();
});

async function start(over: Partial<ProviderFlowRequest> = {}) {
  const req: ProviderFlowRequest = {
    sessionId: `cs_${randomUUID().replace(/-/g, '')}`,
    kind: 'TENABLE',
    reconnect: null,
    expiresAt: new Date(Date.now() + 900_000).toISOString(),
    ttlSeconds: 900,
    returnUrl: `${appUrl}/connect/status`,
    options: {},
    ...over,
  };
  const startedAt = new Date().toISOString();
  const started = await flow.start(ctx, orgId, req);
  if (started.url === null) throw new Error('no OnRamp URL although the entry has onrampUrl');
  const s: StartedFlow = {
    sessionId: req.sessionId,
    kind: req.kind,
    handle: started.handle,
    reconnectExternalId: req.reconnect?.externalId ?? null,
    startedAt,
  };
  return { req, url: started.url, started: s };
}

const listed = async () => (await h.adapter.list(ctx, orgId, { limit: 100, cursor: undefined })).items;

/** The simulator's own view of the organization's connections (Leen's spelling). */
async function atLeen(): Promise<
  Array<{ id: string; vendor: string; identifier: string | null; state: string }>
> {
  const res = await leenFetch(h.sim, 'GET', `/provisioning/organizations/${orgId}/connections?limit=100`);
  return (
    res.body as { items: Array<{ id: string; vendor: string; identifier: string | null; state: string }> }
  ).items;
}

describe('Leen simulator OnRamp page in a browser', () => {
  it('Tenable: fill the documented fields, Connect, "Connected"; the connection carries the session id and is recognised', async () => {
    const { req, url, started } = await start();
    const key = canary();
    const page = await browser().newPage();
    try {
      await page.goto(url);
      expect(await page.getByRole('heading', { name: 'Connect Tenable (TENABLE)' }).count()).toBe(1);
      expect(await page.getByRole('heading', { name: 'Simulator assumptions' }).count()).toBe(1);
      await page.getByLabel('Client key').fill(`${key}-ck`);
      await page.getByLabel('Secret key').fill(`${key}-sk`);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByRole('heading', { name: 'Connected' }).waitFor();
      expect(await page.content()).not.toContain(key);
      expect(await page.locator('dd').nth(1).textContent()).toBe(req.sessionId);

      // One-time use: the same link now refuses the token.
      await page.goto(url);
      expect(
        await page.getByRole('heading', { name: 'Invalid or expired connection invite token' }).count(),
      ).toBe(1);
    } finally {
      await page.close();
    }
    expect(h.sim.kit.received(`${key}-sk`)).toBe(true);
    const leen = (await atLeen()).filter((c) => c.identifier === req.sessionId);
    expect(leen).toMatchObject([{ vendor: 'TENABLE', state: 'ACTIVE' }]);

    const items = await listed();
    const found = items.filter((c) => flow.recognises(c, started));
    expect(found.map((c) => c.external_id)).toEqual([leen[0]?.id]);
    expect(JSON.stringify(items)).not.toContain(key);
  });

  it('a problem is shown by field without the values typed, and the token stays usable', async () => {
    const { req, url } = await start();
    const key = canary();
    const page = await browser().newPage();
    try {
      await page.goto(url);
      await page.getByLabel('Client key').fill(key);
      await page.getByRole('button', { name: 'Connect' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('body.credentials.secret_key: Field required');
      expect(await page.content()).not.toContain(key);
      await page.getByLabel('Client key').fill(key);
      await page.getByLabel('Secret key').fill(key);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByRole('heading', { name: 'Connected' }).waitFor();
    } finally {
      await page.close();
    }
    expect((await atLeen()).filter((c) => c.identifier === req.sessionId)).toHaveLength(1);
  });

  it('a token for any vendor: choose the Vendor, Continue, then connect it', async () => {
    const { req, url, started } = await start({ kind: null });
    const page = await browser().newPage();
    try {
      await page.goto(url);
      await page.getByLabel('Vendor').selectOption({ label: 'Tenable' });
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Client key').fill('ck-any');
      await page.getByLabel('Secret key').fill('sk-any');
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByRole('heading', { name: 'Connected' }).waitFor();
    } finally {
      await page.close();
    }
    const found = (await listed()).filter((c) => flow.recognises(c, started));
    expect(found).toMatchObject([{ kind: 'TENABLE', name: req.sessionId }]);
  });

  it('an OAuth2 vendor: Connect goes on to the authorize page, and Approve back to the session’s status URL', async () => {
    const { req, url, started } = await start({ kind: 'JIRA' });
    const page = await browser().newPage();
    try {
      await page.goto(url);
      expect(await page.getByLabel('Credentials (JSON)').count()).toBe(1);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(`${appUrl}/connect/status`);
    } finally {
      await page.close();
    }
    const found = (await listed()).filter((c) => flow.recognises(c, started));
    expect(found).toMatchObject([{ kind: 'JIRA', name: req.sessionId, status: 'active' }]);
  });

  it('a reconnect: the page offers Update, and the updated connection is recognised', async () => {
    const existing = await h.adapter.create(
      ctx,
      orgId,
      { kind: 'TENABLE', name: 'tenable-prod' },
      secret({ client_key: 'ck-old', secret_key: 'sk-old' }),
    );
    const { url, started } = await start({ reconnect: refOf(orgId, existing) });
    expect((await listed()).filter((c) => flow.recognises(c, started))).toEqual([]);
    const key = canary();
    const page = await browser().newPage();
    try {
      await page.goto(url);
      expect(
        await page.getByRole('heading', { name: 'Update your Tenable (TENABLE) connection' }).count(),
      ).toBe(1);
      await page.getByLabel('Client key').fill(key);
      await page.getByLabel('Secret key').fill(key);
      await page.getByRole('button', { name: 'Update' }).click();
      await page.getByRole('heading', { name: 'Connection updated' }).waitFor();
    } finally {
      await page.close();
    }
    const items = await listed();
    expect(items.filter((c) => flow.recognises(c, started)).map((c) => c.external_id)).toEqual([
      existing.external_id,
    ]);
    expect(JSON.stringify(items)).not.toContain(key);
  });
});
