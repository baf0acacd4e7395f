import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueEntry, ReplaceModelAdapter } from '../../../src/core/adapter.js';
import { secret } from '../../../src/core/secret.js';
import { catalogueEntryOf, creatableCredentialTypes } from '../../../src/providers/versori/adapter.js';
import type { App } from '../../../src/providers/versori/api-types.js';
import { versoriProvider } from '../../../src/providers/versori/definition.js';
import { APP_IDS, DEMO_ORGANISATION, fixtureApps } from '../../../src/providers/versori/fixtures.js';
import {
  startVersoriSimulator,
  type VersoriSimulator,
} from '../../../src/providers/versori/simulator/index.js';
import { addOrganisation, insertConnection } from '../../../src/providers/versori/simulator/state.js';
import { asReplace, buildAdapter } from '../../helpers/adapters.js';
import { specChecker } from './harness.js';
import { SwitchboardSpec } from './spec.js';

/**
 * GetConnectedApps at the simulator (checked against the published spec after every test) and the
 * adapter's catalogue built from it: one entry per App the organisation has connections to, with
 * the credential types POST /connections can create for it.
 */

const KEY = 'versori-catalogue-key';
const DEMO = DEMO_ORGANISATION.id;
const OTHER = 'org-catalogue-other';
const EMPTY = 'org-catalogue-empty';
const MANY = 'org-catalogue-many';
const ctx = { requestId: 'req-versori-catalogue' };

let sim: VersoriSimulator;
let adapter: ReplaceModelAdapter;
let specProblems: () => string[];

beforeAll(async () => {
  sim = await startVersoriSimulator({ apiKey: KEY, seedDemo: true, recordExchanges: true });
  specProblems = specChecker(await SwitchboardSpec.load(), sim);
  addOrganisation(sim.state, OTHER);
  addOrganisation(sim.state, EMPTY);
  adapter = asReplace(
    buildAdapter(versoriProvider, {
      id: 'versori',
      type: 'versori',
      apiKey: KEY,
      baseUrl: sim.baseUrl,
      retry: { attempts: 1 },
    }).adapter,
  );
  // The demo organisation starts with its Acme CRM connection; give it one to most other Apps,
  // through the API where POST /connections can make them.
  const create = (kind: string, name: string, credentials: Record<string, unknown>) =>
    adapter.create(ctx, DEMO, { kind, name }, secret(credentials));
  await create(APP_IDS.oauth2, 'Drive', {
    type: 'oauth2_client_credentials',
    client_id: 'cid',
    client_secret: 'cs',
  });
  await create(APP_IDS.oauth2, 'Drive (key)', { type: 'api_key', api_key: 'k2' });
  await create(APP_IDS.basicAuth, 'ERP', { type: 'basic_auth', user: 'u', password: 'p' });
  await create(APP_IDS.jwtBearer, 'Ledger', {
    type: 'jwt_bearer',
    secret: 's',
    payload: { sub: 'x' },
    algorithm: 'HS256',
  });
  // Switchboard takes a connection to an App whose only config is invalid; it cannot authenticate.
  await create(APP_IDS.invalidConfig, 'Billing', { type: 'api_key', api_key: 'k3' });
  // An authorization-code connection, as connection-init and the OAuth2 callback would leave it.
  insertConnection(sim.state, DEMO, {
    name: 'Inbox',
    appId: APP_IDS.authorizationCode,
    authType: 'oauth2',
    data: { accessToken: 'from-the-callback' },
  });
  // Token Relay has a connection in another organisation only.
  await adapter.create(
    ctx,
    OTHER,
    { kind: APP_IDS.httpRefresh, name: 'Relay' },
    secret({ type: 'secret', secret: 's' }),
  );
});

afterEach(() => {
  expect(specProblems()).toEqual([]);
});

afterAll(() => sim.close());

