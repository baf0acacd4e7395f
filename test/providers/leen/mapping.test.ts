import { describe, expect, it } from 'vitest';
import { UNKNOWN_HEALTH } from '../../../src/core/connection.js';
import { GatewayError } from '../../../src/core/errors.js';
import { secret } from '../../../src/core/secret.js';
import type { LeenConnectionIn } from '../../../src/providers/leen/api-types.js';
import { leenError } from '../../../src/providers/leen/client.js';
import {
  changeToLeen, connectionFromLeen, createBodyToLeen, healthFromLeen, jobFromLeen, stateFromStatus, statusFromState,
} from '../../../src/providers/leen/mapping.js';

const base: LeenConnectionIn = {
  id: '6f1c0a0e-0000-4000-8000-000000000001',
  vendor: 'CROWDSTRIKE',
  is_active: false,
  refresh_interval_secs: 3600,
  timeout_secs: 600,
  organization_id: '6f1c0a0e-0000-4000-8000-000000000002',
  state: 'PAUSED',
  created_at: '2023-11-07T05:31:56Z',
  updated_at: '2023-11-08T05:31:56Z',
  health: {
    name: 'VENDOR_SERVER_ERROR', status: 'UNHEALTHY', resolution_owner: 'VENDOR', description: 'Vendor returned a 5xx',
    details: [{ data_export_type: 'alerts', endpoint: '/alerts' }],
  },
  oauth2_authorize_url: null,
  identifier: 'cs-eu',
};

describe('Leen mapping', () => {
  it('maps a whole connection (contract §4, leen column)', () => {
    expect(connectionFromLeen(base)).toEqual({
      external_id: base.id,
      kind: 'CROWDSTRIKE',
      name: 'cs-eu',
      status: 'paused',
      health: { status: 'unhealthy', description: 'Vendor returned a 5xx', resolution_owner: 'VENDOR' },
      credentials: { configured: true, type: 'client_credentials', updated_at: null },
      settings: {},
      details: {
        is_active: false, refresh_interval_secs: 3600, timeout_secs: 600, oauth2_authorize_url: null,
        health_details: [{ data_export_type: 'alerts', endpoint: '/alerts' }],
      },
      created_at: '2023-11-07T05:31:56Z',
      updated_at: '2023-11-08T05:31:56Z',
    });
  });

  it.each([['PENDING', 'pending'], ['ACTIVE', 'active'], ['PAUSED', 'paused'], ['DELETED', 'deleted'], ['ARCHIVED', 'disabled'], ['active', 'disabled']])(
    'maps state %s to status %s', (state, status) => {
      expect(statusFromState(state)).toBe(status);
    });

  it('maps writable statuses back, and only those', () => {
    expect(stateFromStatus('active')).toBe('ACTIVE');
    expect(stateFromStatus('paused')).toBe('PAUSED');
    for (const s of ['pending', 'deleted', 'disabled'] as const) expect(() => stateFromStatus(s)).toThrow(GatewayError);
  });

  it('maps health: missing → unknown, unknown status → unknown, missing fields → null', () => {
    expect(healthFromLeen(null)).toEqual(UNKNOWN_HEALTH);
    expect(healthFromLeen(undefined)).toEqual(UNKNOWN_HEALTH);
    expect(healthFromLeen({ status: 'DEGRADED' })).toEqual({ status: 'degraded', description: null, resolution_owner: null });
    expect(healthFromLeen({ status: 'SOMETHING_NEW', description: 'x', resolution_owner: 'LEEN' })).toEqual({ status: 'unknown', description: 'x', resolution_owner: 'LEEN' });
  });

  it('copes with an older, thinner connection object', () => {
    const thin: LeenConnectionIn = { id: 'x', vendor: 'SOME_NEW_VENDOR', state: 'ACTIVE' };
    expect(connectionFromLeen(thin)).toMatchObject({
      name: null, status: 'active', health: UNKNOWN_HEALTH, credentials: { configured: true, type: null, updated_at: null },
      details: { is_active: true, refresh_interval_secs: null, timeout_secs: null, oauth2_authorize_url: null, health_details: null },
      created_at: null, updated_at: null,
    });
  });

  it('maps a job', () => {
    expect(jobFromLeen({ id: 'j', connection_id: 'c', status: 'RUNNING', data_export_type: 'vulnerabilities', started_at: 't0', finished_at: null, error: null }))
      .toEqual({ id: 'j', status: 'running', type: 'vulnerabilities', started_at: 't0', finished_at: null, detail: null });
    expect(jobFromLeen({ id: 'j', status: 'FAILED', error: 'boom' })).toEqual({ id: 'j', status: 'failed', type: null, started_at: null, finished_at: null, detail: 'boom' });
  });

  it('builds request bodies in Leen\'s spelling with only the fields given', () => {
    const creds = { api_token: 't' };
    expect(createBodyToLeen({ kind: 'SEMGREP', name: 'n' }, secret(creds))).toEqual({ vendor: 'SEMGREP', identifier: 'n', credentials: creds });
    expect(createBodyToLeen({ kind: 'SEMGREP', name: null }, secret(creds))).toEqual({ vendor: 'SEMGREP', identifier: null, credentials: creds });
    expect(createBodyToLeen({ kind: 'SEMGREP', credentials: creds }, undefined)).toEqual({ vendor: 'SEMGREP', credentials: creds });
    expect(() => createBodyToLeen({ kind: 'NOPE' }, secret(creds))).toThrow(GatewayError);
    expect(changeToLeen('SEMGREP', {})).toEqual({});
    expect(changeToLeen('SEMGREP', { settings: {} })).toEqual({});
    expect(changeToLeen('SEMGREP', { name: null, status: 'paused', credentials: secret(creds) })).toEqual({ identifier: null, state: 'PAUSED', credentials: creds });
  });
});

