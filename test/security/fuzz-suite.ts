import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth0Provider } from '../../src/providers/auth0/definition.js';
import {
  DEMO_ORGANIZATION as AUTH0_ORG,
  SPARE_TENANT_CONNECTIONS,
} from '../../src/providers/auth0/fixtures.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../src/providers/auth0/simulator/index.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { startLeenSimulator, type LeenSimulator } from '../../src/providers/leen/simulator/index.js';
import { versoriProvider } from '../../src/providers/versori/definition.js';
import { DEMO_ORGANISATION as VERSORI_ORG } from '../../src/providers/versori/fixtures.js';
import { startVersoriSimulator, type VersoriSimulator } from '../../src/providers/versori/simulator/index.js';
import { ADMIN_KEY, json, startGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Fuzzing every route of the gateway's own OpenAPI document with fast-check (fixed seed): random
 * path segments, query strings, headers and bodies — near-valid bodies mutated, arbitrary JSON,
 * not JSON at all — with the admin key, a scoped API key, and garbage keys. Every answer is 2xx or
 * 4xx (never a 5xx: the simulators are healthy), matches the document, and the process lives on.
 */

const LEEN_KEY = 'fuzz-leen-key';
let leen: LeenSimulator;
let auth0: Auth0Simulator;
let versori: VersoriSimulator;
let gw: TestGateway;
let ops: Array<{ method: string; path: string }>;
let connectionIds: string[] = [];
let apiKey: string;
let links: Record<string, string>;

const weird = fc.oneof(
  fc.constantFrom(
    '.',
    '..',
    '%2F',
    '%2e%2e',
    '%00',
    '%',
    '%zz',
    '\u0000',
    ' ',
    '~',
    '*',
    '..%2F..',
    'con',
    '-1',
    '0',
    '9'.repeat(40),
  ),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const segment = (name: string) =>
  fc.oneof(
    {
      weight: 8,
      arbitrary:
        name === 'org'
          ? fc.constantFrom('acme', 'globex', 'nowhere')
          : name === 'id'
            ? fc.constantFrom(...connectionIds, 'cn_missing', 'key_missing')
            : fc.constantFrom('swagger-ui.css', 'index.html'),
    },
    { weight: 2, arbitrary: weird },
  );
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      provider: fc.constantFrom('leen', 'auth0', 'versori', 'nope'),
      kind: fc.oneof(fc.constantFrom('TENABLE', 'QUALYS', 'SNYK', 'app_apikey'), weird),
      name: fc.option(weird),
      credentials: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.record({ client_key: weird, secret_key: weird }),
      ),
      external_connection_id: fc.constantFrom(
        ...SPARE_TENANT_CONNECTIONS.slice(0, 3).map((c) => c.id),
        'con_nope',
      ),
      settings: fc.jsonValue({ maxDepth: 2 }),
      status: fc.constantFrom('active', 'paused', 'disabled', 'nope'),
      links: fc.dictionary(fc.constantFrom('leen', 'auth0', 'x'), fc.oneof(weird, fc.constant(null))),
      id: weird,
      organization_ids: fc.array(weird, { maxLength: 3 }),
      scopes: fc.array(fc.constantFrom('connections:read', 'admin', 'x'), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
);
/** Bodies a route takes, with values fuzzed: they get past validation to the services and the providers. */
const nearValid = fc.oneof(
  fc.record(
    {
      provider: fc.constant('leen'),
      kind: fc.constantFrom('TENABLE', 'SNYK', 'MS_ENTRA', 'AWS_SECURITY_HUB'),
      name: fc.option(weird, { nil: undefined }),
      credentials: fc.record({ client_key: weird, secret_key: weird }),
    },
    { requiredKeys: ['provider', 'kind'] },
  ),
  fc.record({
    provider: fc.constant('versori'),
    kind: fc.constantFrom('app_apikey', 'app_basic', 'nope'),
    name: weird,
    credentials: fc.record({ type: fc.constantFrom('api_key', 'basic_auth'), api_key: weird }),
  }),
  fc.record({
    provider: fc.constant('auth0'),
    external_connection_id: fc.constantFrom(...SPARE_TENANT_CONNECTIONS.slice(0, 5).map((c) => c.id)),
    settings: fc.record(
      {
        assign_membership_on_login: fc.boolean(),
        organization_access_level: fc.constantFrom('none', 'readonly', 'limited', 'full', 'x'),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record(
    {
      name: fc.option(weird),
      status: fc.constantFrom('active', 'paused', 'disabled'),
      settings: fc.record({ show_as_button: fc.boolean() }, { requiredKeys: [] }),
      credentials: fc.record({ client_key: weird, secret_key: weird }),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      id: weird,
      name: weird,
      links: fc.dictionary(fc.constantFrom('leen', 'auth0', 'versori'), weird, { maxKeys: 2 }),
    },
    { requiredKeys: ['name'] },
  ),
  fc.record({
    name: weird,
    organization_ids: fc.constantFrom(['acme'], ['*'], ['acme', 'globex']),
    scopes: fc.constantFrom(['connections:read'], ['organizations:write']),
  }),
);
const body = fc.oneof(
  { weight: 4, arbitrary: nearValid.map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: jsonish.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const headers = fc.record(
  {
    authorization: fc.oneof(
      { weight: 10, arbitrary: fc.constant(`Bearer ${ADMIN_KEY}`) },
      { weight: 1, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: weird.map((w) => `Bearer ${w}`) },
    ),
    'content-type': fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          'application/merge-patch+json',
          'text/plain',
          'application/json; charset=utf-8',
          'multipart/form-data',
          '',
        ),
      },
    ),
    'idempotency-key': fc.option(weird, { nil: undefined }),
    'if-match': fc.option(fc.oneof(weird, fc.constant('*')), { nil: undefined }),
    traceparent: fc.option(
      fc.oneof(weird, fc.constant('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')),
      { nil: undefined },
    ),
    'x-request-id': fc.option(weird, { nil: undefined }),
  },
  { requiredKeys: ['authorization', 'content-type'] },
);
const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  {
    weight: 2,
    arbitrary: fc.dictionary(
      fc.constantFrom('limit', 'cursor', 'provider', 'status', 'strict', 'after', 'x'),
      fc.oneof(weird, fc.integer().map(String)),
      { maxKeys: 3 },
    ),
  },
);

/** Header values a client can send at all (fetch refuses the others, as any client would). */
const sendable = (v: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v) && v.trim() === v;

export interface FuzzOptions {
  /** Cases to run (FUZZ_CASES overrides). */
  cases: number;
  /** Another database than a fresh SQLite file. */
  database?: () => Promise<{ databaseUrl: string }>;
}

/** The fuzzing suite, on the database `opts.database` gives (SQLite when absent). */
export function fuzzSuite(opts: FuzzOptions): void {
  const CASES = Number(process.env['FUZZ_CASES'] ?? opts.cases);
  beforeAll(async () => {
    leen = await startLeenSimulator({ apiKey: LEEN_KEY });
    auth0 = await startAuth0Simulator({
      domain: 'fuzz.tenant.local',
      seedDemo: true,
      clients: [{ clientId: 'fuzz-client', clientSecret: 'fuzz-secret' }],
    });
    versori = await startVersoriSimulator({ seedDemo: true });
    const leenOrg = (
      (await (
        await fetch(`${leen.url}/provisioning/organizations`, {
          method: 'POST',
          headers: { 'x-api-key': LEEN_KEY, 'content-type': 'application/json' },
          body: '{"name":"Acme"}',
        })
      ).json()) as { id: string }
    ).id;
    gw = await startGateway({
      ...((await opts.database?.()) ?? {}),
      definitions: [leenProvider, auth0Provider, versoriProvider],
      providers: [
        { id: 'leen', type: 'leen', apiKey: LEEN_KEY, baseUrl: leen.url, retry: { attempts: 1 } },
        {
          id: 'auth0',
          type: 'auth0',
          domain: auth0.domain,
          clientId: 'fuzz-client',
          clientSecret: 'fuzz-secret',
          baseUrl: auth0.url,
          retry: { attempts: 1 },
        },
        {
          id: 'versori',
          type: 'versori',
          apiKey: versori.apiKey,
          baseUrl: versori.baseUrl,
          retry: { attempts: 1 },
        },
      ],
    });
    links = { leen: leenOrg, auth0: AUTH0_ORG.id, versori: VERSORI_ORG.id };
    for (const id of ['acme', 'globex'])
      await gw.call('POST', '/v1/organizations', { body: { id, name: id, links } });
    await gw.call('POST', '/v1/organizations/acme/connections', {
      body: {
        provider: 'leen',
        kind: 'TENABLE',
        name: 'x',
        credentials: { client_key: 'a', secret_key: 'b' },
      },
    });
    connectionIds = (
      await json<{ data: Array<{ id: string }> }>(
        await gw.call('GET', '/v1/organizations/acme/connections?limit=200'),
      )
    ).data.map((c) => c.id);
    apiKey = (
      await json<{ key: string }>(
        await gw.call('POST', '/v1/api-keys', {
          body: {
            name: 'fuzz',
            organization_ids: ['acme'],
            scopes: ['connections:read', 'connections:write'],
          },
        }),
      )
    ).key;
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.keys(byMethod).map((m) => ({ method: m.toUpperCase(), path })),
    );
  }, 30_000);
  afterAll(async () => {
    await gw.close();
    await Promise.all([leen.close(), auth0.close(), versori.close()]);
  });

  describe('fuzzing every route of /openapi.json', () => {
    it(`${CASES} random requests: only 2xx/4xx, each as documented, and the process lives`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          fc.nat().chain((i) => {
            const op = ops[i % ops.length] as { method: string; path: string };
            const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
            return fc.record({
              op: fc.constant(op),
              segments: fc.tuple(...names.map(segment)),
              query,
              headers,
              body,
              asKey: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
            });
          }),
          async ({ op, segments, query: q, headers: h, body: b, asKey }) => {
            let i = 0;
            const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(segments[i++] as string));
            const qs = new URLSearchParams(q).toString();
            const sent: Record<string, string> = {};
            for (const [k, v] of Object.entries(h))
              if (v !== undefined && v !== '' && sendable(v)) sent[k] = v;
            if (asKey && sent['authorization'] === `Bearer ${ADMIN_KEY}`)
              sent['authorization'] = `Bearer ${apiKey}`;
            if (!sent['authorization']) sent['authorization'] = '';
            const res = await gw.call(op.method, `${path}${qs ? `?${qs}` : ''}`, {
              ...(b !== undefined && op.method !== 'GET' ? { raw: b } : {}),
              headers: sent,
            });
            await res.arrayBuffer();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            // A fuzzed delete of a fixture organization: put it back, so later cases reach past the 404.
            if (op.method === 'DELETE' && op.path === '/v1/organizations/{org}' && res.status === 204) {
              for (const id of ['acme', 'globex'])
                await gw.call('POST', '/v1/organizations', { body: { id, name: id, links } });
            }
            expect(res.status, `${op.method} ${path}?${qs}`).toBeLessThan(500);
          },
        ),
        { numRuns: CASES, seed: Number(process.env['FUZZ_SEED'] ?? 17), endOnFailure: true },
      );
      if (process.env['FUZZ_REPORT'])
        console.log(JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0]))));
      expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
      // The cases reached past validation: successes as well as refusals.
      expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
      expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
    }, 240_000);
  });
}
