import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/core/connection.js';
import { DOCUMENTED_CREDENTIALS, LEEN_VENDORS, OAUTH2_VENDORS } from '../../../src/providers/leen/catalog.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { json } from '../../helpers/gateway.js';
import { startLeenGateway, type LeenGatewayHarness } from './harness.js';

type Problem = {
  status: number;
  code: string;
  errors?: Array<{ pointer: string; message: string }>;
  detail: string;
};

/**
 * Every vendor whose credential shape Leen publishes, with the example of Leen's own docs (the
 * "Creating a connection" guide), the fields that shape requires, and the canonical type label.
 */
const DOCUMENTED: Array<{
  vendor: string;
  credentials: Record<string, unknown>;
  required: string[];
  type: string;
}> = [
  {
    vendor: 'TENABLE',
    credentials: { client_key: '<string>', secret_key: '<string>' },
    required: ['client_key', 'secret_key'],
    type: 'api_key',
  },
  {
    vendor: 'QUALYS',
    credentials: { username: 'test', password: 'pass' },
    required: ['username', 'password'],
    type: 'basic',
  },
  {
    vendor: 'INSIGHTVM',
    credentials: { base_url: 'https://api.url.com', api_key: 'api_key' },
    required: ['base_url', 'api_key'],
    type: 'api_key',
  },
  {
    vendor: 'SENTINELONE_VMS',
    credentials: { base_url: 'https://api.url.com', api_token: 'api_token' },
    required: ['base_url', 'api_token'],
    type: 'api_token',
  },
  {
    vendor: 'CROWDSTRIKE_SPOTLIGHT',
    credentials: { client_id: 'client_id', client_secret: 'client_secret' },
    required: ['client_id', 'client_secret'],
    type: 'client_credentials',
  },
  ...['AWS_INSPECTOR2', 'AWS_ACCESS_ANALYSER', 'AWS_SECURITYHUB'].map((vendor) => ({
    vendor,
    credentials: {
      aws: {
        aws_access_key_id: 'access_key_id',
        aws_secret_access_key: 'secret_key',
        aws_region_name: 'us-east-1',
        type: 'direct_access',
      },
    },
    required: ['aws/aws_access_key_id', 'aws/aws_secret_access_key'],
    type: 'aws_direct_access',
  })),
];

/** `credentials` without one field, given as a pointer tail (`aws/aws_access_key_id`). */
function without(credentials: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = structuredClone(credentials);
  const parts = field.split('/');
  const last = parts.pop() as string;
  let at: Record<string, unknown> = copy;
  for (const p of parts) at = at[p] as Record<string, unknown>;
  delete at[last];
  return copy;
}

function leaves(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return v !== null && typeof v === 'object' ? Object.values(v).flatMap(leaves) : [];
}

let h: LeenGatewayHarness;
let n = 0;
beforeAll(async () => {
  h = await startLeenGateway();
});
afterAll(() => h.close());
beforeEach(() => {
  h.sim.kit.clearFaults();
});

const create = (body: Record<string, unknown>) => {
  n += 1;
  return h.gw.call('POST', h.base, { body: { provider: 'leen', name: `conn-${n}`, ...body } });
};

describe("the catalogue follows Leen's published vendor table", () => {
  it('has the 34 vendors, and shapes only for the vendors Leen documents', () => {
    expect(LEEN_VENDORS).toHaveLength(34);
    expect(Object.keys(DOCUMENTED_CREDENTIALS).sort()).toEqual(DOCUMENTED.map((d) => d.vendor).sort());
    expect([...OAUTH2_VENDORS].sort()).toEqual([
      'JIRA',
      'MS_DEFENDER_ENDPOINT',
      'MS_DEFENDER_VMS',
      'MS_ENTRA',
      'SNYK',
    ]);
  });
});

describe.each(DOCUMENTED)(
  'Leen $vendor: the documented credential shape',
  ({ vendor, credentials, required, type }) => {
    it('is accepted and sent to Leen unchanged; the connection shows the type, never a value', async () => {
      const res = await create({ kind: vendor, credentials });
      const text = await res.text();
      expect(res.status, text).toBe(201);
      const conn = JSON.parse(text) as Connection;
      expect(conn).toMatchObject({
        kind: vendor,
        status: 'active',
        credentials: { configured: true, stored: true, type },
      });
      expect(h.lastBody('POST')['credentials']).toEqual(credentials);
      expect(
        h.sim.state.connections.find((c) => c.id === conn.external.connection_id)?.credentials_fingerprint,
      ).toBe(fingerprint(credentials));
      // No credential value comes back (Leen's examples reuse some as labels: the type label may show).
      for (const v of leaves(credentials).filter((x) => x !== type)) expect(text).not.toContain(`"${v}"`);
    });

    it.each(required)('without %s is 400 naming /credentials/%s, before any upstream call', async (field) => {
      const before = h.writes();
      const res = await create({ kind: vendor, credentials: without(credentials, field) });
      expect(res.status).toBe(400);
      const p = await json<Problem>(res);
      expect(p.code).toBe('validation_failed');
      expect(p.errors?.map((e) => e.pointer)).toEqual([`/credentials/${field}`]);
      expect(h.writes()).toBe(before);
    });

    it('is required on create; keys Leen did not show pass through for Leen to judge', async () => {
      const res = await create({ kind: vendor });
      expect(res.status).toBe(400);
      expect((await json<Problem>(res)).errors?.map((e) => e.pointer)).toEqual(['/credentials']);
      const extra = { ...credentials, extra_key_for_this_test: 'x' };
      expect((await create({ kind: vendor, credentials: extra })).status).toBe(201);
      expect(h.lastBody('POST')['credentials']).toEqual(extra);
    });
  },
);

