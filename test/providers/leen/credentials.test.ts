import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { secret } from '../../../src/core/secret.js';
import { leenCreateSchema } from '../../../src/providers/leen/adapter.js';
import { leenProvider } from '../../../src/providers/leen/definition.js';
import { credentialFamily, LEEN_VENDORS } from '../../../src/providers/leen/fixtures.js';
import { asPatch, createOrg, ctx, refOf, startHarness, type LeenHarness } from './setup.js';

/** One valid credentials object per family, with the family's canonical type. */
const EXAMPLES: Array<{ vendor: string; type: string; credentials: Record<string, string> }> = [
  { vendor: 'TENABLE', type: 'api_key', credentials: { access_key: 'ak-1', secret_key: 'sk-1' } },
  { vendor: 'QUALYS', type: 'basic', credentials: { username: 'u', password: 'p', api_url: 'https://qualysapi.qualys.com' } },
  { vendor: 'SNYK', type: 'oauth2', credentials: { client_id: 'c', client_secret: 's' } },
  { vendor: 'MS_DEFENDER_ENDPOINT', type: 'oauth2', credentials: { tenant_id: 't', client_id: 'c', client_secret: 's' } },
  { vendor: 'MS_DEFENDER_VMS', type: 'client_credentials', credentials: { tenant_id: 't', client_id: 'c', client_secret: 's' } },
  { vendor: 'MS_DEFENDER_VMS_GCC_HIGH', type: 'client_credentials', credentials: { tenant_id: 't', client_id: 'c', client_secret: 's' } },
  { vendor: 'MS_DEFENDER_CLOUD', type: 'client_credentials', credentials: { tenant_id: 't', client_id: 'c', client_secret: 's' } },
  { vendor: 'MS_ENTRA', type: 'client_credentials', credentials: { tenant_id: 't', client_id: 'c', client_secret: 's' } },
  { vendor: 'CROWDSTRIKE', type: 'client_credentials', credentials: { client_id: 'c', client_secret: 's', base_url: 'https://api.crowdstrike.com' } },
  { vendor: 'CROWDSTRIKE_SPOTLIGHT', type: 'client_credentials', credentials: { client_id: 'c', client_secret: 's', base_url: 'https://api.crowdstrike.com' } },
  { vendor: 'SENTINELONE', type: 'api_key', credentials: { api_token: 't', base_url: 'https://x.sentinelone.net' } },
  { vendor: 'SENTINELONE_VMS', type: 'api_key', credentials: { api_token: 't', base_url: 'https://x.sentinelone.net' } },
  { vendor: 'INSIGHTVM', type: 'api_key', credentials: { api_key: 'k', region: 'us' } },
  { vendor: 'SEMGREP', type: 'api_token', credentials: { api_token: 't' } },
  { vendor: 'AWS_INSPECTOR2', type: 'aws_role', credentials: { role_arn: 'arn:aws:iam::1:role/r', external_id: 'e' } },
  { vendor: 'AWS_ACCESS_ANALYSER', type: 'aws_role', credentials: { role_arn: 'arn:aws:iam::1:role/r', external_id: 'e' } },
  { vendor: 'AWS_SECURITYHUB', type: 'aws_role', credentials: { role_arn: 'arn:aws:iam::1:role/r', external_id: 'e' } },
  { vendor: 'WIZ_VMS', type: 'client_credentials', credentials: { client_id: 'c', client_secret: 's', api_url: 'https://api.wiz.io' } },
  { vendor: 'WIZ_CODE', type: 'client_credentials', credentials: { client_id: 'c', client_secret: 's', api_url: 'https://api.wiz.io' } },
  { vendor: 'GITHUB', type: 'api_token', credentials: { api_token: 't' } },
  { vendor: 'JIRA', type: 'api_token', credentials: { api_token: 't', base_url: 'https://acme.atlassian.net' } },
];

const schemas = leenProvider.createAdapter({ id: 'leen', type: 'leen', apiKey: 'k' }, { logger: pino({ level: 'silent' }) }).schemas;

