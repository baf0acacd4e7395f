import { z } from 'zod';
import { fieldIssues, type FieldIssue } from '../../core/validation.js';

/**
 * Static facts about Leen shared by the adapter and the simulator: the vendor enum, the per-vendor
 * credential shapes (ours: Leen's docs name the models but not their fields), the health table
 * of leen.md §5.8, default connection timings and the demo seed.
 */

/** The 34 vendors of the newest revision of Leen's Create Connection page (leen.md §5.2). */
export const LEEN_VENDORS = [
  'SEMGREP', 'SENTINELONE_VMS', 'SENTINELONE', 'AIKIDO', 'ORCA', 'AWS_INSPECTOR2',
  'AWS_ACCESS_ANALYSER', 'AWS_SECURITYHUB', 'INSIGHTVM', 'MS_DEFENDER_VMS', 'MS_ENTRA',
  'MS_DEFENDER_VMS_GCC_HIGH', 'MS_DEFENDER_CLOUD', 'MS_DEFENDER_ENDPOINT', 'JIRA', 'QUALYS',
  'GITHUB', 'ARNICA', 'SNYK', 'TANIUM_VMS', 'GITLAB', 'MEND', 'SERVICENOW', 'UPWIND', 'TENABLE',
  'CHECKMARX', 'CROWDSTRIKE_SPOTLIGHT', 'CROWDSTRIKE', 'BLACK_KITE', 'BIT_SIGHT', 'LACEWORK_CSPM',
  'WIZ_VMS', 'WIZ_CODE', 'OKTA_IDP',
] as const;
export type LeenVendor = (typeof LEEN_VENDORS)[number];
export const LeenVendorSchema = z.enum(LEEN_VENDORS);

export function isLeenVendor(v: string): v is LeenVendor {
  return (LEEN_VENDORS as readonly string[]).includes(v);
}

/** Vendors whose connections need the end user to authorize in a browser (leen.md §9.4). */
export const OAUTH2_VENDORS: readonly LeenVendor[] = ['SNYK', 'MS_DEFENDER_ENDPOINT'];

/** A required, non-empty credential string. Messages never echo the value. */
function field() {
  return z.string({ error: (issue) => (issue.input === undefined ? 'Required' : 'Expected a string') })
    .min(1, { error: 'Must not be empty' });
}

export interface CredentialFamily {
  /** Canonical `credentials.type` of connections of these vendors. */
  type: string;
  schema: z.ZodType<Record<string, unknown>>;
}

const tenable: CredentialFamily = { type: 'api_key', schema: z.strictObject({ access_key: field(), secret_key: field() }) };
const qualys: CredentialFamily = { type: 'basic', schema: z.strictObject({ username: field(), password: field(), api_url: field() }) };
const snyk: CredentialFamily = { type: 'oauth2', schema: z.strictObject({ client_id: field(), client_secret: field() }) };
const msShape = z.strictObject({ tenant_id: field(), client_id: field(), client_secret: field() });
const msClientCredentials: CredentialFamily = { type: 'client_credentials', schema: msShape };
const msOauth2: CredentialFamily = { type: 'oauth2', schema: msShape };
const crowdstrike: CredentialFamily = { type: 'client_credentials', schema: z.strictObject({ client_id: field(), client_secret: field(), base_url: field() }) };
const sentinelone: CredentialFamily = { type: 'api_key', schema: z.strictObject({ api_token: field(), base_url: field() }) };
const insightvm: CredentialFamily = { type: 'api_key', schema: z.strictObject({ api_key: field(), region: field() }) };
const semgrep: CredentialFamily = { type: 'api_token', schema: z.strictObject({ api_token: field() }) };
const aws: CredentialFamily = { type: 'aws_role', schema: z.strictObject({ role_arn: field(), external_id: field() }) };
const wiz: CredentialFamily = { type: 'client_credentials', schema: z.strictObject({ client_id: field(), client_secret: field(), api_url: field() }) };
const generic: CredentialFamily = { type: 'api_token', schema: z.strictObject({ api_token: field(), base_url: field().optional() }) };

const FAMILIES: Partial<Record<LeenVendor, CredentialFamily>> = {
  TENABLE: tenable,
  QUALYS: qualys,
  SNYK: snyk,
  MS_DEFENDER_ENDPOINT: msOauth2,
  MS_DEFENDER_VMS: msClientCredentials,
  MS_DEFENDER_VMS_GCC_HIGH: msClientCredentials,
  MS_DEFENDER_CLOUD: msClientCredentials,
  MS_ENTRA: msClientCredentials,
  CROWDSTRIKE: crowdstrike,
  CROWDSTRIKE_SPOTLIGHT: crowdstrike,
  SENTINELONE: sentinelone,
  SENTINELONE_VMS: sentinelone,
  INSIGHTVM: insightvm,
  SEMGREP: semgrep,
  AWS_INSPECTOR2: aws,
  AWS_ACCESS_ANALYSER: aws,
  AWS_SECURITYHUB: aws,
  WIZ_VMS: wiz,
  WIZ_CODE: wiz,
};

