import type { Page as BrowserPage } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  ProviderFlow,
  ProviderFlowRequest,
  ProviderFlowStarted,
  StartedFlow,
} from '../../../src/core/adapter.js';
import type { UpstreamConnection } from '../../../src/core/connection.js';
import { secret } from '../../../src/core/secret.js';
import { APP_IDS } from '../../../src/providers/versori/fixtures.js';
import { VERSORI_PROVIDER_FLOW_TYPE } from '../../../src/providers/versori/provider-flow.js';
import {
  AUTHORIZE_PAGE_PATH,
  OAUTH2_CALLBACK_PATH,
  RESULT_PAGE_PATH,
} from '../../../src/providers/versori/simulator/oauth.js';
import { useBrowser } from '../../helpers/browser.js';
import { rejection } from '../../helpers/checks.js';
import { startHarness, type Harness } from './harness.js';
import { SwitchboardSpec } from './spec.js';

/**
 * The adapter's provider flow against the simulator: `start` calls connection-init and hands over
 * the redirect; the end user authorizes (or cancels) on the simulated provider's page in a real
 * headless Chromium; the callback makes the connection; the adapter's list finds it and
 * `recognises` it as the flow's. Every API request and answer is checked against the spec.
 */

const browser = useBrowser();

let spec: SwitchboardSpec;
let h: Harness;
let flow: ProviderFlow;

beforeAll(async () => {
  spec = await SwitchboardSpec.load();
  h = await startHarness(spec);
  if (!h.adapter.providerFlow) throw new Error('the Versori adapter has no provider flow');
  flow = h.adapter.providerFlow;
});

afterEach(() => {
  expect(h.specProblems()).toEqual([]);
});

afterAll(async () => {
  await h?.close();
});

function request(kind: string | null, extra: Partial<ProviderFlowRequest> = {}): ProviderFlowRequest {
  return {
    sessionId: 'cs_versori_flow',
    kind,
    reconnect: null,
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    ttlSeconds: 3600,
    returnUrl: 'https://gateway.example/connect',
    options: {},
    ...extra,
  };
}