describe('Leen error mapping', () => {
  const h = new Headers();
  it('uses {detail: string} as the message', () => {
    expect(leenError('leen', { status: 404, headers: h, body: { detail: 'Connection not found' } })).toMatchObject({ code: 'not_found', message: 'Connection not found', upstreamStatus: 404 });
  });

  it('joins loc and msg of a FastAPI 422, never the input', () => {
    const e = leenError('leen', { status: 422, headers: h, body: { detail: [
      { loc: ['body', 'credentials', 'api_token'], msg: 'Field required', type: 'missing', input: { secret: 'hunter2' } },
      { loc: ['query', 'limit'], msg: 'Input should be less than or equal to 100', type: 'less_than_equal', input: '500' },
    ] } });
    expect(e).toMatchObject({ code: 'upstream_rejected', message: 'body.credentials.api_token: Field required; query.limit: Input should be less than or equal to 100' });
    expect(e.message).not.toContain('hunter2');
  });

  it('caps long 422 lists and odd items', () => {
    const detail = Array.from({ length: 12 }, (_, i) => ({ loc: ['body', `f${i}`], msg: 'bad', type: 'x' }));
    expect(leenError('leen', { status: 422, headers: h, body: { detail } }).message).toMatch(/f9: bad; and 2 more$/);
    expect(leenError('leen', { status: 422, headers: h, body: { detail: [{ msg: 42 }] } }).message).toBe('invalid');
  });

  it('falls back to the status for other bodies', () => {
    expect(leenError('leen', { status: 502, headers: h, body: '<html>bad gateway</html>' })).toMatchObject({ code: 'upstream_error', message: 'Provider leen answered 502.' });
    expect(leenError('leen', { status: 500, headers: h, body: { error: 'injected fault' } }).message).toBe('Provider leen answered 500.');
    expect(leenError('leen', { status: 429, headers: new Headers({ 'retry-after': '7' }), body: '' })).toMatchObject({ code: 'rate_limited', retryAfter: 7 });
    expect(leenError('leen', { status: 401, headers: h, body: { detail: 'Invalid API key' } })).toMatchObject({ code: 'upstream_error', upstreamStatus: 401 });
  });
});
