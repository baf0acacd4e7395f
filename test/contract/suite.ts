import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../src/core/connection.js';
import type { ProviderAdapter, ProviderCapabilities } from '../../src/core/adapter.js';
import type { SimulatorSetup } from '../../src/providers/definition.js';
import { json, startGateway, walkList, type TestGateway } from '../helpers/gateway.js';
import type { ConformanceCase } from './cases.js';

type Problem = { status: number; code: string; errors?: Array<{ pointer: string }> };

/**
 * THE adapter conformance suite: the same tests through real HTTP for every provider entry given.
 * Where an entry lacks a capability (a writable name, status, setting, credentials, test, jobs),
 * the test asserts the contract's 422 instead of skipping. A provider type is done when it passes.
 */
export function describeConformance(cases: ReadonlyArray<ConformanceCase>): void {
  const labelled = cases.map((kase) => ({ ...kase, label: kase.providerId ?? kase.definition.type }));
  describe.each(labelled)('conformance: $label', (kase) => {
    const providerId = kase.label;
    const ORG = 'conf';
    const base = `/v1/organizations/${ORG}/connections`;
    let sim: SimulatorSetup;
    let gw: TestGateway;
    let caps: ProviderCapabilities;
    let n = 0;
    const writes = () =>
      sim.requests().filter((r) => r.method !== 'GET' && !r.path.includes('/oauth/')).length;
    /**
     * A change this entry can make that gives a connection a new version: a new name where names are
     * writable, else the case's boolean setting flipped.
     */
    const changeOf = (c: Connection, label: string): Record<string, unknown> => {
      if (caps.writableName) return { name: label };
      const key = kase.toggleSetting;
      if (key === undefined)
        throw new Error(`case ${providerId}: name is not writable, so toggleSetting is required`);
      return { settings: { [key]: c.settings[key] !== true } };
    };
    /** Fields this entry cannot write at all, each with a value and the pointer of its 422. */
    const notWritable = (): Array<[Record<string, unknown>, string]> => [
      ...(caps.writableName ? [] : [[{ name: 'x' }, '/name'] as [Record<string, unknown>, string]]),
      ...(caps.writableStatus.length > 0
        ? []
        : [[{ status: 'active' }, '/status'] as [Record<string, unknown>, string]]),
      ...caps.unsupportedSettings.map((k): [Record<string, unknown>, string] => [
        { settings: { [k]: null } },
        `/settings/${k}`,
      ]),
    ];
    const create = async () => {
      n += 1;
      const res = await gw.call('POST', base, { body: { provider: providerId, ...kase.createBody(n) } });
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
      return { res, body: Connection.parse(await res.json()), etag: res.headers.get('etag') as string };
    };

    beforeAll(async () => {
      sim = await kase.definition.startSimulator({});
      gw = await startGateway({
        definitions: [kase.definition],
        providers: [
          { id: providerId, type: kase.definition.type, ...sim.providerConfig, ...kase.providerConfig },
        ],
      });
      caps = (gw.gateway.adapters.get(providerId) as { capabilities: ProviderCapabilities }).capabilities;
      expect(
        (
          await gw.call('POST', '/v1/organizations', {
            body: { id: ORG, name: 'Conformance', links: { [providerId]: sim.demoExternalOrgId } },
          })
        ).status,
      ).toBe(201);
    });
    afterAll(async () => {
      await gw?.close();
      await sim?.close();
    });

    it('create → get → list → patch → get → delete round trip', async () => {
      const { res, body, etag } = await create();
      expect(res.headers.get('location')).toBe(`${base}/${body.id}`);
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(body).toMatchObject({
        organization_id: ORG,
        provider: providerId,
        provider_type: kase.definition.type,
      });
      expect(body.id).toMatch(/^cn_[a-z0-9]{20}$/);
      expect(body.external.organization_id).toBe(sim.demoExternalOrgId);

      const got = await gw.call('GET', `${base}/${body.id}`);
      expect(got.status).toBe(200);
      expect(Connection.parse(await got.json()).id).toBe(body.id);
      expect(got.headers.get('etag')).toEqual(expect.any(String));

      const list = await json<{ data: Connection[] }>(await gw.call('GET', `${base}?limit=200`));
      expect(list.data.filter((c) => c.id === body.id)).toHaveLength(1);

      const change = changeOf(body, `renamed-${n}`);
      const changed = await gw.call('PATCH', `${base}/${body.id}`, { body: change });
      expect(changed.status).toBe(200);
      expect(Connection.parse(await changed.json())).toMatchObject(change);
      expect(changed.headers.get('etag')).not.toBe(got.headers.get('etag'));
      expect(Connection.parse(await (await gw.call('GET', `${base}/${body.id}`)).json())).toMatchObject(
        change,
      );
      if (!caps.writableName) {
        // No rename where the name is not writable: the contract's 422, and nothing reaches the upstream.
        const before = sim.requests().length;
        const renamed = await gw.call('PATCH', `${base}/${body.id}`, { body: { name: `renamed-${n}` } });
        expect(renamed.status).toBe(422);
        const p = await json<Problem>(renamed);
        expect([p.code, p.errors?.map((e) => e.pointer)]).toEqual(['unsupported_change', ['/name']]);
        expect(sim.requests().length).toBe(before);
        expect(Connection.parse(await (await gw.call('GET', `${base}/${body.id}`)).json()).name).toBe(
          body.name,
        );
      }

      expect((await gw.call('DELETE', `${base}/${body.id}`)).status).toBe(204);
      expect((await gw.call('GET', `${base}/${body.id}`)).status).toBe(404);
      expect((await gw.call('DELETE', `${base}/${body.id}`)).status).toBe(404);
      const listAfter = await json<{ data: Connection[] }>(await gw.call('GET', `${base}?limit=200`));
      expect(listAfter.data.some((c) => c.id === body.id)).toBe(false);
    });

    it('ids are stable across reads and lists', async () => {
      const { body } = await create();
      const a = await json<{ data: Connection[] }>(await gw.call('GET', `${base}?limit=200`));
      const b = await json<{ data: Connection[] }>(await gw.call('GET', `${base}?limit=200`));
      expect(a.data.map((c) => c.id)).toEqual(b.data.map((c) => c.id));
      expect(a.data.find((c) => c.external.connection_id === body.external.connection_id)?.id).toBe(body.id);
    });

    it('404 for unknown ids, other organizations and unknown organizations', async () => {
      const { body } = await create();
      expect((await gw.call('GET', `${base}/cn_doesnotexist000000000`)).status).toBe(404);
      await gw.call('POST', '/v1/organizations', {
        body: { id: 'other-org', name: 'Other', links: { [providerId]: sim.demoExternalOrgId } },
      });
      const cross = await gw.call('GET', `/v1/organizations/other-org/connections/${body.id}`);
      expect(cross.status).toBe(404);
      expect((await json<Problem>(cross)).code).toBe('not_found');
      expect((await gw.call('GET', `/v1/organizations/nope/connections/${body.id}`)).status).toBe(404);
    });

    it('rejects invalid and unknown create fields with pointers, before any upstream write', async () => {
      const before = writes();
      const invalid = await gw.call('POST', base, {
        body: { provider: providerId, ...kase.invalidCreate.body },
      });
      expect(invalid.status).toBe(400);
      const p = await json<Problem>(invalid);
      expect(p.code).toBe('validation_failed');
      expect(p.errors?.map((e) => e.pointer)).toContain(kase.invalidCreate.pointer);

      const unknown = await gw.call('POST', base, {
        body: { provider: providerId, ...kase.createBody(999), colour: 'red' },
      });
      expect(unknown.status).toBe(400);
      expect((await json<Problem>(unknown)).errors?.map((e) => e.pointer)).toEqual(['/colour']);

      const noProvider = await gw.call('POST', base, { body: kase.createBody(998) });
      expect((await json<Problem>(noProvider)).errors?.[0]?.pointer).toBe('/provider');
      expect(writes()).toBe(before);

      const calls = sim.requests().length;
      for (const [field, pointer] of notWritable()) {
        const refused = await gw.call('POST', base, {
          body: { provider: providerId, ...kase.createBody(997), ...field },
        });
        expect(refused.status, pointer).toBe(422);
        const p = await json<Problem>(refused);
        expect([p.code, p.errors?.map((e) => e.pointer)]).toEqual(['unsupported_change', [pointer]]);
      }
      expect(sim.requests().length).toBe(calls);
    });

    it('rejects unknown and invalid patch fields with pointers, before any upstream write', async () => {
      const { body } = await create();
      const before = writes();
      const unknown = await gw.call('PATCH', `${base}/${body.id}`, { body: { name: 'x', colour: 'red' } });
      expect(unknown.status).toBe(400);
      expect((await json<Problem>(unknown)).errors?.map((e) => e.pointer)).toEqual(['/colour']);
      const badName = await gw.call('PATCH', `${base}/${body.id}`, { body: { name: 42 } });
      // An invalid name is 400 where names are writable; where they are not, the field itself is 422.
      expect(badName.status).toBe(caps.writableName ? 400 : 422);
      expect((await json<Problem>(badName)).errors?.[0]?.pointer).toBe('/name');
      const calls = sim.requests().length;
      for (const [field, pointer] of notWritable()) {
        const refused = await gw.call('PATCH', `${base}/${body.id}`, { body: field });
        expect(refused.status, pointer).toBe(422);
        expect((await json<Problem>(refused)).errors?.map((e) => e.pointer)).toEqual([pointer]);
      }
      expect(sim.requests().length).toBe(calls);
      expect(
        (
          await gw.call('PATCH', `${base}/${body.id}`, {
            raw: '{"name":',
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await gw.call('PATCH', `${base}/${body.id}`, {
            raw: '{"name":"x"}',
            headers: { 'content-type': 'text/plain' },
          })
        ).status,
      ).toBe(415);
      expect(writes()).toBe(before);
    });

    it('ETag: If-None-Match → 304; stale If-Match → 412 and nothing changes; current If-Match → 200', async () => {
      const { body } = await create();
      const got = await gw.call('GET', `${base}/${body.id}`);
      const etag = got.headers.get('etag') as string;
      const notModified = await gw.call('GET', `${base}/${body.id}`, { headers: { 'if-none-match': etag } });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get('etag')).toBe(etag);

      const before = writes();
      const stale = await gw.call('PATCH', `${base}/${body.id}`, {
        body: changeOf(body, 'never'),
        headers: { 'if-match': '"stale"' },
      });
      expect(stale.status).toBe(412);
      expect((await json<Problem>(stale)).code).toBe('precondition_failed');
      expect(
        (await gw.call('DELETE', `${base}/${body.id}`, { headers: { 'if-match': '"stale"' } })).status,
      ).toBe(412);
      expect(writes()).toBe(before);
      expect((await gw.call('GET', `${base}/${body.id}`)).headers.get('etag')).toBe(etag);

      const ok = await gw.call('PATCH', `${base}/${body.id}`, {
        body: changeOf(body, `matched-${n}`),
        headers: { 'if-match': etag },
      });
      expect(ok.status).toBe(200);
      const newEtag = ok.headers.get('etag') as string;
      expect(newEtag).not.toBe(etag);
      expect(
        (
          await gw.call('PATCH', `${base}/${body.id}`, {
            body: changeOf(body, 'late'),
            headers: { 'if-match': etag },
          })
        ).status,
      ).toBe(412);
      expect(
        (await gw.call('DELETE', `${base}/${body.id}`, { headers: { 'if-match': newEtag } })).status,
      ).toBe(204);
    });

    it('status: writable values change it, others are 422 unsupported_change before any upstream call', async () => {
      const { body } = await create();
      const before = writes();
      const target = caps.writableStatus.find((s) => s !== body.status);
      if (target) {
        const res = await gw.call('PATCH', `${base}/${body.id}`, { body: { status: target } });
        expect(res.status).toBe(200);
        expect(Connection.parse(await res.json()).status).toBe(target);
        const bad = await gw.call('PATCH', `${base}/${body.id}`, { body: { status: 'deleted' } });
        expect(bad.status).toBe(422);
        expect((await json<Problem>(bad)).errors?.[0]?.pointer).toBe('/status');
      } else {
        const res = await gw.call('PATCH', `${base}/${body.id}`, { body: { status: 'paused' } });
        expect(res.status).toBe(422);
        const p = await json<Problem>(res);
        expect(p.code).toBe('unsupported_change');
        expect(p.errors?.[0]?.pointer).toBe('/status');
        expect(writes()).toBe(before);
      }
    });

    it('credentials: replaced and stored when supported, else 422 unsupported_change', async () => {
      const { body } = await create();
      if (caps.supportsCredentials && kase.credentials && kase.invalidCredentials) {
        expect(body.credentials).toMatchObject({ configured: true, stored: true });
        const before = writes();
        const bad = await gw.call('PATCH', `${base}/${body.id}`, {
          body: { credentials: kase.invalidCredentials.body },
        });
        expect(bad.status).toBe(400);
        expect((await json<Problem>(bad)).errors?.map((e) => e.pointer)).toContain(
          kase.invalidCredentials.pointer,
        );
        expect(writes()).toBe(before);
        const res = await gw.call('PATCH', `${base}/${body.id}`, { body: { credentials: kase.credentials } });
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(Connection.parse(JSON.parse(text)).credentials.stored).toBe(true);
        // Every secret value sent must be absent; `type` is a label the contract shows, not a secret.
        for (const [k, v] of Object.entries(kase.credentials))
          if (k !== 'type' && typeof v === 'string') expect(text).not.toContain(v);
      } else {
        const before = writes();
        const res = await gw.call('PATCH', `${base}/${body.id}`, { body: { credentials: { api_key: 'x' } } });
        expect(res.status).toBe(422);
        expect((await json<Problem>(res)).code).toBe('unsupported_change');
        expect(writes()).toBe(before);
      }
    });

    it('settings: changed when the provider has them, else 422 unsupported_change', async () => {
      const { body } = await create();
      if (kase.settings) {
        const res = await gw.call('PATCH', `${base}/${body.id}`, { body: { settings: kase.settings } });
        expect(res.status).toBe(200);
        expect(Connection.parse(await res.json()).settings).toMatchObject(kase.settings);
      } else {
        const res = await gw.call('PATCH', `${base}/${body.id}`, { body: { settings: { anything: true } } });
        expect(res.status).toBe(422);
        expect((await json<Problem>(res)).code).toBe('unsupported_change');
      }
    });

    it('PUT replaces the writable fields and requires all of them', async () => {
      const { body } = await create();
      const missing = await gw.call('PUT', `${base}/${body.id}`, { body: {} });
      expect(missing.status).toBe(400);
      const required = [
        ...(caps.writableName ? ['/name'] : []),
        ...(caps.writableStatus.length > 0 ? ['/status'] : []),
        ...(kase.settings ? ['/settings'] : []),
      ];
      expect((await json<Problem>(missing)).errors?.map((e) => e.pointer).sort()).toEqual(required.sort());
      const full: Record<string, unknown> = {};
      if (caps.writableName) full['name'] = `put-${n}`;
      if (caps.writableStatus.length > 0) full['status'] = caps.writableStatus[0];
      if (kase.settings) full['settings'] = kase.settings;
      if (kase.credentials) full['credentials'] = kase.credentials;
      const res = await gw.call('PUT', `${base}/${body.id}`, { body: full });
      expect(res.status).toBe(200);
      const put = Connection.parse(await res.json());
      if (caps.writableName) expect(put.name).toBe(`put-${n}`);
      if (kase.settings) expect(put.settings).toMatchObject(kase.settings);
    });

    it('test and jobs: answered when supported, else 422 unsupported_operation before any upstream call', async () => {
      const { body } = await create();
      const before = sim.requests().length;
      const test = await gw.call('POST', `${base}/${body.id}/test`);
      if (caps.supportsTest) {
        expect(test.status).toBe(200);
        expect(await json(test)).toEqual({
          ok: expect.any(Boolean),
          detail: expect.toSatisfy((d: unknown) => d === null || typeof d === 'string'),
        });
      } else {
        expect(test.status).toBe(422);
        expect((await json<Problem>(test)).code).toBe('unsupported_operation');
      }
      const jobs = await gw.call('GET', `${base}/${body.id}/jobs?limit=5`);
      if (caps.supportsJobs) {
        expect(jobs.status).toBe(200);
        expect(await json(jobs)).toEqual({
          data: expect.any(Array),
          next_cursor: expect.toSatisfy((c: unknown) => c === null || typeof c === 'string'),
        });
      } else {
        expect(jobs.status).toBe(422);
        expect((await json<Problem>(jobs)).code).toBe('unsupported_operation');
      }
      if (!caps.supportsTest && !caps.supportsJobs) expect(sim.requests().length).toBe(before);
    });

    it('pagination walks every item exactly once; a forged cursor is 400', async () => {
      for (let i = 0; i < 5; i++) await create();
      const all = await json<{ data: Connection[]; next_cursor: string | null }>(
        await gw.call('GET', `${base}?limit=200`),
      );
      expect(all.next_cursor).toBeNull();
      for (const limit of [1, 2, 3]) {
        const seen = (await walkList<Connection>(gw, base, limit)).map((c) => c.id);
        expect(seen.sort()).toEqual(all.data.map((c) => c.id).sort());
      }
      const forged = await gw.call('GET', `${base}?cursor=eyJwIjoibGVlbiJ9.AAAAAAAAAAAAAAAAAAAAAA`);
      expect(forged.status).toBe(400);
      expect((await json<Problem>(forged)).errors?.[0]?.pointer).toBe('/cursor');
    });

    it('filters by status and provider', async () => {
      const all = await json<{ data: Connection[] }>(await gw.call('GET', `${base}?limit=200`));
      const active = await json<{ data: Connection[] }>(
        await gw.call('GET', `${base}?limit=200&status=active`),
      );
      expect(active.data.map((c) => c.id).sort()).toEqual(
        all.data
          .filter((c) => c.status === 'active')
          .map((c) => c.id)
          .sort(),
      );
      const byProvider = await json<{ data: Connection[] }>(
        await gw.call('GET', `${base}?limit=200&provider=${providerId}`),
      );
      expect(byProvider.data).toHaveLength(all.data.length);
      expect((await gw.call('GET', `${base}?provider=unknown`)).status).toBe(400);
      expect((await gw.call('GET', `${base}?status=sleepy`)).status).toBe(400);
    });

    it('records audit events without secret values', async () => {
      const { body } = await create();
      const change = changeOf(body, `evented-${n}`);
      expect((await gw.call('PATCH', `${base}/${body.id}`, { body: change })).status).toBe(200);
      const events = await json<{
        data: Array<{ type: string; connection_id: string; changed: string[]; actor: string }>;
      }>(await gw.call('GET', `/v1/organizations/${ORG}/events?limit=200`));
      const mine = events.data.filter((e) => e.connection_id === body.id);
      expect(mine.map((e) => e.type)).toEqual(['connection.created', 'connection.updated']);
      expect(mine[1]?.changed).toEqual(Object.keys(change));
      expect(mine[0]?.actor).toBe('admin');
    });

    it('catalogue (when offered): named kinds; a credentials kind has a credential schema; an oauth kind a create input', async () => {
      const adapter = gw.gateway.adapters.get(providerId) as ProviderAdapter;
      if (!adapter.catalogue) {
        // Nothing for the hosted connect page; then there is no consent to send anyone to either.
        expect(adapter.oauth).toBeUndefined();
        return;
      }
      const entries = await adapter.catalogue(
        { requestId: 'req-conformance-catalogue' },
        sim.demoExternalOrgId,
      );
      expect(new Set(entries.map((e) => e.kind)).size).toBe(entries.length);
      const returnTo = { success: 'https://app.example/connected', error: 'https://app.example/failed' };
      for (const e of entries) {
        expect(e.kind.trim(), JSON.stringify(e)).not.toBe('');
        expect(e.name.trim(), JSON.stringify(e)).not.toBe('');
        expect([null, 'credentials', 'oauth']).toContain(e.connect);
        const schema = adapter.schemas.credentials(e.kind);
        if (e.connect === 'credentials') expect(schema, e.kind).not.toBeNull();
        for (const type of e.credentialTypes ?? []) {
          // A variant of the kind's schema: whatever else is missing, `type` itself is accepted.
          const issues = schema?.safeParse({ type }).error?.issues ?? [];
          expect(
            issues.filter((i) => i.path.length === 1 && i.path[0] === 'type'),
            `${e.kind} ${type}`,
          ).toEqual([]);
        }
        if (e.connect === 'oauth') {
          expect(adapter.oauth, e.kind).toBeDefined();
          const input = adapter.oauth?.createInput(e.kind, returnTo);
          expect(input?.kind).toBe(e.kind);
          const parsed = adapter.schemas.create.safeParse(input);
          expect(parsed.error?.issues ?? [], e.kind).toEqual([]);
        }
      }
    });
  });
}
