import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/core/caller.js';
import { definitions } from '../../src/providers/registry.js';
import { json, startGatewayWithSimulators, type TestGateway } from '../helpers/gateway.js';

/**
 * /openapi.json is generated from the routes' schemas: every route the app serves is in it, it
 * passes a well-kept OpenAPI linter with no error, and real answers match it (test/helpers/contract.ts
 * checks every answer of every test that goes through the test gateway).
 */

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; security?: unknown[] }>>;
  components: { schemas: Record<string, unknown> };
};

let gw: TestGateway;
let doc: Doc;
let close: () => Promise<void>;

beforeAll(async () => {
  // Every provider type configured, so the document shows every create body.
  ({ gw, close } = await startGatewayWithSimulators(definitions));
  doc = await json<Doc>(await fetch(`${gw.url}/openapi.json`));
});
afterAll(() => close?.());

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with the connection, organization and operations routes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/connect',
      '/connect/assets/{file}',
      '/connect/callback',
      '/connect/kinds/{provider}/{kind}',
      '/connect/retry',
      '/connect/{token}',
      '/docs',
      '/docs/{file}',
      '/healthz',
      '/metrics',
      '/openapi.json',
      '/readyz',
      '/v1/api-keys',
      '/v1/api-keys/{id}',
      '/v1/events',
      '/v1/organizations',
      '/v1/organizations/{org}',
      '/v1/organizations/{org}/connect-sessions',
      '/v1/organizations/{org}/connect-sessions/{id}',
      '/v1/organizations/{org}/connections',
      '/v1/organizations/{org}/connections/{id}',
      '/v1/organizations/{org}/connections/{id}/jobs',
      '/v1/organizations/{org}/connections/{id}/test',
      '/v1/organizations/{org}/events',
      '/v1/providers',
      '/v1/webhooks',
      '/v1/webhooks/{id}',
      '/v1/webhooks/{id}/deliveries',
      '/v1/webhooks/{id}/deliveries/{delivery_id}/retry',
      '/v1/webhooks/{id}/rotate-secret',
      '/v1/webhooks/{id}/test',
    ]);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Connection', 'Problem', 'ConnectionList', 'Organization', 'ConnectionChange']),
    );
  });

  it('has every route the app serves, with its method (walking the router)', () => {
    const served = gw.gateway.app.routes
      // ALL: middleware; `/*`: a fallback page (the connect page's "nothing here"), not an operation.
      .filter((r) => r.method !== 'ALL' && !r.path.endsWith('/*'))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, '{$1}')}`);
    expect(served.length).toBeGreaterThan(15);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)),
    );
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('gives every /v1 operation an operationId and the bearer requirement naming exactly one scope (a route without one fails here)', () => {
    const scopes = new Set<string>([...SCOPES, 'admin']);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).toEqual(expect.any(String));
        if (!path.startsWith('/v1/')) continue;
        expect(op.security, `${method} ${path}`).toEqual([{ bearer: [expect.any(String)] }]);
        const scope = (op.security as Array<{ bearer: string[] }>)[0]?.bearer[0] as string;
        expect(scopes.has(scope), `${method} ${path}: ${scope}`).toBe(true);
        // Reads need a read scope, writes a write scope (or the admin key).
        if (scope !== 'admin')
          expect(
            scope.endsWith(method === 'get' ? ':read' : ':write') ||
              (method === 'post' && path.endsWith('/test') && scope === 'connections:read') ||
              // Contract §10: every connect-session route, reads too, needs connections:write.
              (path.includes('/connect-sessions') && scope === 'connections:write'),
            `${method} ${path}: ${scope}`,
          ).toBe(true);
      }
    }
  });

  it('documents the create body as the union of the configured providers, credentials write-only', () => {
    const body = JSON.stringify(
      (doc.paths['/v1/organizations/{org}/connections'] as Record<string, unknown>)['post'],
    );
    for (const p of ['"leen"', '"auth0"', '"versori"', '"external_connection_id"', '"writeOnly":true'])
      expect(body).toContain(p);
  });

  it('passes the Redocly linter (recommended rules) with no error', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(doc),
      absoluteRef: 'openapi.json',
      config,
    });
    const errors = problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`);
    expect(errors).toEqual([]);
  });
});

describe('answers are checked against the document', () => {
  it('flags an answer that does not match, and passes one that does', () => {
    const connection = '/v1/organizations/acme/connections/cn_x';
    expect(gw.contract.check('GET', connection, 200, 'application/json', JSON.stringify({ id: 7 }))).toMatch(
      /must have required property|must be string/,
    );
    expect(gw.contract.check('GET', connection, 418, 'application/json', '{}')).toMatch(
      /status not declared/,
    );
    expect(gw.contract.check('GET', connection, 404, 'text/html', '<p>')).toMatch(
      /content-type text\/html not declared/,
    );
    const problem = {
      type: 't',
      title: 'Not found',
      status: 404,
      detail: 'd',
      code: 'not_found',
      request_id: 'r',
    };
    expect(
      gw.contract.check('GET', connection, 404, 'application/problem+json', JSON.stringify(problem)),
    ).toBeNull();
  });

  it('real answers of a walk through the API match it', async () => {
    const org = await gw.call('POST', '/v1/organizations', {
      body: {
        id: 'walk',
        name: 'Walk',
        links: {
          leen: '5d3e0c1a-7b2f-4e6d-9a8c-1f2e3d4c5b6a',
          auth0: 'org_demo7hQ2mZ5KpW4n',
          versori: 'versori-demo',
        },
      },
    });
    expect(org.status).toBe(201);
    const base = '/v1/organizations/walk/connections';
    const list = await json<{ data: Array<{ id: string; provider: string }> }>(
      await gw.call('GET', `${base}?limit=200`),
    );
    const leen = list.data.find((c) => c.provider === 'leen') as { id: string };
    await gw.call('GET', `${base}/${leen.id}`);
    await gw.call('PATCH', `${base}/${leen.id}`, { body: { name: 'renamed' } });
    await gw.call('POST', `${base}/${leen.id}/test`);
    await gw.call('GET', `${base}/${leen.id}/jobs?limit=2`);
    await gw.call('POST', base, {
      body: { provider: 'auth0', external_connection_id: 'con_Gg3Nw8RtY1uH6zBc' },
    });
    await gw.call('POST', base, { body: { provider: 'nope' } });
    await gw.call('GET', '/v1/providers');
    await gw.call('GET', '/v1/organizations/walk/events?limit=2');
    await gw.call('GET', '/v1/organizations?limit=1');
    await gw.call('PATCH', '/v1/organizations/walk', { body: { name: 'Walked' } });
    await gw.call('GET', '/v1/organizations/nope');
    expect(new Set(gw.contract.checked).size).toBeGreaterThanOrEqual(12);
  });
});
