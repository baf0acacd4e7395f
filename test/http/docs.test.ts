import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitions } from '../../src/providers/registry.js';
import { useBrowser } from '../helpers/browser.js';
import { startGatewayWithSimulators, type TestGateway } from '../helpers/gateway.js';
import { REPO_ROOT } from '../helpers/repo.js';

/**
 * GET /docs in a real headless browser (test/helpers/browser.ts: Chromium from the npm registry,
 * driven by playwright-core): the page renders the connection routes from /openapi.json, and every request it
 * makes stays on the gateway (no CDN). A screenshot is saved for people to look at.
 */

export const SCREENSHOT = join(REPO_ROOT, 'test-results', 'docs.png');

const browser = useBrowser();
let gw: TestGateway;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ gw, close } = await startGatewayWithSimulators(definitions));
}, 60_000);
afterAll(() => close?.());

describe('GET /docs', () => {
  it('renders the API reference from /openapi.json, offline, with the connection routes listed', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 1800 } });
    const requested: string[] = [];
    page.on('request', (r) => {
      requested.push(r.url());
    });
    const res = await page.goto(`${gw.url}/docs`);
    expect(res?.status()).toBe(200);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    const listed = paths.map((p) => p.replace(/\u200b/g, '').trim());
    for (const expected of [
      '/v1/organizations/{org}/connections',
      '/v1/organizations/{org}/connections/{id}',
      '/v1/organizations/{org}/connections/{id}/test',
    ]) {
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
