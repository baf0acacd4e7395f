import { describe, expect, it } from 'vitest';
import { UNKNOWN_HEALTH } from '../../../src/core/connection.js';
import type { LeenConnectionIn } from '../../../src/providers/leen/api-types.js';
import { leenError } from '../../../src/providers/leen/client.js';
import {
  changeToLeen,
  connectionFromLeen,
  createBodyToLeen,
  healthFromLeen,
  jobFromLeen,
  pointerFromLoc,
  stateFromStatus,
  statusFromState,
} from '../../../src/providers/leen/mapping.js';

const base: LeenConnectionIn = {
  id: '6f1c0a0e-0000-4000-8000-000000000001',
  vendor: 'CROWDSTRIKE_SPOTLIGHT',
  is_active: false,
  refresh_interval_secs: 3600,
  timeout_secs: 600,
  organization_id: '6f1c0a0e-0000-4000-8000-000000000002',
  state: 'PAUSED',
  created_at: '2023-11-07T05:31:56Z',
  updated_at: '2023-11-08T05:31:56Z',
  health: {
    name: 'VENDOR_SERVER_ERROR',
    status: 'UNHEALTHY',
    resolution_owner: 'VENDOR',
    description: 'Vendor returned a 5xx',
    details: [{ data_export_type: 'alerts', endpoint: '/alerts' }],
  },
  oauth2_authorize_url: null,
  identifier: 'cs-eu',
};