function issuePaths(result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } | undefined }): string[] {
  return (result.error?.issues ?? []).map((i) => i.path.map(String).join('.')).sort();
}

describe('Leen credential schemas', () => {
  it('has a schema and a type label for each of the 34 vendors', () => {
    expect(LEEN_VENDORS).toHaveLength(34);
    const adapter = leenProvider.createAdapter({ id: 'leen', type: 'leen', apiKey: 'k' }, { logger: pino({ level: 'silent' }) });
    for (const vendor of LEEN_VENDORS) {
      expect(schemas.credentials(vendor), vendor).not.toBeNull();
      expect(adapter.credentialType?.(vendor, {}), vendor).toBe(credentialFamily(vendor)?.type);
    }
    expect(schemas.credentials('NOT_A_VENDOR')).toBeNull();
    expect(adapter.credentialType?.('NOT_A_VENDOR', {})).toBeNull();
  });

  it.each(EXAMPLES)('accepts valid $vendor credentials (type $type)', ({ vendor, type, credentials }) => {
    expect(schemas.credentials(vendor)?.safeParse(credentials).success).toBe(true);
    expect(credentialFamily(vendor)?.type).toBe(type);
    expect(schemas.create.safeParse({ kind: vendor, name: 'x', credentials }).success).toBe(true);
  });

  it('gives every other vendor {api_token, base_url?}', () => {
    const s = schemas.credentials('OKTA_IDP');
    expect(s?.safeParse({ api_token: 't' }).success).toBe(true);
    expect(s?.safeParse({ api_token: 't', base_url: 'https://x' }).success).toBe(true);
    expect(issuePaths(s!.safeParse({}))).toEqual(['api_token']);
    // SEMGREP has no base_url.
    expect(issuePaths(schemas.credentials('SEMGREP')!.safeParse({ api_token: 't', base_url: 'https://x' }))).toEqual(['']);
  });

  it('names a missing field in the create body with its path', () => {
    const r = schemas.create.safeParse({ kind: 'TENABLE', credentials: { access_key: 'ak' } });
    expect(r.success).toBe(false);
    expect(issuePaths(r)).toEqual(['credentials.secret_key']);
  });

  it('rejects empty strings, non-strings and unknown keys, naming each field', () => {
    const r = schemas.create.safeParse({ kind: 'INSIGHTVM', credentials: { api_key: '', region: 3, extra: 'x' } });
    expect(issuePaths(r)).toEqual(['credentials.api_key', 'credentials.extra', 'credentials.region']);
  });

  it('rejects one vendor\'s shape for another vendor', () => {
    const r = schemas.create.safeParse({ kind: 'CROWDSTRIKE', credentials: { access_key: 'ak', secret_key: 'sk' } });
    expect(issuePaths(r)).toEqual([
      'credentials.access_key', 'credentials.base_url', 'credentials.client_id', 'credentials.client_secret', 'credentials.secret_key',
    ]);
  });

  it('checks the rest of the create body', () => {
    const creds = { api_token: 't' };
    expect(schemas.create.safeParse({ kind: 'NOPE', credentials: creds }).success).toBe(false);
    expect(issuePaths(schemas.create.safeParse({ kind: 'SEMGREP' }))).toEqual(['credentials']);
    expect(issuePaths(schemas.create.safeParse({ kind: 'SEMGREP', credentials: creds, settings: {} }))).toEqual(['']);
    expect(schemas.create.safeParse({ kind: 'SEMGREP', credentials: creds, name: null }).success).toBe(true);
    expect(schemas.create.safeParse({ kind: 'SEMGREP', credentials: creds, name: '' }).success).toBe(false);
    expect(schemas.create.safeParse({ kind: 'SEMGREP', credentials: creds, name: 'x'.repeat(256) }).success).toBe(false);
    const urls = { success: 'https://app.example/ok', error: 'https://app.example/err' };
    expect(schemas.create.safeParse({ kind: 'SNYK', credentials: { client_id: 'c', client_secret: 's' }, options: { oauth2_redirect_urls: urls } }).success).toBe(true);
    expect(issuePaths(schemas.create.safeParse({ kind: 'SNYK', credentials: { client_id: 'c', client_secret: 's' }, options: { oauth2_redirect_urls: { ...urls, error: 'nope' } } })))
      .toEqual(['options.oauth2_redirect_urls.error']);
    expect(leenCreateSchema).toBe(schemas.create);
  });

  it('has a nullable, bounded name schema and no settings', () => {
    expect(schemas.name.safeParse(null).success).toBe(true);
    expect(schemas.name.safeParse('a').success).toBe(true);
    expect(schemas.name.safeParse('').success).toBe(false);
    expect(schemas.name.safeParse('x'.repeat(256)).success).toBe(false);
    expect(schemas.settings).toBeNull();
  });
});

