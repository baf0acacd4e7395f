import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitions } from '../../src/providers/registry.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * GET /docs in a real headless browser (Debian's chromium, driven by playwright-core; `.ci/run`
 * installs it): the page renders the connection routes from /openapi.json, and every request it
 * makes stays on the gateway (no CDN). A screenshot is saved for people to look at.
 */

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const SCREENSHOT = join(REPO_ROOT, 'test-results', 'docs.png');

let gw: TestGateway;
let browser: Browser;
const sims: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  const started = await Promise.all(definitions.map(async (d) => ({ d, sim: await d.startSimulator({}) })));
  sims.push(...started.map((s) => s.sim));
  gw = await startGateway({ definitions, providers: started.map(({ d, sim }) => ({ id: d.type, type: d.type, ...sim.providerConfig })) });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await Promise.all(sims.map((s) => s.close()));
});

describe('GET /docs', () => {
  it('renders the API reference from /openapi.json, offline, with the connection routes listed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    const requested: string[] = [];
    page.on('request', (r) => { requested.push(r.url()); });
    const res = await page.goto(`${gw.url}/docs`);
    expect(res?.status()).toBe(200);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    const listed = paths.map((p) => p.replace(/\u200b/g, '').trim());
    for (const expected of ['/v1/organizations/{org}/connections', '/v1/organizations/{org}/connections/{id}', '/v1/organizations/{org}/connections/{id}/test']) {
      expect(listed).toContain(expected);
    }
    expect(await page.locator('.info .title').innerText()).toContain('Plugboard');
    expect(requested.length).toBeGreaterThanOrEqual(4);
    expect(requested.filter((u) => !u.startsWith(gw.url))).toEqual([]);
    mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    expect(existsSync(SCREENSHOT)).toBe(true);
    await page.close();
  });

  it('serves only its own two files', async () => {
    expect((await fetch(`${gw.url}/docs/swagger-ui.css`)).headers.get('content-type')).toContain('text/css');
    expect((await fetch(`${gw.url}/docs/package.json`)).status).toBe(400);
    expect((await fetch(`${gw.url}/docs/..%2Fpackage.json`)).status).toBe(400);
  });
});
