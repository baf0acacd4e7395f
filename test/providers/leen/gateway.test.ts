import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../../src/core/connection.js';
import { json } from '../../helpers/gateway.js';
import { startLeenGateway, type LeenGatewayHarness } from './harness.js';

type Problem = {
  status: number;
  code: string;
  detail: string;
  upstream_status?: number;
  errors?: Array<{ pointer: string }>;
};

/** Leen through the gateway: what Leen leaves undocumented never costs a caller a change or an id. */

let h: LeenGatewayHarness;
beforeAll(async () => {
  h = await startLeenGateway();
});
afterAll(() => h.close());
beforeEach(() => {
  h.sim.kit.clearFaults();
  h.sim.behaviour.omittedPatchState = 'ACTIVE';
});

async function tenable(name = 'tenable'): Promise<Connection> {
  const res = await h.gw.call('POST', h.base, {
    body: { provider: 'leen', kind: 'TENABLE', name, credentials: { client_key: 'ck', secret_key: 'sk' } },
  });
  expect(res.status).toBe(201);
  return json<Connection>(res);
}

const patch = (id: string, body: unknown) => h.gw.call('PATCH', `${h.base}/${id}`, { body });

describe('PATCH always carries the state', () => {
  it('the simulator, like one documented revision, resumes a paused connection on a PATCH without state', async () => {
    // The hazard itself, shown on the upstream directly: this is what the gateway must avoid.
    const conn = await tenable('raw');
    const url = `${h.sim.url}/provisioning/organizations/${h.leenOrg}/connections/${conn.external.connection_id}`;
    const send = (body: unknown) =>
      fetch(url, {
        method: 'PATCH',
        headers: { 'x-api-key': 'test-leen-api-key-5b1d', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await send({ state: 'PAUSED' });
    expect(((await (await send({ identifier: 'renamed' })).json()) as { state: string }).state).toBe(
      'ACTIVE',
    );
  });

  it('a rename or a credential change keeps a paused connection paused', async () => {
    const conn = await tenable();
    expect((await json<Connection>(await patch(conn.id, { status: 'paused' }))).status).toBe('paused');
    expect(h.lastBody('PATCH')).toEqual({ state: 'PAUSED' });

    const renamed = await json<Connection>(await patch(conn.id, { name: 'renamed' }));
    expect(renamed).toMatchObject({ name: 'renamed', status: 'paused' });
    expect(h.lastBody('PATCH')).toEqual({ identifier: 'renamed', state: 'PAUSED' });

    const rotated = await json<Connection>(
      await patch(conn.id, { credentials: { client_key: 'ck2', secret_key: 'sk2' } }),
    );
    expect(rotated.status).toBe('paused');
    expect(h.lastBody('PATCH')).toEqual({
      credentials: { client_key: 'ck2', secret_key: 'sk2' },
      state: 'PAUSED',
    });

    const cleared = await json<Connection>(await patch(conn.id, { name: null }));
    expect(cleared).toMatchObject({ name: null, status: 'paused' });
    expect((await json<Connection>(await h.gw.call('GET', `${h.base}/${conn.id}`))).status).toBe('paused');
  });

  it('a change with a status sends that status, and no read is needed first', async () => {
    const conn = await tenable();
    const gets = h.sim.kit.count('GET', /connections\/[^/]+$/);
    const res = await json<Connection>(await patch(conn.id, { name: 'both', status: 'paused' }));
    expect(res).toMatchObject({ name: 'both', status: 'paused' });
    expect(h.lastBody('PATCH')).toEqual({ identifier: 'both', state: 'PAUSED' });
    expect(h.sim.kit.count('GET', /connections\/[^/]+$/)).toBe(gets);
  });

  it('a pending OAuth2 connection stays pending when renamed', async () => {
    const created = await json<Connection>(
      await h.gw.call('POST', h.base, { body: { provider: 'leen', kind: 'JIRA' } }),
    );
    const renamed = await json<Connection>(await patch(created.id, { name: 'jira' }));
    expect(renamed).toMatchObject({ name: 'jira', status: 'pending', health: { status: 'unknown' } });
    expect(h.lastBody('PATCH')).toEqual({ identifier: 'jira', state: 'PENDING' });
  });

  it('status values other than active and paused are 422 before any upstream call', async () => {
    const conn = await tenable();
    const before = h.writes();
    for (const status of ['pending', 'deleted', 'disabled']) {
      const res = await patch(conn.id, { status });
      expect(res.status).toBe(422);
      expect(await json<Problem>(res)).toMatchObject({
        code: 'unsupported_change',
        errors: [{ pointer: '/status' }],
      });
    }
    expect(h.writes()).toBe(before);
  });
});

describe('a 404 below a connection never retires its id', () => {
  it('jobs: the path answers 404, the connection keeps its id and the answer says what happened', async () => {
    const conn = await tenable();
    h.sim.kit.fault({ method: 'GET', path: '/jobs$', status: 404, body: { detail: 'Not Found' } });
    const res = await h.gw.call('GET', `${h.base}/${conn.id}/jobs`);
    expect(res.status).toBe(502);
    const p = await json<Problem>(res);
    expect(p).toMatchObject({ code: 'upstream_error', upstream_status: 404, provider: 'leen' });
    expect(p.detail).toContain('job list');
    expect(p.detail).toContain('keeps its id');
    h.sim.kit.clearFaults();
    const again = await h.gw.call('GET', `${h.base}/${conn.id}`);
    expect(again.status).toBe(200);
    expect((await json<Connection>(again)).id).toBe(conn.id);
    const list = await json<{ data: Connection[] }>(await h.gw.call('GET', `${h.base}?limit=200`));
    expect(
      list.data.filter((c) => c.external.connection_id === conn.external.connection_id).map((c) => c.id),
    ).toEqual([conn.id]);
  });

  it('test: same, on the credential-test path', async () => {
    const conn = await tenable();
    h.sim.kit.fault({ method: 'GET', path: '/test$', status: 404, body: { detail: 'Not Found' } });
    const res = await h.gw.call('POST', `${h.base}/${conn.id}/test`);
    expect(res.status).toBe(502);
    expect((await json<Problem>(res)).detail).toContain('credential test');
    h.sim.kit.clearFaults();
    expect((await h.gw.call('GET', `${h.base}/${conn.id}`)).status).toBe(200);
  });

  it('when the connection itself is gone upstream, the id is retired and the answer is 404', async () => {
    const conn = await tenable();
    const stored = h.sim.state.connections.find((c) => c.id === conn.external.connection_id);
    if (stored) stored.state = 'DELETED';
    const res = await h.gw.call('GET', `${h.base}/${conn.id}/jobs`);
    expect(res.status).toBe(404);
    expect((await json<Problem>(res)).code).toBe('not_found');
    if (stored) stored.state = 'ACTIVE';
    // Retired for good: the same upstream connection gets a new id when it is listed again.
    expect((await h.gw.call('GET', `${h.base}/${conn.id}`)).status).toBe(404);
    const list = await json<{ data: Connection[] }>(await h.gw.call('GET', `${h.base}?limit=200`));
    const relisted = list.data.find((c) => c.external.connection_id === conn.external.connection_id);
    expect(relisted?.id).toBeDefined();
    expect(relisted?.id).not.toBe(conn.id);
  });
});

describe('undocumented list envelopes are read leniently', () => {
  it.each(['absent', 'null'] as const)(
    'walks every connection exactly once when total is %s',
    async (mode) => {
      const org = await h.gw.call('POST', '/v1/organizations', {
        body: { id: `lenient-${mode}`, name: 'L', links: { leen: await newLeenOrg(h) } },
      });
      expect(org.status).toBe(201);
      const base = `/v1/organizations/lenient-${mode}/connections`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await h.gw.call('POST', base, {
          body: { provider: 'leen', kind: 'JIRA', name: `j${i}` },
        });
        ids.push((await json<Connection>(res)).id);
      }
      h.sim.behaviour.listTotal = mode;
      try {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { data: Connection[]; next_cursor: string | null } = await json(
            await h.gw.call('GET', `${base}?limit=2${cursor ? `&cursor=${cursor}` : ''}`),
          );
          seen.push(...page.data.map((c) => c.id));
          cursor = page.next_cursor;
        } while (cursor !== null);
        expect(seen).toEqual(ids);
      } finally {
        h.sim.behaviour.listTotal = 'number';
      }
    },
  );

  it('reads jobs without a total, and jobs with only an id', async () => {
    const conn = await tenable();
    h.sim.behaviour.listTotal = 'absent';
    try {
      const res = await h.gw.call('GET', `${h.base}/${conn.id}/jobs?limit=5`);
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ data: [], next_cursor: null });
    } finally {
      h.sim.behaviour.listTotal = 'number';
    }
  });
});

async function newLeenOrg(harness: LeenGatewayHarness): Promise<string> {
  const res = await fetch(`${harness.sim.url}/provisioning/organizations`, {
    method: 'POST',
    headers: { 'x-api-key': 'test-leen-api-key-5b1d', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Lenient' }),
  });
  return ((await res.json()) as { id: string }).id;
}