/** Every connection of the organisation, through the adapter's list (all pages). */
async function listAll(): Promise<UpstreamConnection[]> {
  const out: UpstreamConnection[] = [];
  let cursor: string | undefined;
  do {
    const page = await h.adapter.list(h.ctx, h.orgId, { limit: 2, cursor });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return out;
}

function startedFlow(kind: string | null, startedAt: string): StartedFlow {
  return { sessionId: 'cs_versori_flow', kind, handle: null, reconnectExternalId: null, startedAt };
}

async function withPage<T>(body: (page: BrowserPage) => Promise<T>): Promise<T> {
  const page = await browser().newPage();
  try {
    return await body(page);
  } finally {
    await page.close();
  }
}

function lastInitBody(): unknown {
  const req = h.sim.kit.requests
    .filter((r) => r.method === 'POST' && r.path.endsWith('/connection-init'))
    .at(-1);
  return req ? JSON.parse(req.body) : undefined;
}

describe('providerFlow.start', () => {
  it('is named Versori and takes no options', () => {
    expect(flow.name).toBe('Versori');
    expect(flow.optionsSchema).toBeNull();
    expect(flow.revoke).toBeUndefined();
  });

  it("hands over connection-init's redirect for an OAuth2 authorization-code App", async () => {
    const started = await flow.start(h.ctx, h.orgId, request(APP_IDS.authorizationCode));
    expect(lastInitBody()).toEqual({ appId: APP_IDS.authorizationCode, authType: 'oauth2' });
    expect(started.handle).toBeNull();
    expect(started.provider_flow).toEqual({ type: VERSORI_PROVIDER_FLOW_TYPE, url: started.url });
    const url = new URL(started.url ?? '');
    expect(url.origin).toBe(h.sim.url);
    expect(url.pathname).toBe(AUTHORIZE_PAGE_PATH);
  });

  it('needs the App: a session without a kind is a validation error at /allowed/0/kinds, and nothing is called', async () => {
    const calls = h.sim.kit.requests.length;
    const e = await rejection(flow.start(h.ctx, h.orgId, request(null)));
    expect(e.code).toBe('validation_failed');
    expect(e.errors?.map((x) => x.pointer)).toEqual(['/allowed/0/kinds']);
    expect(h.sim.kit.requests.length).toBe(calls);
  });

  it('cannot reconnect: connection-init names no connection', async () => {
    const reconnect = {
      connectionId: 'cn_1',
      externalOrgId: h.orgId,
      externalId: 'x',
      kind: APP_IDS.authorizationCode,
    };
    const e = await rejection(flow.start(h.ctx, h.orgId, request(APP_IDS.authorizationCode, { reconnect })));
    expect(e.code).toBe('unsupported_operation');
  });

  it('an App Versori answers with a form is unsupported_operation (it is connected with credentials)', async () => {
    const e = await rejection(flow.start(h.ctx, h.orgId, request(APP_IDS.oauth2)));
    expect(e.code).toBe('unsupported_operation');
    expect(e.message).toContain('form');
    expect(lastInitBody()).toEqual({ appId: APP_IDS.oauth2, authType: 'oauth2' });
  });

  it('an App without an OAuth2 config: Versori refuses the auth type, upstream_rejected', async () => {
    const e = await rejection(flow.start(h.ctx, h.orgId, request(APP_IDS.apiKey)));
    expect(e.code).toBe('upstream_rejected');
  });

  it("reads the auth type off the App's config when the organisation has connected the App before", async () => {
    await h.adapter.create(
      h.ctx,
      h.orgId,
      { kind: APP_IDS.oauth2, name: 'Drive' },
      secret({ type: 'oauth2_client_credentials', client_id: 'c', client_secret: 's' }),
    );
    const apps = h.sim.kit.count('GET', /\/connected-apps$/);
    await rejection(flow.start(h.ctx, h.orgId, request(APP_IDS.oauth2)));
    expect(h.sim.kit.count('GET', /\/connected-apps$/)).toBe(apps + 1);
    expect(lastInitBody()).toEqual({ appId: APP_IDS.oauth2, authType: 'oauth2' });
  });
});

describe('the end user in a browser, then recognition on a list', () => {
  async function begin(): Promise<{ started: ProviderFlowStarted; startedAt: string; before: Set<string> }> {
    const before = new Set((await listAll()).map((c) => c.external_id));
    const startedAt = new Date().toISOString();
    const started = await flow.start(h.ctx, h.orgId, request(APP_IDS.authorizationCode));
    return { started, startedAt, before };
  }

  it('Authorize: "Connected — you can close this window"; the list has the new connection, and only it is recognised', async () => {
    const { started, startedAt, before } = await begin();
    const callbackUrl = await withPage(async (page) => {
      await page.goto(started.url ?? '');
      await expect.poll(() => page.getByRole('heading', { name: 'Simulator assumptions' }).count()).toBe(1);
      expect(await page.locator('h1').textContent()).toContain('Social Inbox');
      const callback = page.waitForRequest((r) => new URL(r.url()).pathname === OAUTH2_CALLBACK_PATH);
      await page.getByRole('button', { name: 'Authorize' }).click();
      const url = (await callback).url();
      await page.waitForURL((u) => u.pathname === RESULT_PAGE_PATH);
      expect(await page.locator('h1').textContent()).toBe('Connected — you can close this window');
      await expect.poll(() => page.getByRole('heading', { name: 'Simulator assumptions' }).count()).toBe(1);
      return url;
    });

    const all = await listAll();
    const fresh = all.filter((c) => !before.has(c.external_id));
    expect(fresh).toHaveLength(1);
    const made = fresh[0] as UpstreamConnection;
    expect(made).toMatchObject({ kind: APP_IDS.authorizationCode, name: 'Social Inbox', status: 'active' });
    expect(made.details).toMatchObject({ auth_config_type: 'oauth2' });
    const started2 = startedFlow(APP_IDS.authorizationCode, startedAt);
    expect(flow.recognises(made, started2)).toBe(true);
    for (const other of all.filter((c) => c.kind !== APP_IDS.authorizationCode))
      expect(flow.recognises(other, started2)).toBe(false);

    // The same callback again (a reload, a replay): refused, nothing more is made.
    await withPage(async (page) => {
      await page.goto(callbackUrl);
      await page.waitForURL((u) => u.pathname === RESULT_PAGE_PATH);
      expect(await page.locator('h1').textContent()).toBe('Not connected');
      expect(await page.locator('body').textContent()).toContain('state was already used');
    });
    expect(await listAll()).toHaveLength(all.length);
  });

  it('Cancel: "Not connected" with access_denied, and no new connection', async () => {
    const { started, before } = await begin();
    await withPage(async (page) => {
      await page.goto(started.url ?? '');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.waitForURL((u) => u.pathname === RESULT_PAGE_PATH);
      expect(await page.locator('h1').textContent()).toBe('Not connected');
      expect(await page.locator('body').textContent()).toContain('access_denied');
    });
    expect((await listAll()).filter((c) => !before.has(c.external_id))).toEqual([]);
  });
});

describe('providerFlow.recognises', () => {
  const base: UpstreamConnection = {
    external_id: '01HZX0000000000000000000AA',
    kind: APP_IDS.authorizationCode,
    name: 'Social Inbox',
    status: 'active',
    health: { status: 'unknown', description: null, resolution_owner: null },
    credentials: { configured: true, type: null, updated_at: null },
    settings: {},
    details: {},
    created_at: null,
    updated_at: null,
  };
  const at = '2025-03-01T10:00:00.000Z';

  it('the kind the session named; without a created_at (Switchboard gives none) the kind decides', () => {
    expect(flow.recognises(base, startedFlow(APP_IDS.authorizationCode, at))).toBe(true);
    expect(
      flow.recognises({ ...base, kind: APP_IDS.apiKey }, startedFlow(APP_IDS.authorizationCode, at)),
    ).toBe(false);
    expect(flow.recognises(base, startedFlow(null, at))).toBe(false);
  });

  it('with a created_at: at or after the start only', () => {
    const started = startedFlow(APP_IDS.authorizationCode, at);
    expect(flow.recognises({ ...base, created_at: at }, started)).toBe(true);
    expect(flow.recognises({ ...base, created_at: '2025-03-01T10:00:01Z' }, started)).toBe(true);
    expect(flow.recognises({ ...base, created_at: '2025-03-01T09:59:59Z' }, started)).toBe(false);
  });
});