async function call(path: string, auth: string | null = `Bearer ${KEY}`) {
  const res = await fetch(`${sim.baseUrl}${path}`, auth === null ? {} : { headers: { authorization: auth } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

interface ConnectedApp {
  app: App;
  connections: Array<{ id: string; name: string }>;
}

describe('GetConnectedApps at the simulator', () => {
  it('lists the Apps with connections in the organisation, each with its connections, ordered by App id', async () => {
    const res = await call(`/organisations/${DEMO}/connected-apps`);
    expect(res.status).toBe(200);
    const items = res.body['items'] as ConnectedApp[];
    const ids = items.map((x) => x.app.id);
    expect(ids).toEqual(
      [
        APP_IDS.apiKey,
        APP_IDS.authorizationCode,
        APP_IDS.basicAuth,
        APP_IDS.invalidConfig,
        APP_IDS.jwtBearer,
        APP_IDS.oauth2,
      ].sort(),
    );
    expect(res.body).toMatchObject({ totalCount: 6 });
    expect(res.body).not.toHaveProperty('next');
    // The App whole, as in a Connection; its connections as ConnectionOverview {id, name}.
    const drive = items.find((x) => x.app.id === APP_IDS.oauth2);
    expect(drive?.app).toEqual(fixtureApps().find((a) => a.id === APP_IDS.oauth2));
    expect(drive?.connections.map((c) => c.name)).toEqual(['Drive', 'Drive (key)']);
    const listed = (await call(`/organisations/${DEMO}/connections?appId=${APP_IDS.oauth2}`)).body[
      'items'
    ] as Array<{ id: string; name: string }>;
    expect(drive?.connections).toEqual(listed.map((c) => ({ id: c.id, name: c.name })));
    expect(items.find((x) => x.app.id === APP_IDS.apiKey)?.connections.map((c) => c.name)).toEqual([
      'Acme CRM (demo)',
    ]);
  });

  it('is per organisation: an organisation without connections has none, an unknown one is 404', async () => {
    const other = await call(`/organisations/${OTHER}/connected-apps`);
    expect((other.body['items'] as ConnectedApp[]).map((x) => x.app.id)).toEqual([APP_IDS.httpRefresh]);
    expect(await call(`/organisations/${EMPTY}/connected-apps`)).toEqual({
      status: 200,
      body: { totalCount: 0, items: [] },
    });
    const missing = await call('/organisations/no-such-org/connected-apps');
    expect(missing.status).toBe(404);
    expect(missing.body['code']).toBe('not_found');
  });

  it('pages with first/after/before like the connection list', async () => {
    const first = await call(`/organisations/${DEMO}/connected-apps?first=4`);
    const page1 = first.body['items'] as ConnectedApp[];
    expect(page1).toHaveLength(4);
    expect(first.body['totalCount']).toBe(6);
    expect(first.body).not.toHaveProperty('prev');
    const next = first.body['next'] as string;
    expect(typeof next).toBe('string');
    const second = await call(`/organisations/${DEMO}/connected-apps?first=4&after=${next}`);
    const page2 = second.body['items'] as ConnectedApp[];
    expect(page2).toHaveLength(2);
    expect(second.body).not.toHaveProperty('next');
    const all = (await call(`/organisations/${DEMO}/connected-apps`)).body['items'] as ConnectedApp[];
    expect([...page1, ...page2].map((x) => x.app.id)).toEqual(all.map((x) => x.app.id));
    const back = await call(
      `/organisations/${DEMO}/connected-apps?first=4&before=${second.body['prev'] as string}`,
    );
    expect((back.body['items'] as ConnectedApp[]).map((x) => x.app.id)).toEqual(page1.map((x) => x.app.id));
  });

  it('answers 400 to a cursor that is not one of its own, a bad first, and 401 without the key', async () => {
    const connections = await call(`/organisations/${DEMO}/connections?first=1`);
    const foreign = connections.body['next'] as string;
    for (const query of [`after=${foreign}`, 'after=bm9wZQ', 'before=bm9wZQ', 'first=0', 'first=x']) {
      const res = await call(`/organisations/${DEMO}/connected-apps?${query}`);
      expect([query, res.status, res.body['code']]).toEqual([query, 400, 'bad_request']);
    }
    expect((await call(`/organisations/${DEMO}/connected-apps`, null)).status).toBe(401);
    // Two of these requests break the spec on purpose; the answers all conform.
    expect(specProblems()).toEqual([
      expect.stringMatching(/connected-apps\?first=x request: \/query\/first must be integer/),
      expect.stringMatching(/connected-apps: no Authorization header/),
    ]);
  });
});

describe('Versori catalogue (adapter.catalogue)', () => {
  it('offers the Apps the seeded demo organisation has connections to, by name, with the credential types POST /connections can create', async () => {
    const catalogue = await adapter.catalogue?.(ctx, DEMO);
    expect(catalogue).toEqual([
      { kind: APP_IDS.apiKey, name: 'Acme CRM', connect: 'credentials', credentialTypes: ['api_key'] },
      // Its only auth config is not valid: nothing to connect with.
      { kind: APP_IDS.invalidConfig, name: 'Billing Hub', connect: null },
      {
        kind: APP_IDS.oauth2,
        name: 'Cloud Drive',
        connect: 'credentials',
        credentialTypes: ['oauth2_client_credentials', 'api_key'],
      },
      {
        kind: APP_IDS.jwtBearer,
        name: 'Ledger Service',
        connect: 'credentials',
        credentialTypes: ['jwt_bearer'],
      },
      {
        kind: APP_IDS.basicAuth,
        name: 'Legacy ERP',
        connect: 'credentials',
        credentialTypes: ['basic_auth'],
      },
      // OAuth2 authorization code only: connection-init and a browser redirect, not a form.
      { kind: APP_IDS.authorizationCode, name: 'Social Inbox', connect: null },
    ] satisfies CatalogueEntry[]);
    expect(
      sim.kit.requests.filter((r) => r.path.endsWith(`/organisations/${DEMO}/connected-apps`)).at(-1)?.query,
    ).toBe('?first=100');
  });

  it('every credentialTypes value is a variant of the credential schema of its kind', async () => {
    const all = [
      ...((await adapter.catalogue?.(ctx, DEMO)) ?? []),
      ...((await adapter.catalogue?.(ctx, OTHER)) ?? []),
    ];
    expect(all.find((e) => e.kind === APP_IDS.httpRefresh)).toEqual({
      kind: APP_IDS.httpRefresh,
      name: 'Token Relay',
      connect: 'credentials',
      credentialTypes: ['secret'],
    });
    for (const e of all) {
      const schema = adapter.schemas.credentials(e.kind);
      for (const type of e.credentialTypes ?? []) {
        const issues = schema?.safeParse({ type }).error?.issues ?? [];
        expect(issues.length).toBeGreaterThan(0); // its other fields are missing
        expect(issues.filter((i) => i.path.join('.') === 'type')).toEqual([]);
      }
    }
  });

  it('is empty for an organisation without connections', async () => {
    expect(await adapter.catalogue?.(ctx, EMPTY)).toEqual([]);
  });

  it('follows next over every page', async () => {
    const template = fixtureApps().find((a) => a.id === APP_IDS.apiKey) as App;
    addOrganisation(sim.state, MANY);
    for (let i = 0; i < 130; i += 1) {
      const id = `app_many_${String(i).padStart(3, '0')}`;
      sim.state.apps.push({ ...structuredClone(template), id, name: `Many ${String(i).padStart(3, '0')}` });
      insertConnection(sim.state, MANY, {
        name: `c${i}`,
        appId: id,
        authType: 'apikey',
        data: { apiKey: 'k' },
      });
    }
    const before = sim.kit.requests.length;
    const catalogue = (await adapter.catalogue?.(ctx, MANY)) ?? [];
    expect(catalogue).toHaveLength(130);
    expect(catalogue.map((e) => e.name)).toEqual(
      Array.from({ length: 130 }, (_, i) => `Many ${String(i).padStart(3, '0')}`),
    );
    expect(new Set(catalogue.map((e) => e.connect))).toEqual(new Set(['credentials']));
    expect(sim.kit.requests.slice(before).map((r) => r.query.replace(/after=[^&]+/, 'after=…'))).toEqual([
      '?first=100',
      '?first=100&after=…',
    ]);
  });
});

describe('which credential types an App can be connected with', () => {
  const appWith = (configs: unknown[]) =>
    ({ id: 'a', name: 'A', supportedAuthConfigs: configs }) as Parameters<typeof creatableCredentialTypes>[0];

  it('maps each valid auth config with a ConnectionData variant, in order, once', () => {
    expect(
      creatableCredentialTypes(
        appWith([
          { type: 'httprefresh', isValid: true, data: {} },
          { type: 'apikey', isValid: true, data: { name: 'k', in: 'header' } },
          { type: 'apikey', isValid: true, data: { name: 'other', in: 'query' } },
          { type: 'httpBasicAuth', isValid: true, data: {} },
          { type: 'jwtbearer', isValid: true, data: { algorithm: 'HS256' } },
          { type: 'oauth2', isValid: true, data: { flowType: 'client_credentials' } },
        ]),
      ),
    ).toEqual(['secret', 'api_key', 'basic_auth', 'jwt_bearer', 'oauth2_client_credentials']);
  });

  it('leaves out invalid configs, interactive flows, an OAuth2 config without flowType and unknown types', () => {
    const none = appWith([
      { type: 'apikey', isValid: false, data: { name: '', in: 'header' } },
      { type: 'oauth2', isValid: true, data: { flowType: 'authorization_code' } },
      { type: 'oauth2', isValid: true, data: { flowType: 'resource_owner_password' } },
      { type: 'oauth2', isValid: true, data: {} },
      { type: 'oidc', isValid: true, data: { discoveryUrl: 'https://id.example/.well-known' } },
      { type: 'customFunction', isValid: true, data: { function_url: 'https://f.example' } },
    ]);
    expect(creatableCredentialTypes(none)).toEqual([]);
    expect(catalogueEntryOf(none)).toEqual({ kind: 'a', name: 'A', connect: null });
    expect(catalogueEntryOf({ id: 'b', name: 'B' })).toEqual({ kind: 'b', name: 'B', connect: null });
    expect(catalogueEntryOf({ id: 'app_c', name: ' ' }).name).toBe('app_c');
  });
});