describe('Leen credentials through the adapter and the simulator', () => {
  let h: LeenHarness;
  let orgId: string;
  beforeAll(async () => {
    h = await startHarness();
    orgId = await createOrg(h.sim, 'Credentials');
  });
  afterAll(() => h.close());

  it.each(EXAMPLES)('creates a $vendor connection with its own credential shape', async ({ vendor, type, credentials }) => {
    const conn = await h.adapter.create(ctx, orgId, { kind: vendor, name: `${vendor.toLowerCase()}-1` }, secret(credentials));
    expect(conn.kind).toBe(vendor);
    expect(conn.credentials).toEqual({ configured: true, type, updated_at: null });
    expect(h.sim.state.connections.find((c) => c.id === conn.external_id)?.credentials).toEqual(credentials);
  });

  it('refuses a missing field before any upstream call, naming it', async () => {
    h.sim.kit.resetRequests();
    const err = await h.adapter.create(ctx, orgId, { kind: 'TENABLE' }, secret({ access_key: 'ak' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('validation_failed');
    expect((err as GatewayError).errors).toEqual([{ pointer: '/credentials/secret_key', message: 'Required' }]);
    expect(h.sim.kit.requests).toHaveLength(0);
  });

  it('refuses another vendor\'s shape on create and on patch', async () => {
    const err = await h.adapter.create(ctx, orgId, { kind: 'QUALYS' }, secret({ api_token: 't' })).catch((e: unknown) => e) as GatewayError;
    expect(err.code).toBe('validation_failed');
    expect(err.errors?.map((e) => e.pointer).sort()).toEqual(['/credentials/api_token', '/credentials/api_url', '/credentials/password', '/credentials/username']);

    const conn = await h.adapter.create(ctx, orgId, { kind: 'SEMGREP' }, secret({ api_token: 'old-token' }));
    const perr = await h.adapter.patch(ctx, refOf(orgId, conn), { credentials: secret({ access_key: 'a', secret_key: 'b' }) }).catch((e: unknown) => e) as GatewayError;
    expect(perr.code).toBe('validation_failed');
    expect(perr.errors?.map((e) => e.pointer).sort()).toEqual(['/credentials/access_key', '/credentials/api_token', '/credentials/secret_key']);
    expect(h.sim.state.connections.find((c) => c.id === conn.external_id)?.credentials).toEqual({ api_token: 'old-token' });
  });

  it('requires credentials on create', async () => {
    const err = await h.adapter.create(ctx, orgId, { kind: 'SEMGREP' }, undefined).catch((e: unknown) => e) as GatewayError;
    expect(err.code).toBe('validation_failed');
    expect(err.errors).toEqual([{ pointer: '/credentials', message: 'Required' }]);
  });

  it('createAdapter gives a patch-model adapter with the agreed capabilities', () => {
    expect(asPatch(h.adapter).capabilities).toEqual({
      updateModel: 'patch', writableName: true, writableStatus: ['active', 'paused'], writableSettings: [], unsupportedSettings: [], supportsCredentials: true, supportsTest: true, supportsJobs: true, nullableName: true,
    });
  });
});
