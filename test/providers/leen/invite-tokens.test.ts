import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLeenSimulator, type LeenSimulator } from '../../../src/providers/leen/simulator/index.js';
import { fingerprint } from '../../../src/simulator/fingerprint.js';
import { API_KEY, createOrg, leenFetch } from './harness.js';

/**
 * OnRamp connection invite tokens at the Leen simulator, over plain HTTP: minting (Leen's body,
 * FastAPI's 422 wording, the 1800 s default), and the token standing in for the API key on Create
 * and Update Connection: one connection per create token, an update token updating its
 * connection, expiry, and the refusals the simulator chose where Leen is silent (401 for a token
 * that is not usable, 403 for one used for something else).
 */

type Json = Record<string, unknown>;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const INVALID = { detail: 'Invalid or expired connection invite token' };
const tenable = (tag: string) => ({ client_key: `ck-${tag}`, secret_key: `sk-${tag}` });
/** The simulator's clock, ahead of the real one by this much (expiry without waiting). */
let ahead = 0;

describe('Leen simulator: connection invite tokens', () => {
  let sim: LeenSimulator;
  let org: string;
  let otherOrg: string;
  const tokensPath = (o = org) => `/provisioning/organizations/${o}/connection-invite-tokens`;
  const connections = (o = org) => `/provisioning/organizations/${o}/connections`;

  /** Mints a token (with the API key) and returns it. */
  async function mint(body: Json, o = org): Promise<string> {
    const res = await leenFetch(sim, 'POST', tokensPath(o), body);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as Json)).toEqual(['token']);
    return (res.body as { token: string }).token;
  }

  /** A call with the token and no API key, as OnRamp makes it. */
  const withToken = (method: string, path: string, token: string, body?: unknown) =>
    leenFetch(sim, method, path, body, null, { 'x-connection-invite-token': token });

  const record = (token: string) => {
    const print = fingerprint(token);
    const found = sim.state.invite_tokens.find((t) => t.token_fingerprint === print);
    if (!found) throw new Error('no such token at the simulator');
    return found;
  };

  const count = () => sim.state.connections.filter((c) => c.organization_id === org).length;

  beforeAll(async () => {
    sim = await startLeenSimulator({ apiKey: API_KEY, now: () => Date.now() + ahead });
    org = await createOrg(sim, 'Tokens');
    otherOrg = await createOrg(sim, 'Other');
  });
  afterAll(() => sim.close());

  describe('minting', () => {
    it('needs the API key (a token mints no token)', async () => {
      const token = await mint({ vendor: 'TENABLE' });
      expect(await leenFetch(sim, 'POST', tokensPath(), { vendor: 'TENABLE' }, null)).toEqual({
        status: 401,
        body: { detail: 'Invalid API key' },
      });
      expect((await withToken('POST', tokensPath(), token, { vendor: 'TENABLE' })).status).toBe(401);
    });

    it("refuses a bad body with FastAPI's 422 items, all at once", async () => {
      const res = await leenFetch(sim, 'POST', tokensPath(), {
        vendor: 'NOPE',
        connection_id: 'not-a-uuid',
        identifier: 5,
        expiry_secs: 1.5,
      });
      expect(res.status).toBe(422);
      const detail = (res.body as { detail: Array<{ loc: unknown[]; type: string; msg: string }> }).detail;
      expect(detail.map((d) => [d.loc.join('.'), d.type])).toEqual([
        ['body.vendor', 'enum'],
        ['body.connection_id', 'uuid_parsing'],
        ['body.identifier', 'string_type'],
        ['body.expiry_secs', 'int_from_float'],
      ]);
      expect(detail[0]?.msg).toMatch(/^Input should be 'SEMGREP', .* or 'OKTA_IDP'$/);
      expect(detail[3]?.msg).toBe('Input should be a valid integer, got a number with a fractional part');
      // The options are applied to the connection: the keys Leen documents are checked as Create Connection checks them.
      const options = await leenFetch(sim, 'POST', tokensPath(), {
        vendor: 'QUALYS',
        options: { init_load_timestamp: 'yesterday', other: 1 },
      });
      expect(options).toMatchObject({
        status: 422,
        body: { detail: [{ loc: ['body', 'options', 'init_load_timestamp'], type: 'value_error' }] },
      });
    });

    it('refuses a non-integer expiry, non-object options, a missing body, a malformed organization id', async () => {
      const bad = await leenFetch(sim, 'POST', tokensPath(), { expiry_secs: 'soon', options: [] });
      expect((bad.body as { detail: Json[] }).detail).toMatchObject([
        { loc: ['body', 'options'], type: 'dict_type' },
        { loc: ['body', 'expiry_secs'], type: 'int_type', msg: 'Input should be a valid integer' },
      ]);
      expect(await leenFetch(sim, 'POST', tokensPath())).toMatchObject({
        status: 422,
        body: { detail: [{ type: 'missing', loc: ['body'] }] },
      });
      expect(await leenFetch(sim, 'POST', tokensPath('org-1'), {})).toMatchObject({
        status: 422,
        body: { detail: [{ type: 'uuid_parsing', loc: ['path', 'organization_id'] }] },
      });
      expect(await leenFetch(sim, 'POST', tokensPath(UNKNOWN), {})).toEqual({
        status: 404,
        body: { detail: 'Organization not found' },
      });
    });

    it('takes what Leen leaves open: every field absent or null, unknown keys, use_pool, no bounds on expiry_secs', async () => {
      for (const body of [
        {},
        { vendor: null, connection_id: null, identifier: null, options: null, expiry_secs: null },
        { vendor: 'TENABLE', surplus: true },
        { vendor: 'TENABLE', connection_id: UNKNOWN },
        { expiry_secs: 10 ** 12 },
        { expiry_secs: -5 },
        { expiry_secs: '60' },
      ])
        await mint(body);
      expect((await leenFetch(sim, 'POST', `${tokensPath()}?use_pool=false`, {})).status).toBe(200);
    });

    it('defaults expiry_secs to 1800 (also for null), and keeps only a fingerprint of the token', async () => {
      for (const body of [{ vendor: 'TENABLE' }, { vendor: 'TENABLE', expiry_secs: null }]) {
        const token = await mint(body);
        const r = record(token);
        expect(Date.parse(r.expires_at) - Date.parse(r.created_at)).toBe(1800 * 1000);
        expect(JSON.stringify(sim.state)).not.toContain(token);
      }
      const short = record(await mint({ vendor: 'QUALYS', expiry_secs: '60', identifier: 'id-1' }));
      expect(Date.parse(short.expires_at) - Date.parse(short.created_at)).toBe(60 * 1000);
      expect(short).toMatchObject({
        vendor: 'QUALYS',
        connection_id: null,
        identifier: 'id-1',
        used_at: null,
      });
    });

    it('gives a JWT-shaped token naming its organization (as Leen’s demo decodes it)', async () => {
      const token = await mint({ vendor: 'TENABLE', expiry_secs: 120 });
      const [, payload] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Json;
      expect(claims).toMatchObject({ organization_id: org, vendors: ['TENABLE'] });
      expect(typeof claims['exp']).toBe('number');
    });
  });

  describe('a create token on Create Connection', () => {
    it('stands in for the API key, and applies its identifier and options; a second create with it is refused', async () => {
      const token = await mint({
        vendor: 'TENABLE',
        identifier: 'cs_session_1',
        options: { init_load_timestamp: '2021-01-01T00:00:00+00:00' },
      });
      const before = count();
      const res = await withToken('POST', connections(), token, {
        vendor: 'TENABLE',
        credentials: tenable('1'),
        identifier: 'typed-by-the-end-user',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ vendor: 'TENABLE', identifier: 'cs_session_1', state: 'ACTIVE' });
      expect(count()).toBe(before + 1);
      const made = (res.body as { id: string }).id;
      expect(record(token)).toMatchObject({ used_for: made });
      expect(sim.state.connections.find((c) => c.id === made)?.credentials_fingerprint).toBe(
        fingerprint(tenable('1')),
      );

      // One-time use: exactly one connection.
      expect(
        await withToken('POST', connections(), token, { vendor: 'TENABLE', credentials: tenable('2') }),
      ).toEqual({ status: 401, body: INVALID });
      expect(count()).toBe(before + 1);
    });

    it('keeps the body’s identifier when the token has none', async () => {
      const token = await mint({ vendor: 'TENABLE' });
      const res = await withToken('POST', connections(), token, {
        vendor: 'TENABLE',
        credentials: tenable('3'),
        identifier: 'from-the-body',
      });
      expect(res.body).toMatchObject({ identifier: 'from-the-body' });
    });

    it('refuses another vendor (403) and a failed call (422) without using the token up', async () => {
      const token = await mint({ vendor: 'TENABLE', identifier: 'cs_session_2' });
      const before = count();
      expect(
        await withToken('POST', connections(), token, {
          vendor: 'QUALYS',
          credentials: { username: 'u', password: 'p' },
        }),
      ).toEqual({ status: 403, body: { detail: 'This connection invite token is for TENABLE, not QUALYS' } });
      const invalid = await withToken('POST', connections(), token, {
        vendor: 'TENABLE',
        credentials: { client_key: 'ck-only' },
      });
      expect(invalid).toMatchObject({
        status: 422,
        body: { detail: [{ type: 'missing', loc: ['body', 'credentials', 'secret_key'] }] },
      });
      expect(count()).toBe(before);
      expect(record(token).used_at).toBeNull();
      const ok = await withToken('POST', connections(), token, {
        vendor: 'TENABLE',
        credentials: tenable('4'),
      });
      expect(ok).toMatchObject({ status: 200, body: { identifier: 'cs_session_2' } });
    });

    it('refuses a token of another organization, an unknown one, and a wrong API key beside a good token', async () => {
      const token = await mint({ vendor: 'TENABLE' }, otherOrg);
      expect(
        await withToken('POST', connections(), token, { vendor: 'TENABLE', credentials: tenable('5') }),
      ).toEqual({ status: 401, body: INVALID });
      expect(
        await withToken('POST', connections(), `${token}x`, { vendor: 'TENABLE', credentials: tenable('5') }),
      ).toEqual({ status: 401, body: INVALID });
      const mine = await mint({ vendor: 'TENABLE' });
      expect(
        await leenFetch(
          sim,
          'POST',
          connections(),
          { vendor: 'TENABLE', credentials: tenable('5') },
          'wrong',
          {
            'x-connection-invite-token': mine,
          },
        ),
      ).toEqual({ status: 401, body: { detail: 'Invalid API key' } });
      expect(record(mine).used_at).toBeNull();
    });

    it('is taken by no other call: lists, reads, deletes and tests need the API key', async () => {
      const token = await mint({ vendor: 'TENABLE' });
      const made = await leenFetch(sim, 'POST', connections(), {
        vendor: 'TENABLE',
        credentials: tenable('6'),
      });
      const id = (made.body as { id: string }).id;
      for (const [method, path] of [
        ['GET', connections()],
        ['GET', `${connections()}/${id}`],
        ['GET', `${connections()}/${id}/test`],
        ['DELETE', `${connections()}/${id}`],
        ['GET', `/provisioning/organizations/${org}`],
      ] as const)
        expect(await withToken(method, path, token)).toEqual({
          status: 401,
          body: { detail: 'Invalid API key' },
        });
    });

    it('a token with neither vendor nor connection makes one connection of any vendor', async () => {
      const token = await mint({ identifier: 'cs_any' });
      const res = await withToken('POST', connections(), token, {
        vendor: 'QUALYS',
        credentials: { username: 'u', password: 'p' },
      });
      expect(res).toMatchObject({ status: 200, body: { vendor: 'QUALYS', identifier: 'cs_any' } });
      expect(
        await withToken('POST', connections(), token, { vendor: 'TENABLE', credentials: tenable('7') }),
      ).toEqual({ status: 401, body: INVALID });
    });

    it('an OAuth2 vendor: the token’s redirect URLs are the connection’s', async () => {
      const token = await mint({
        vendor: 'JIRA',
        identifier: 'cs_jira',
        options: {
          oauth2_redirect_urls: { success: 'http://127.0.0.1:9/ok', error: 'http://127.0.0.1:9/no' },
        },
      });
      const res = await withToken('POST', connections(), token, { vendor: 'JIRA' });
      expect(res.body).toMatchObject({ state: 'PENDING', identifier: 'cs_jira' });
      const id = (res.body as { id: string }).id;
      expect(sim.state.connections.find((c) => c.id === id)?.oauth2_redirect_urls).toEqual({
        success: 'http://127.0.0.1:9/ok',
        error: 'http://127.0.0.1:9/no',
      });
    });
  });

  describe('expiry', () => {
    it('an expired token is refused; zero or less expires at once', async () => {
      const soon = await mint({ vendor: 'TENABLE', expiry_secs: 1 });
      const zero = await mint({ vendor: 'TENABLE', expiry_secs: 0 });
      const before = count();
      expect(
        await withToken('POST', connections(), zero, { vendor: 'TENABLE', credentials: tenable('8') }),
      ).toEqual({ status: 401, body: INVALID });
      ahead = 1_100;
      try {
        expect(
          await withToken('POST', connections(), soon, { vendor: 'TENABLE', credentials: tenable('8') }),
        ).toEqual({ status: 401, body: INVALID });
      } finally {
        ahead = 0;
      }
      expect(count()).toBe(before);
    });
  });

  describe('an update token (connection_id)', () => {
    async function existing(tag: string): Promise<string> {
      const res = await leenFetch(sim, 'POST', connections(), {
        vendor: 'TENABLE',
        credentials: tenable(tag),
        identifier: `existing-${tag}`,
      });
      return (res.body as { id: string }).id;
    }
    const conn = (id: string) => sim.state.connections.find((c) => c.id === id);

    it('updates that connection on Update Connection, once', async () => {
      const id = await existing('u1');
      const before = conn(id)?.updated_at ?? '';
      const token = await mint({ connection_id: id.toUpperCase(), identifier: 'cs_reconnect_1' });
      const res = await withToken('PATCH', `${connections()}/${id}`, token, {
        credentials: tenable('u1-new'),
      });
      expect(res).toMatchObject({ status: 200, body: { id, identifier: 'cs_reconnect_1', state: 'ACTIVE' } });
      expect(conn(id)?.credentials_fingerprint).toBe(fingerprint(tenable('u1-new')));
      expect(Date.parse(conn(id)?.updated_at ?? '')).toBeGreaterThan(Date.parse(before));
      expect(
        await withToken('PATCH', `${connections()}/${id}`, token, { credentials: tenable('u1-again') }),
      ).toEqual({ status: 401, body: INVALID });
    });

    it('updates that connection instead of creating one on Create Connection', async () => {
      const id = await existing('u2');
      const token = await mint({ connection_id: id, identifier: 'cs_reconnect_2', vendor: 'QUALYS' });
      const before = count();
      expect(
        await withToken('POST', connections(), token, {
          vendor: 'QUALYS',
          credentials: { username: 'u', password: 'p' },
        }),
      ).toEqual({
        status: 403,
        body: { detail: 'This connection invite token updates a TENABLE connection, not QUALYS' },
      });
      const res = await withToken('POST', connections(), token, {
        vendor: 'TENABLE',
        credentials: tenable('u2-new'),
      });
      expect(res).toMatchObject({ status: 200, body: { id, identifier: 'cs_reconnect_2' } });
      expect(count()).toBe(before);
      expect(conn(id)?.credentials_fingerprint).toBe(fingerprint(tenable('u2-new')));
    });

    it('refuses another connection, a create token on Update Connection, and a connection that is gone', async () => {
      const a = await existing('u3');
      const b = await existing('u4');
      const forA = await mint({ connection_id: a });
      expect(await withToken('PATCH', `${connections()}/${b}`, forA, { credentials: tenable('x') })).toEqual({
        status: 403,
        body: { detail: 'This connection invite token is for another connection' },
      });
      const create = await mint({ vendor: 'TENABLE' });
      expect(
        await withToken('PATCH', `${connections()}/${a}`, create, { credentials: tenable('x') }),
      ).toEqual({
        status: 403,
        body: { detail: 'This connection invite token creates a connection; it cannot update one' },
      });
      const forGone = await mint({ connection_id: UNKNOWN });
      expect(
        await withToken('POST', connections(), forGone, { vendor: 'TENABLE', credentials: tenable('x') }),
      ).toEqual({ status: 404, body: { detail: 'Connection not found' } });
      expect(record(forA).used_at).toBeNull();
      expect(record(create).used_at).toBeNull();
    });
  });

  it('a state file keeps fingerprints only: the token is nowhere in it (fingerprints are keyed per process)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leen-tokens-'));
    const stateFile = join(dir, 'leen.json');
    try {
      const first = await startLeenSimulator({ apiKey: API_KEY, stateFile });
      const o = await createOrg(first, 'Persisted');
      const res = await leenFetch(
        first,
        'POST',
        `/provisioning/organizations/${o}/connection-invite-tokens`,
        {
          vendor: 'TENABLE',
          identifier: 'cs_persisted',
        },
      );
      const token = (res.body as { token: string }).token;
      await first.close();
      const saved = readFileSync(stateFile, 'utf8');
      expect(saved).not.toContain(token);
      expect(saved).toContain(fingerprint(token));
      expect(saved).toContain('cs_persisted');
      // The same process (same fingerprint key): the restored token still works, once.
      const second = await startLeenSimulator({ apiKey: API_KEY, stateFile });
      try {
        expect(second.state.invite_tokens).toHaveLength(1);
        const use = () =>
          leenFetch(
            second,
            'POST',
            `/provisioning/organizations/${o}/connections`,
            { vendor: 'TENABLE', credentials: tenable('p') },
            null,
            { 'x-connection-invite-token': token },
          );
        expect(await use()).toMatchObject({ status: 200, body: { identifier: 'cs_persisted' } });
        expect(await use()).toEqual({ status: 401, body: INVALID });
        expect(readFileSync(stateFile, 'utf8')).not.toContain(token);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