describe('AWS connectors: only direct_access is checked; other `aws.type`s pass through', () => {
  it('sends another type unchanged and labels it', async () => {
    const credentials = {
      aws: { type: 'role_chaining', aws_role_arn: 'arn:aws:iam::123456789012:role/leen' },
    };
    const res = await create({ kind: 'AWS_SECURITYHUB', credentials });
    expect(res.status).toBe(201);
    expect((await json<Connection>(res)).credentials.type).toBe('aws_role_chaining');
    expect(h.lastBody('POST')['credentials']).toEqual(credentials);
  });

  it('needs the `aws` wrapper and its `type`', async () => {
    const flat = await create({
      kind: 'AWS_INSPECTOR2',
      credentials: { aws_access_key_id: 'a', aws_secret_access_key: 's' },
    });
    expect((await json<Problem>(flat)).errors?.map((e) => e.pointer)).toEqual(['/credentials/aws']);
    const untyped = await create({
      kind: 'AWS_INSPECTOR2',
      credentials: { aws: { aws_access_key_id: 'a', aws_secret_access_key: 's' } },
    });
    expect((await json<Problem>(untyped)).errors?.map((e) => e.pointer)).toEqual(['/credentials/aws/type']);
  });
});

describe('a vendor whose credentials Leen does not document (ORCA)', () => {
  it('takes any non-empty object, sent unchanged', async () => {
    const credentials = { opaque_key_for_this_test: 'value', nested: { also: 'passed' } };
    const res = await create({ kind: 'ORCA', credentials });
    expect(res.status).toBe(201);
    expect(await json<Connection>(res)).toMatchObject({
      kind: 'ORCA',
      credentials: { configured: true, stored: true, type: null },
    });
    expect(h.lastBody('POST')['credentials']).toEqual(credentials);
  });

  it('refuses an empty object or a non-object, naming /credentials', async () => {
    for (const credentials of [{}, 'a-string', ['x']]) {
      const res = await create({ kind: 'ORCA', credentials });
      expect(res.status).toBe(400);
      expect((await json<Problem>(res)).errors?.map((e) => e.pointer)).toEqual(['/credentials']);
    }
  });

  it('leaves a missing body to Leen, whose 422 comes back as upstream_rejected naming /credentials', async () => {
    const res = await create({ kind: 'ORCA' });
    expect(res.status).toBe(422);
    const p = await json<Problem>(res);
    expect(p).toMatchObject({
      code: 'upstream_rejected',
      upstream_status: 422,
      errors: [{ pointer: '/credentials', message: 'Field required' }],
    });
  });

  it("maps Leen's 422 field locations to pointers and echoes no value", async () => {
    const CANARY = 'CANARY-orca-9d1c7e';
    h.sim.kit.fault({
      method: 'POST',
      path: '/connections$',
      times: 1,
      status: 422,
      body: {
        detail: [
          {
            type: 'missing',
            loc: ['body', 'credentials', 'api_token'],
            msg: 'Field required',
            input: { opaque: CANARY },
          },
          {
            type: 'string_type',
            loc: ['body', 'credentials', 'region'],
            msg: 'Input should be a valid string',
            input: 7,
          },
        ],
      },
    });
    const before = h.sim.state.connections.length;
    const res = await create({ kind: 'ORCA', credentials: { opaque: CANARY, region: 7 } });
    const text = await res.text();
    expect(res.status).toBe(422);
    expect(text).not.toContain(CANARY);
    expect(JSON.parse(text)).toMatchObject({
      code: 'upstream_rejected',
      provider: 'leen',
      errors: [
        { pointer: '/credentials/api_token', message: 'Field required' },
        { pointer: '/credentials/region', message: 'Input should be a valid string' },
      ],
    });
    expect(h.gw.logs.text()).not.toContain(CANARY);
    expect(h.sim.state.connections.length).toBe(before);
  });
});

