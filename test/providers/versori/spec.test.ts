import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSORI_API_BASE_PATH } from '../../../src/providers/versori/api-types.js';
import { fixtureApps } from '../../../src/providers/versori/fixtures.js';
import { SPEC_FILE, SPEC_PROVENANCE_FILE, SwitchboardSpec } from './spec.js';

/** The spec check must be able to fail: these are the guards of every other Versori test. */

let spec: SwitchboardSpec;
beforeAll(async () => {
  spec = await SwitchboardSpec.load();
});

const base = VERSORI_API_BASE_PATH;
const apps = fixtureApps();
const app = apps[0];
const connection = {
  id: '01HZX0000000000000000000AA',
  orgId: 'org-1',
  name: 'crm',
  app,
  authType: 'apikey',
  authConfig: app?.supportedAuthConfigs?.[0],
  credentialId: '01HZX0000000000000000000AB',
  usedByBoards: [],
};

function request(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: 'Bearer k', 'content-type': 'application/json' },
  query = '',
) {
  return {
    method,
    path: `${base}${path}`,
    query,
    headers,
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

describe('the published Switchboard document', () => {
  it('is the vendored copy inside the repository, unchanged: its SHA-256 is the one recorded with its provenance', () => {
    const provenance = readFileSync(SPEC_PROVENANCE_FILE, 'utf8');
    const section = provenance.slice(provenance.indexOf('## `versori-switchboard-api-v1alpha1.yaml`'));
    const recorded = /\| SHA-256 \| `([0-9a-f]{64})` \|/.exec(section)?.[1];
    expect(recorded).toBeDefined();
    expect(createHash('sha256').update(readFileSync(SPEC_FILE)).digest('hex')).toBe(recorded);
    expect(section).toContain('`versori/user-docs`');
    expect(section).toContain('`openapi/switchboard-api-v1alpha1.yaml`');
  });

  it('names the production server whose path is the simulator base path', () => {
    expect(spec.apiRoot).toBe(base);
  });

  it('accepts a conforming Connection, ConnectionsPage, DeletedResource and Error', () => {
    expect(
      spec.checkResponse({
        method: 'GET',
        path: `${base}/organisations/o/connections/c`,
        status: 200,
        responseBody: connection,
      }),
    ).toEqual([]);
    expect(
      spec.checkResponse({
        method: 'POST',
        path: `${base}/organisations/o/connections`,
        status: 201,
        responseBody: connection,
      }),
    ).toEqual([]);
    expect(
      spec.checkResponse({
        method: 'GET',
        path: `${base}/organisations/o/connections`,
        status: 200,
        responseBody: { totalCount: 1, items: [connection], next: 'x' },
      }),
    ).toEqual([]);
    expect(
      spec.checkResponse({
        method: 'DELETE',
        path: `${base}/organisations/o/connections/c`,
        status: 200,
        responseBody: { id: 'c' },
      }),
    ).toEqual([]);
    expect(
      spec.checkResponse({
        method: 'GET',
        path: `${base}/organisations/o/connections/c`,
        status: 404,
        responseBody: { code: 'not_found', message: 'no' },
      }),
    ).toEqual([]);
  });

  it('every fixture App validates, auth configs included', () => {
    for (const a of apps) {
      const body = {
        ...connection,
        app: a,
        authType: a.supportedAuthConfigs?.[0]?.type,
        authConfig: a.supportedAuthConfigs?.[0],
      };
      expect(
        spec.checkResponse({
          method: 'GET',
          path: `${base}/organisations/o/connections/c`,
          status: 200,
          responseBody: body,
        }),
      ).toEqual([]);
    }
  });

  it('rejects a Connection without credentialId, without the (undefined but required) authType, or with a bad App', () => {
    const { credentialId: _c, ...noCredential } = connection;
    expect(
      spec
        .checkResponse({
          method: 'GET',
          path: `${base}/organisations/o/connections/c`,
          status: 200,
          responseBody: noCredential,
        })
        .join(),
    ).toContain('credentialId');
    const { authType: _a, ...noAuthType } = connection;
    expect(
      spec
        .checkResponse({
          method: 'GET',
          path: `${base}/organisations/o/connections/c`,
          status: 200,
          responseBody: noAuthType,
        })
        .join(),
    ).toContain('authType');
    const { server: _s, ...badApp } = app ?? {};
    expect(
      spec
        .checkResponse({
          method: 'GET',
          path: `${base}/organisations/o/connections/c`,
          status: 200,
          responseBody: { ...connection, app: badApp },
        })
        .join(),
    ).toContain('server');
  });

  it('rejects an auth config whose data does not fit the variant its type names', () => {
    const body = { ...connection, authConfig: { type: 'apikey', isValid: true, data: { in: 'header' } } };
    expect(
      spec
        .checkResponse({
          method: 'GET',
          path: `${base}/organisations/o/connections/c`,
          status: 200,
          responseBody: body,
        })
        .join(),
    ).toContain("'name'");
    const unknownType = {
      ...connection,
      authConfig: { type: 'saml', isValid: true, data: { name: 'x', in: 'header' } },
    };
    expect(
      spec
        .checkResponse({
          method: 'GET',
          path: `${base}/organisations/o/connections/c`,
          status: 200,
          responseBody: unknownType,
        })
        .join(),
    ).toContain('oneOf');
  });

  it('rejects an undeclared success status, an error without message, a page without totalCount', () => {
    expect(
      spec
        .checkResponse({
          method: 'POST',
          path: `${base}/organisations/o/connections`,
          status: 200,
          responseBody: connection,
        })
        .join(),
    ).toContain('not declared');
    expect(
      spec
        .checkResponse({
          method: 'DELETE',
          path: `${base}/organisations/o/connections/c`,
          status: 204,
          responseBody: undefined,
        })
        .join(),
    ).toContain('not declared');
    expect(
      spec
        .checkResponse({
          method: 'GET',
          path: `${base}/organisations/o/connections/c`,
          status: 400,
          responseBody: { code: 'x' },
        })
        .join(),
    ).toContain('message');
    expect(
      spec
        .checkResponse({
          method: 'GET',
          path: `${base}/organisations/o/connections`,
          status: 200,
          responseBody: { items: [] },
        })
        .join(),
    ).toContain('totalCount');
  });

  it('accepts conforming requests of every credential variant', () => {
    const ok = [
      { authType: 'apikey', data: { apiKey: 'k' } },
      { authType: 'httpBasicAuth', data: { user: 'u', password: 'p' } },
      { authType: 'httprefresh', data: { secret: 's' } },
      { authType: 'oauth2', data: { clientId: 'c', clientSecret: 's', authStyle: 1, issueToken: false } },
      { authType: 'jwtbearer', data: { secret: 's', payload: { a: 1 }, algorithm: 'HS256' } },
    ];
    for (const { authType, data } of ok) {
      expect(
        spec.checkRequest(
          request('POST', '/organisations/o/connections', { name: 'n', appId: 'a', authType, data }),
        ),
      ).toEqual([]);
      expect(
        spec.checkRequest(request('PUT', '/organisations/o/connections/c', { name: 'n', data }), authType),
      ).toEqual([]);
    }
    expect(
      spec.checkRequest(
        request(
          'GET',
          '/organisations/o/connections',
          undefined,
          { authorization: 'k' },
          '?first=5&after=abc',
        ),
      ),
    ).toEqual([]);
  });

  it('rejects snake_case data, data of another variant, missing fields, a bad first, and a missing Authorization', () => {
    expect(
      spec
        .checkRequest(
          request('POST', '/organisations/o/connections', {
            name: 'n',
            appId: 'a',
            authType: 'apikey',
            data: { api_key: 'k' },
          }),
        )
        .join(),
    ).toContain('oneOf');
    // JWT data matches two branches of the spec's oneOf; with authType apikey it is the wrong variant.
    expect(
      spec
        .checkRequest(
          request('POST', '/organisations/o/connections', {
            name: 'n',
            appId: 'a',
            authType: 'apikey',
            data: { secret: 's', payload: {}, algorithm: 'HS256' },
          }),
        )
        .join(),
    ).toContain('apiKey');
    expect(
      spec
        .checkRequest(
          request('PUT', '/organisations/o/connections/c', {
            name: 'n',
            data: { secret: 's', payload: {}, algorithm: 'HS256' },
          }),
          'apikey',
        )
        .join(),
    ).toContain('apiKey');
    expect(
      spec
        .checkRequest(
          request('POST', '/organisations/o/connections', {
            name: 'n',
            authType: 'apikey',
            data: { apiKey: 'k' },
          }),
        )
        .join(),
    ).toContain('appId');
    expect(
      spec.checkRequest(request('PUT', '/organisations/o/connections/c', { name: 'n' }), 'apikey').join(),
    ).toContain('data');
    expect(
      spec
        .checkRequest(
          request('GET', '/organisations/o/connections', undefined, { authorization: 'k' }, '?first=lots'),
        )
        .join(),
    ).toContain('integer');
    expect(spec.checkRequest(request('GET', '/organisations/o/connections', undefined, {})).join()).toContain(
      'Authorization',
    );
  });

  it('rejects requests outside the API root or to other operations', () => {
    expect(
      spec
        .checkRequest({
          method: 'GET',
          path: '/organisations/o/connections',
          query: '',
          headers: { authorization: 'k' },
          body: '',
        })
        .join(),
    ).toContain('API root');
    expect(spec.checkRequest(request('GET', '/organisations/o/boards')).join()).toContain(
      'not a connection operation',
    );
    expect(
      spec.checkRequest(request('PATCH', '/organisations/o/connections/c', { name: 'n' })).join(),
    ).toContain('no such operation');
  });
});

describe('InitialiseConnection and FinaliseConnectionCallback', () => {
  const init = '/organisations/o/connection-init';
  const callback = '/connections/oauth2/callback';

  it('accepts a conforming connection-init request and both actions; refuses a body without authType and an action without url', () => {
    expect(spec.checkRequest(request('POST', init, { appId: 'a', authType: 'oauth2' }))).toEqual([]);
    for (const action of [{ redirect: { url: 'https://x.example/authorize' } }, { form: { schema: {} } }]) {
      expect(
        spec.checkResponse({ method: 'POST', path: `${base}${init}`, status: 200, responseBody: { action } }),
      ).toEqual([]);
    }
    expect(spec.checkRequest(request('POST', init, { appId: 'a' })).join()).toContain('authType');
    expect(
      spec
        .checkResponse({
          method: 'POST',
          path: `${base}${init}`,
          status: 200,
          responseBody: { action: { redirect: {} } },
        })
        .join(),
    ).toContain('url');
    expect(
      spec.checkResponse({ method: 'POST', path: `${base}${init}`, status: 200, responseBody: {} }).join(),
    ).toContain('action');
  });

  it('connection-init needs the Authorization header; the public callback does not', () => {
    expect(spec.checkRequest(request('POST', init, { appId: 'a', authType: 'oauth2' }, {})).join()).toContain(
      'Authorization',
    );
    expect(spec.checkRequest(request('GET', callback, undefined, {}, '?code=c&state=s'))).toEqual([]);
  });

  it('the callback: a 201 Credential, a 303 without a body (a browser), an Error; not a 200 or a Credential without type', () => {
    const credential = { id: 'c', organisationID: 'o', name: 'n', data: {}, type: 'OAuth2Refresh' };
    const path = `${base}${callback}`;
    expect(spec.checkResponse({ method: 'GET', path, status: 201, responseBody: credential })).toEqual([]);
    expect(spec.checkResponse({ method: 'GET', path, status: 303, responseBody: undefined })).toEqual([]);
    expect(
      spec.checkResponse({ method: 'GET', path, status: 400, responseBody: { code: 'x', message: 'y' } }),
    ).toEqual([]);
    expect(
      spec.checkResponse({ method: 'GET', path, status: 200, responseBody: credential }).join(),
    ).toContain('not declared');
    const { type: _t, ...untyped } = credential;
    expect(spec.checkResponse({ method: 'GET', path, status: 201, responseBody: untyped }).join()).toContain(
      'type',
    );
    // The redirect exception is for the public callback only.
    expect(
      spec
        .checkResponse({ method: 'POST', path: `${base}${init}`, status: 303, responseBody: undefined })
        .join(),
    ).toContain('not declared');
  });
});