describe('Leen mapping', () => {
  it('maps a whole connection (contract §4, leen column)', () => {
    expect(connectionFromLeen(base)).toEqual({
      external_id: base.id,
      kind: 'CROWDSTRIKE_SPOTLIGHT',
      name: 'cs-eu',
      status: 'paused',
      health: { status: 'unhealthy', description: 'Vendor returned a 5xx', resolution_owner: 'VENDOR' },
      credentials: { configured: true, type: 'client_credentials', updated_at: null },
      settings: {},
      details: {
        is_active: false,
        refresh_interval_secs: 3600,
        timeout_secs: 600,
        oauth2_authorize_url: null,
        health_details: [{ data_export_type: 'alerts', endpoint: '/alerts' }],
      },
      created_at: '2023-11-07T05:31:56Z',
      updated_at: '2023-11-08T05:31:56Z',
    });
  });

  it.each([
    ['PENDING', 'pending'],
    ['ACTIVE', 'active'],
    ['PAUSED', 'paused'],
    ['DELETED', 'deleted'],
    ['ARCHIVED', 'disabled'],
    ['active', 'disabled'],
  ])('maps state %s to status %s', (state, status) => {
    expect(statusFromState(state)).toBe(status);
  });

  it('maps writable statuses back', () => {
    expect(stateFromStatus('active')).toBe('ACTIVE');
    expect(stateFromStatus('paused')).toBe('PAUSED');
  });

  it('maps health: missing → unknown, unknown status → unknown, missing fields → null', () => {
    const withHealth = (health: LeenConnectionIn['health']): LeenConnectionIn => ({
      ...base,
      state: 'ACTIVE',
      health,
    });
    expect(healthFromLeen(withHealth(null))).toEqual(UNKNOWN_HEALTH);
    expect(healthFromLeen(withHealth(undefined))).toEqual(UNKNOWN_HEALTH);
    expect(healthFromLeen(withHealth({ status: 'DEGRADED' }))).toEqual({
      status: 'degraded',
      description: null,
      resolution_owner: null,
    });
    expect(
      healthFromLeen(withHealth({ status: 'SOMETHING_NEW', description: 'x', resolution_owner: 'LEEN' })),
    ).toEqual({ status: 'unknown', description: 'x', resolution_owner: 'LEEN' });
  });

  it('a connection waiting for OAuth2 consent is never reported unhealthy, whatever health Leen sends', () => {
    const pending: LeenConnectionIn = {
      ...base,
      vendor: 'JIRA',
      state: 'PENDING',
      oauth2_authorize_url: 'https://auth.atlassian.com/authorize?client_id=x',
      health: {
        name: 'UNAUTHORIZED',
        status: 'UNHEALTHY',
        resolution_owner: 'CUSTOMER',
        description: 'Invalid credentials',
      },
    };
    const mapped = connectionFromLeen(pending);
    expect(mapped.health).toMatchObject({ status: 'unknown', resolution_owner: 'CUSTOMER' });
    expect(mapped.health.description).toContain('oauth2_authorize_url');
    expect(mapped.credentials).toEqual({ configured: false, type: 'oauth2', updated_at: null });
    expect(mapped.status).toBe('pending');
    // Once authorized (no longer PENDING), Leen's health is shown as it is.
    expect(
      connectionFromLeen({ ...pending, state: 'ACTIVE', oauth2_authorize_url: null }).health.status,
    ).toBe('unhealthy');
    // PENDING without an authorize URL is not an OAuth2 wait: Leen's health stands.
    expect(connectionFromLeen({ ...pending, oauth2_authorize_url: null }).health.status).toBe('unhealthy');
  });

  it('copes with an older, thinner connection object', () => {
    const thin: LeenConnectionIn = { id: 'x', vendor: 'SOME_NEW_VENDOR', state: 'ACTIVE' };
    expect(connectionFromLeen(thin)).toMatchObject({
      name: null,
      status: 'active',
      health: UNKNOWN_HEALTH,
      credentials: { configured: true, type: null, updated_at: null },
      details: {
        is_active: true,
        refresh_interval_secs: null,
        timeout_secs: null,
        oauth2_authorize_url: null,
        health_details: null,
      },
      created_at: null,
      updated_at: null,
    });
  });

  it('maps a job, with nothing but an id required', () => {
    expect(
      jobFromLeen({
        id: 'j',
        status: 'RUNNING',
        data_export_type: 'vulnerabilities',
        started_at: 't0',
        finished_at: null,
        error: null,
      }),
    ).toEqual({
      id: 'j',
      status: 'running',
      type: 'vulnerabilities',
      started_at: 't0',
      finished_at: null,
      detail: null,
    });
    expect(jobFromLeen({ id: 'j', status: 'FAILED', error: 'boom' })).toEqual({
      id: 'j',
      status: 'failed',
      type: null,
      started_at: null,
      finished_at: null,
      detail: 'boom',
    });
    expect(jobFromLeen({ id: '7' })).toEqual({
      id: '7',
      status: 'unknown',
      type: null,
      started_at: null,
      finished_at: null,
      detail: null,
    });
  });

  it("builds create bodies in Leen's spelling with only the fields given; credentials unchanged", () => {
    const creds = { client_key: 'c', secret_key: 's', region: 'eu' };
    expect(createBodyToLeen({ kind: 'TENABLE', name: 'n' }, creds)).toEqual({
      vendor: 'TENABLE',
      identifier: 'n',
      credentials: creds,
    });
    expect(createBodyToLeen({ kind: 'TENABLE', name: null }, creds)).toEqual({
      vendor: 'TENABLE',
      identifier: null,
      credentials: creds,
    });
    expect(createBodyToLeen({ kind: 'JIRA' }, undefined)).toEqual({ vendor: 'JIRA' });
    expect(createBodyToLeen({ kind: 'JIRA' }, {})).toEqual({ vendor: 'JIRA' });
    const options = { project_keys_filter: ['SEC'], anything_else: { kept: true } };
    expect(createBodyToLeen({ kind: 'JIRA', options }, undefined)).toEqual({ vendor: 'JIRA', options });
    expect(createBodyToLeen({ kind: 'JIRA', options: null }, undefined)).toEqual({ vendor: 'JIRA' });
  });

  it('builds PATCH bodies that always carry the state', () => {
    expect(changeToLeen({ name: 'renamed' }, 'PAUSED')).toEqual({ identifier: 'renamed', state: 'PAUSED' });
    expect(changeToLeen({ credentials: { a: 'b' } }, 'PENDING')).toEqual({
      credentials: { a: 'b' },
      state: 'PENDING',
    });
    expect(changeToLeen({ name: null, status: 'active' }, 'PAUSED')).toEqual({
      identifier: null,
      state: 'ACTIVE',
    });
    expect(changeToLeen({ status: 'paused' }, '')).toEqual({ state: 'PAUSED' });
  });

  it("turns FastAPI locations into pointers at the caller's fields", () => {
    expect(pointerFromLoc(['body', 'credentials', 'client_key'])).toBe('/credentials/client_key');
    expect(pointerFromLoc(['body', 'credentials', 'aws', 'aws_region_name'])).toBe(
      '/credentials/aws/aws_region_name',
    );
    expect(pointerFromLoc(['body', 'identifier'])).toBe('/name');
    expect(pointerFromLoc(['body', 'vendor'])).toBe('/kind');
    expect(pointerFromLoc(['body', 'state'])).toBe('/status');
    expect(pointerFromLoc(['body', 'options', 'project_keys_filter', 0])).toBe(
      '/options/project_keys_filter/0',
    );
    expect(pointerFromLoc(['body'])).toBe('');
    expect(pointerFromLoc(['path', 'organization_id'])).toBeNull();
    expect(pointerFromLoc([])).toBeNull();
  });
});

