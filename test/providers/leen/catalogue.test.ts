import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueEntry, ProviderOAuth } from '../../../src/core/adapter.js';
import { Connection } from '../../../src/core/connection.js';
import { LEEN_CATALOGUE, LEEN_OAUTH, LEEN_SCHEMAS } from '../../../src/providers/leen/adapter.js';
import {
  DOCUMENTED_CREDENTIALS,
  LEEN_VENDORS,
  OAUTH2_VENDORS,
  type LeenVendor,
} from '../../../src/providers/leen/catalog.js';
import { LEEN_VENDOR_NAMES } from '../../../src/providers/leen/vendor-names.js';
import { json } from '../../helpers/gateway.js';
import {
  createOrg,
  ctx,
  refOf,
  startHarness,
  startLeenGateway,
  type LeenGatewayHarness,
  type LeenHarness,
} from './harness.js';

/** What the hosted connect page learns about Leen: its catalogue and its OAuth2 consent. */

const RETURN = { success: 'https://app.example/connect/done', error: 'https://app.example/connect/failed' };

describe('Leen catalogue', () => {
  let entries: CatalogueEntry[];
  let h: LeenHarness;
  beforeAll(async () => {
    h = await startHarness();
    const catalogue = h.adapter.catalogue;
    if (!catalogue) throw new Error('the Leen adapter has no catalogue');
    entries = await catalogue(ctx, '5d3e0c1a-7b2f-4e6d-9a8c-1f2e3d4c5b6a');
  });
  afterAll(() => h.close());

  const entry = (kind: string) => entries.find((e) => e.kind === kind);

  it('lists all 34 vendors once, each with its name, ordered by name, without calling Leen', () => {
    expect(entries).toHaveLength(34);
    expect(entries.map((e) => e.kind).sort()).toEqual([...LEEN_VENDORS].sort());
    for (const e of entries) expect(e.name).toBe(LEEN_VENDOR_NAMES[e.kind as LeenVendor]);
    const names = entries.map((e) => e.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
    expect(new Set(names).size).toBe(34);
    expect(h.sim.kit.requests).toHaveLength(0);
  });

  it('names vendors as people know them', () => {
    expect(LEEN_VENDOR_NAMES).toMatchObject({
      TENABLE: 'Tenable',
      AWS_INSPECTOR2: 'AWS Inspector',
      MS_DEFENDER_VMS: 'Microsoft Defender Vulnerability Management',
      OKTA_IDP: 'Okta',
      BIT_SIGHT: 'BitSight',
    });
    for (const name of Object.values(LEEN_VENDOR_NAMES)) expect(name.trim()).not.toBe('');
  });

  it('connects documented shapes with a form, OAuth2 vendors by consent, and offers no form where Leen publishes no shape', () => {
    expect(entry('TENABLE')).toEqual({ kind: 'TENABLE', name: 'Tenable', connect: 'credentials' });
    expect(entry('JIRA')).toEqual({ kind: 'JIRA', name: 'Jira', connect: 'oauth' });
    // SNYK's API-key mode exists, but its JSON field is not published: offered as OAuth2.
    expect(entry('SNYK')?.connect).toBe('oauth');
    expect(entry('SEMGREP')?.connect).toBeNull();
    expect(entry('WIZ_CODE')?.connect).toBeNull();
    for (const e of entries) {
      const vendor = e.kind as LeenVendor;
      const expected = OAUTH2_VENDORS.includes(vendor)
        ? 'oauth'
        : DOCUMENTED_CREDENTIALS[vendor]
          ? 'credentials'
          : null;
      expect([vendor, e.connect]).toEqual([vendor, expected]);
      expect(e).not.toHaveProperty('credentialTypes');
      if (e.connect === 'credentials') expect(LEEN_SCHEMAS.credentials(vendor)).not.toBeNull();
    }
    expect(
      entries
        .filter((e) => e.connect === 'credentials')
        .map((e) => e.kind)
        .sort(),
    ).toEqual(Object.keys(DOCUMENTED_CREDENTIALS).sort());
  });

  it('gives every caller its own copy', async () => {
    const first = await h.adapter.catalogue?.(ctx, 'x');
    (first?.[0] as { name: string }).name = 'changed';
    expect((await h.adapter.catalogue?.(ctx, 'x'))?.[0]?.name).not.toBe('changed');
    expect(LEEN_CATALOGUE[0]?.name).not.toBe('changed');
  });
});

describe('Leen OAuth2 consent (adapter.oauth)', () => {
  let h: LeenHarness;
  let orgId: string;
  let oauth: ProviderOAuth;
  beforeAll(async () => {
    h = await startHarness();
    orgId = await createOrg(h.sim, 'Acme');
    if (!h.adapter.oauth) throw new Error('the Leen adapter has no oauth');
    oauth = h.adapter.oauth;
  });
  afterAll(() => h.close());

  it.each(OAUTH2_VENDORS)(
    'createInput for %s is a create body the Leen create schema takes as it is',
    (kind) => {
      const input = oauth.createInput(kind, RETURN);
      expect(input).toEqual({ kind, options: { oauth2_redirect_urls: RETURN } });
      expect(LEEN_SCHEMAS.create.parse(input)).toEqual(input);
      // With what a form collected merged in (SNYK's optional region base_url).
      const withForm = { ...input, credentials: { base_url: 'https://app.eu.snyk.io' } };
      expect(LEEN_SCHEMAS.create.safeParse(withForm).success).toBe(true);
    },
  );

  it('authorizeUrl reads details.oauth2_authorize_url, and is null without a non-empty string there', () => {
    const url = 'https://auth.atlassian.com/authorize?client_id=x';
    expect(oauth.authorizeUrl({ details: { oauth2_authorize_url: url } })).toBe(url);
    expect(oauth.authorizeUrl({ details: { oauth2_authorize_url: '' } })).toBeNull();
    expect(oauth.authorizeUrl({ details: { oauth2_authorize_url: null } })).toBeNull();
    expect(oauth.authorizeUrl({ details: { oauth2_authorize_url: 42 } })).toBeNull();
    expect(oauth.authorizeUrl({ details: {} })).toBeNull();
    expect(LEEN_OAUTH).toBe(oauth);
  });

  it('round trip: create from createInput, consent at the authorize URL, 303 to success, then active and healthy', async () => {
    const input = LEEN_SCHEMAS.create.parse(oauth.createInput('JIRA', RETURN));
    const conn = await h.adapter.create(ctx, orgId, input, undefined);
    expect(conn).toMatchObject({ kind: 'JIRA', status: 'pending' });
    expect(JSON.parse(h.sim.kit.requests.at(-1)?.body ?? '{}')).toEqual({
      vendor: 'JIRA',
      options: { oauth2_redirect_urls: RETURN },
    });
    const authorize = oauth.authorizeUrl(conn);
    if (authorize === null) throw new Error('no authorize URL');

    const consent = await fetch(authorize);
    expect(consent.status).toBe(200);
    const html = await consent.text();
    expect(html).toMatch(/<button type="submit" name="decision" value="approve">Approve<\/button>/);
    expect(html).toMatch(/<button type="submit" name="decision" value="deny">Deny<\/button>/);
    expect(html).toContain('Simulator assumptions');

    const res = await fetch(authorize, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ decision: 'approve' }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(RETURN.success);

    const after = await h.adapter.get(ctx, refOf(orgId, conn));
    expect(after).toMatchObject({
      status: 'active',
      health: { status: 'healthy' },
      credentials: { configured: true },
    });
    expect(oauth.authorizeUrl(after)).toBeNull();
    // Consent is given once: the page is gone for an active connection.
    expect((await fetch(authorize)).status).toBe(404);
  });

  it('deny: 303 to the error URL, and the connection stays pending with its authorize URL', async () => {
    const input = LEEN_SCHEMAS.create.parse(oauth.createInput('MS_ENTRA', RETURN));
    const conn = await h.adapter.create(ctx, orgId, input, undefined);
    const authorize = oauth.authorizeUrl(conn) as string;
    const res = await fetch(authorize, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ decision: 'deny' }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(RETURN.error);
    const after = await h.adapter.get(ctx, refOf(orgId, conn));
    expect(after.status).toBe('pending');
    expect(oauth.authorizeUrl(after)).toBe(authorize);
  });

  it("without return URLs (or empty ones) the consent ends on the simulator's stand-in for Leen's splash page", async () => {
    for (const options of [undefined, { oauth2_redirect_urls: { success: '', error: '' } }]) {
      const conn = await h.adapter.create(
        ctx,
        orgId,
        { kind: 'MS_DEFENDER_VMS', ...(options ? { options } : {}) },
        undefined,
      );
      const res = await fetch(oauth.authorizeUrl(conn) as string, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ decision: 'approve' }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('success');
      expect((await h.adapter.get(ctx, refOf(orgId, conn))).status).toBe('active');
    }
  });
});

describe('Leen OAuth2 consent through the gateway', () => {
  let h: LeenGatewayHarness;
  beforeAll(async () => {
    h = await startLeenGateway();
  });
  afterAll(() => h.close());

  it('a create body made of createInput (plus the form credentials) is accepted, and its consent completes the connection', async () => {
    const oauth = h.gw.gateway.adapters.get('leen')?.oauth;
    if (!oauth) throw new Error('the Leen adapter has no oauth');
    const res = await h.gw.call('POST', h.base, {
      body: {
        provider: 'leen',
        ...oauth.createInput('SNYK', RETURN),
        credentials: { base_url: 'https://app.eu.snyk.io' },
      },
    });
    expect(res.status).toBe(201);
    const conn = Connection.parse(await res.json());
    expect(conn).toMatchObject({ kind: 'SNYK', status: 'pending' });
    expect(h.lastBody('POST')).toEqual({
      vendor: 'SNYK',
      credentials: { base_url: 'https://app.eu.snyk.io' },
      options: { oauth2_redirect_urls: RETURN },
    });
    const authorize = oauth.authorizeUrl(conn);
    expect(authorize).toEqual(expect.stringContaining('/oauth2/authorize?connection_id='));
    const done = await fetch(authorize as string, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ decision: 'approve' }),
    });
    expect([done.status, done.headers.get('location')]).toEqual([303, RETURN.success]);
    const after = await json<Connection>(await h.gw.call('GET', `${h.base}/${conn.id}`));
    expect(after).toMatchObject({ status: 'active', health: { status: 'healthy' } });
    expect(oauth.authorizeUrl(after)).toBeNull();
  });
});