describe('OAuth2 vendors need no credentials', () => {
  it.each(['MS_DEFENDER_VMS', 'MS_DEFENDER_ENDPOINT', 'MS_ENTRA', 'JIRA', 'SNYK'])(
    '%s is pending with an authorize URL and not reported unhealthy',
    async (vendor) => {
      const res = await create({
        kind: vendor,
        options: {
          oauth2_redirect_urls: { success: 'https://app.example/ok', error: 'https://app.example/err' },
        },
      });
      expect(res.status).toBe(201);
      const conn = await json<Connection>(res);
      expect(conn).toMatchObject({
        kind: vendor,
        status: 'pending',
        health: { status: 'unknown', resolution_owner: 'CUSTOMER' },
        credentials: { configured: false, stored: false, type: 'oauth2' },
        details: { oauth2_authorize_url: expect.stringContaining('/oauth2/authorize?connection_id=') },
      });
      expect(h.lastBody('POST')).not.toHaveProperty('credentials');
    },
  );

  it('after the end user authorizes, the connection is active and healthy', async () => {
    const conn = await json<Connection>(await create({ kind: 'MS_ENTRA' }));
    const url = conn.details['oauth2_authorize_url'] as string;
    expect(
      (await fetch(url, { method: 'POST', body: new URLSearchParams({ decision: 'approve' }) })).status,
    ).toBe(200);
    const after = await json<Connection>(await h.gw.call('GET', `${h.base}/${conn.id}`));
    expect(after).toMatchObject({
      status: 'active',
      health: { status: 'healthy' },
      credentials: { configured: true },
      details: { oauth2_authorize_url: null },
    });
  });

  it('SNYK takes base_url for US-2/EU in OAuth mode, and an API key otherwise', async () => {
    const eu = await json<Connection>(
      await create({ kind: 'SNYK', credentials: { base_url: 'https://app.eu.snyk.io' } }),
    );
    expect(eu).toMatchObject({ status: 'pending', credentials: { type: 'oauth2', stored: true } });
    expect(h.lastBody('POST')['credentials']).toEqual({ base_url: 'https://app.eu.snyk.io' });
    const keyed = await json<Connection>(
      await create({
        kind: 'SNYK',
        credentials: { base_url: 'https://api.us.snyk.io', key_for_this_test: 'k' },
      }),
    );
    expect(keyed).toMatchObject({
      status: 'active',
      credentials: { type: 'api_key', stored: true },
      details: { oauth2_authorize_url: null },
    });
    const bad = await create({ kind: 'SNYK', credentials: { base_url: 42 } });
    expect((await json<Problem>(bad)).errors?.map((e) => e.pointer)).toEqual(['/credentials/base_url']);
  });
});

describe('options: documented keys are checked, others pass through', () => {
  it("sends JIRA's documented options and unknown keys unchanged", async () => {
    const options = {
      project_keys_filter: ['PROJ1', 'ENG', 'SEC'],
      priority_mapping: {
        Highest: 'CRITICAL',
        High: 'HIGH',
        Medium: 'MEDIUM',
        Low: 'LOW',
        Lowest: 'INFORMATIONAL',
      },
      status_mapping: { 'To Do': 'TODO', 'In Progress': 'IN_PROGRESS', Done: 'CLOSED' },
      oauth2_redirect_urls: { success: '', error: '' },
      some_future_option: { enabled: true },
    };
    expect((await create({ kind: 'JIRA', options })).status).toBe(201);
    expect(h.lastBody('POST')['options']).toEqual(options);
  });

  it('QUALYS init_load_timestamp is an ISO 8601 date-time with an offset', async () => {
    const credentials = { username: 'test', password: 'pass' };
    expect(
      (
        await create({
          kind: 'QUALYS',
          credentials,
          options: { init_load_timestamp: '2021-01-01T00:00:00+00:00' },
        })
      ).status,
    ).toBe(201);
    const bad = await create({
      kind: 'QUALYS',
      credentials,
      options: { init_load_timestamp: 'last tuesday' },
    });
    expect((await json<Problem>(bad)).errors?.map((e) => e.pointer)).toEqual([
      '/options/init_load_timestamp',
    ]);
  });

  it('names each bad documented option', async () => {
    const before = h.writes();
    const res = await create({
      kind: 'JIRA',
      options: {
        project_keys_filter: 'SEC',
        priority_mapping: { Highest: 'SEVERE' },
        status_mapping: { Done: 3 },
        oauth2_redirect_urls: { success: 1 },
      },
    });
    expect(res.status).toBe(400);
    expect((await json<Problem>(res)).errors?.map((e) => e.pointer).sort()).toEqual([
      '/options/oauth2_redirect_urls/success',
      '/options/priority_mapping/Highest',
      '/options/project_keys_filter',
      '/options/status_mapping/Done',
    ]);
    expect(h.writes()).toBe(before);
  });
});

describe("name (Leen's identifier)", () => {
  it("has no length limit of the gateway's own", async () => {
    const long = 'x'.repeat(1000);
    const res = await create({ kind: 'JIRA', name: long });
    expect(res.status).toBe(201);
    expect((await json<Connection>(res)).name).toBe(long);
  });
});