/** The credential family of a vendor, or undefined for a vendor outside the known enum. */
export function credentialFamily(vendor: string): CredentialFamily | undefined {
  if (!isLeenVendor(vendor)) return undefined;
  return FAMILIES[vendor] ?? generic;
}

/** Health names of leen.md §5.8, with their status, resolution owner and description. */
export const HEALTH_ROWS = {
  HEALTHY: { status: 'HEALTHY', resolution_owner: 'LEEN', description: 'Connection is healthy' },
  EXECUTION_TIMEOUT: { status: 'UNHEALTHY', resolution_owner: 'LEEN', description: 'Execution timeout' },
  RATE_LIMIT_EXCEEDED: { status: 'UNHEALTHY', resolution_owner: 'LEEN', description: 'Rate limit exceeded' },
  VENDOR_CLIENT_ERROR: { status: 'UNHEALTHY', resolution_owner: 'LEEN', description: 'Vendor returned a 4xx' },
  INTERNAL_ERROR: { status: 'UNHEALTHY', resolution_owner: 'LEEN', description: 'Internal error' },
  VENDOR_SERVER_ERROR: { status: 'UNHEALTHY', resolution_owner: 'VENDOR', description: 'Vendor returned a 5xx' },
  UNAUTHORIZED: {
    status: 'UNHEALTHY', resolution_owner: 'CUSTOMER',
    description: 'Invalid, insufficient or revoked credentials; the customer must update the credentials',
  },
} as const;
export type LeenHealthName = keyof typeof HEALTH_ROWS;
export const LEEN_HEALTH_NAMES = Object.keys(HEALTH_ROWS) as LeenHealthName[];

/** Our defaults for new connections (Leen does not document them). */
export const DEFAULT_REFRESH_INTERVAL_SECS = 86_400;
export const DEFAULT_TIMEOUT_SECS = 7_200;

/** The simulator's demo organization (`identifier`), seeded when there is no restored state. */
export const DEMO_ORG = { name: 'Demo', identifier: 'demo' } as const;

export interface DemoJobSeed {
  status: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  data_export_type: string;
  /** Hours before the seed time the job started. */
  hoursAgo: number;
  error?: string;
}

export interface DemoConnectionSeed {
  vendor: LeenVendor;
  identifier: string;
  state: 'PENDING' | 'ACTIVE' | 'PAUSED';
  health: LeenHealthName;
  credentials: Record<string, string>;
  jobs: DemoJobSeed[];
}

/** Three connections with a variety of states and health; credentials are obviously fake. */
export const DEMO_CONNECTIONS: readonly DemoConnectionSeed[] = [
  {
    vendor: 'TENABLE', identifier: 'tenable-prod', state: 'ACTIVE', health: 'HEALTHY',
    credentials: { access_key: 'demo-access-key', secret_key: 'demo-secret-key' },
    jobs: [
      { status: 'SUCCEEDED', data_export_type: 'vulnerabilities', hoursAgo: 48 },
      { status: 'SUCCEEDED', data_export_type: 'vulnerabilities', hoursAgo: 24 },
      { status: 'RUNNING', data_export_type: 'vulnerabilities', hoursAgo: 0.5 },
    ],
  },
  {
    vendor: 'CROWDSTRIKE', identifier: 'crowdstrike-eu', state: 'PAUSED', health: 'VENDOR_SERVER_ERROR',
    credentials: { client_id: 'demo-client-id', client_secret: 'demo-client-secret', base_url: 'https://api.eu-1.crowdstrike.com' },
    jobs: [
      { status: 'SUCCEEDED', data_export_type: 'alerts', hoursAgo: 72 },
      { status: 'FAILED', data_export_type: 'alerts', hoursAgo: 48, error: 'Vendor returned 503 Service Unavailable' },
    ],
  },
  {
    vendor: 'SNYK', identifier: 'snyk-appsec', state: 'PENDING', health: 'UNAUTHORIZED',
    credentials: { client_id: 'demo-snyk-client', client_secret: 'demo-snyk-secret' },
    jobs: [
      { status: 'FAILED', data_export_type: 'vulnerabilities', hoursAgo: 2, error: 'OAuth2 authorization has not been completed' },
    ],
  },
];

/** An issue inside a credentials object (one per unknown key). */
export type CredentialIssue = FieldIssue;

/**
 * Checks a credentials object against a vendor's schema. Unknown keys come back one issue per key,
 * with the key as the path, so callers can name the field. Messages never contain values.
 */
export function credentialIssues(vendor: string, credentials: unknown): CredentialIssue[] {
  const family = credentialFamily(vendor);
  if (!family) return [{ path: [], code: 'unknown_vendor', message: `Unknown vendor ${vendor}` }];
  const parsed = family.schema.safeParse(credentials);
  return parsed.success ? [] : fieldIssues(parsed.error);
}