describe('Leen error mapping', () => {
  const h = new Headers();
  it('uses {detail: string} as the message', () => {
    expect(
      leenError('leen', { status: 404, headers: h, body: { detail: 'Connection not found' } }),
    ).toMatchObject({ code: 'not_found', message: 'Connection not found', upstreamStatus: 404 });
  });

  it("joins loc and msg of a FastAPI 422 and names the caller's fields, never the input", () => {
    const e = leenError('leen', {
      status: 422,
      headers: h,
      body: {
        detail: [
          {
            loc: ['body', 'credentials', 'api_token'],
            msg: 'Field required',
            type: 'missing',
            input: { secret: 'hunter2' },
          },
          {
            loc: ['query', 'limit'],
            msg: 'Input should be less than or equal to 100',
            type: 'less_than_equal',
            input: '500',
          },
        ],
      },
    });
    expect(e).toMatchObject({
      code: 'upstream_rejected',
      message:
        'Provider leen refused the request: body.credentials.api_token: Field required; query.limit: Input should be less than or equal to 100',
      errors: [{ pointer: '/credentials/api_token', message: 'Field required' }],
    });
    expect(JSON.stringify([e.message, e.errors])).not.toContain('hunter2');
  });

  it('caps long 422 lists and odd items', () => {
    const detail = Array.from({ length: 12 }, (_, i) => ({ loc: ['body', `f${i}`], msg: 'bad', type: 'x' }));
    const e = leenError('leen', { status: 422, headers: h, body: { detail } });
    expect(e.message).toMatch(/f9: bad; and 2 more$/);
    expect(e.errors).toHaveLength(10);
    const odd = leenError('leen', { status: 422, headers: h, body: { detail: [{ msg: 42 }] } });
    expect(odd.message).toBe('Provider leen refused the request: invalid');
    expect(odd.errors).toBeUndefined();
  });

  it('falls back to the status for other bodies', () => {
    expect(leenError('leen', { status: 502, headers: h, body: '<html>bad gateway</html>' })).toMatchObject({
      code: 'upstream_error',
      message: 'Provider leen answered 502.',
    });
    expect(leenError('leen', { status: 500, headers: h, body: { error: 'injected fault' } }).message).toBe(
      'Provider leen answered 500.',
    );
    expect(
      leenError('leen', { status: 429, headers: new Headers({ 'retry-after': '7' }), body: '' }),
    ).toMatchObject({ code: 'rate_limited', retryAfter: 7 });
    expect(leenError('leen', { status: 401, headers: h, body: { detail: 'Invalid API key' } })).toMatchObject(
      { code: 'upstream_error', upstreamStatus: 401 },
    );
  });
});
