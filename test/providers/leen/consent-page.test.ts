import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEEN_OAUTH, LEEN_SCHEMAS } from '../../../src/providers/leen/adapter.js';
import { useBrowser } from '../../helpers/browser.js';
import { createOrg, ctx, refOf, startHarness, type LeenHarness } from './harness.js';

/**
 * The Leen simulator's consent page in a real browser: the end user clicks Approve or Deny, and the
 * browser follows the 303 to the return URLs the create input named (a local server stands in for
 * the app behind them).
 */

const browser = useBrowser();

let h: LeenHarness;
let orgId: string;
let app: Server;
let appUrl: string;

beforeAll(async () => {
  h = await startHarness();
  orgId = await createOrg(h.sim, 'Acme');
  app = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Back at the app</title><h1>Back at ${req.url ?? ''}</h1>`);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => app.close(() => resolve()));
  await h.close();
});

async function pending(kind: string) {
  const returnTo = { success: `${appUrl}/connected`, error: `${appUrl}/not-connected` };
  const conn = await h.adapter.create(
    ctx,
    orgId,
    LEEN_SCHEMAS.create.parse(LEEN_OAUTH.createInput(kind, returnTo)),
    undefined,
  );
  const url = LEEN_OAUTH.authorizeUrl(conn);
  if (url === null) throw new Error('no authorize URL');
  return { conn, url };
}

describe('Leen simulator consent page in a browser', () => {
  it('Approve: back at the success URL, the connection active and healthy', async () => {
    const { conn, url } = await pending('JIRA');
    const page = await browser().newPage();
    try {
      await page.goto(url);
      await expect.poll(() => page.getByRole('heading', { name: 'Simulator assumptions' }).count()).toBe(1);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.waitForURL(`${appUrl}/connected`);
      expect(await page.locator('h1').textContent()).toBe('Back at /connected');
    } finally {
      await page.close();
    }
    expect(await h.adapter.get(ctx, refOf(orgId, conn))).toMatchObject({
      status: 'active',
      health: { status: 'healthy' },
    });
  });

  it('Deny: back at the error URL, the connection still pending', async () => {
    const { conn, url } = await pending('MS_DEFENDER_ENDPOINT');
    const page = await browser().newPage();
    try {
      await page.goto(url);
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.waitForURL(`${appUrl}/not-connected`);
    } finally {
      await page.close();
    }
    expect((await h.adapter.get(ctx, refOf(orgId, conn))).status).toBe('pending');
  });
});
