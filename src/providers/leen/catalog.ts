import { z } from 'zod';

/**
 * What Leen publishes about its vendors, as data shared by the adapter and the simulator: the
 * vendor enum, which vendors authorize through OAuth2, the credential shapes Leen documents, the
 * option keys Leen documents, and the health table. Only what docs.leen.dev shows is here; every
 * other vendor's credentials and options pass through unchanged for Leen to judge. Sources and
 * the gaps are listed in docs/providers/leen.md.
 */

/** The 34 vendors of the newest revision of Leen's Create Connection page. */
export const LEEN_VENDORS = [
  'SEMGREP',
  'SENTINELONE_VMS',
  'SENTINELONE',
  'AIKIDO',
  'ORCA',
  'AWS_INSPECTOR2',
  'AWS_ACCESS_ANALYSER',
  'AWS_SECURITYHUB',
  'INSIGHTVM',
  'MS_DEFENDER_VMS',
  'MS_ENTRA',
  'MS_DEFENDER_VMS_GCC_HIGH',
  'MS_DEFENDER_CLOUD',
  'MS_DEFENDER_ENDPOINT',
  'JIRA',
  'QUALYS',
  'GITHUB',
  'ARNICA',
  'SNYK',
  'TANIUM_VMS',
  'GITLAB',
  'MEND',
  'SERVICENOW',
  'UPWIND',
  'TENABLE',
  'CHECKMARX',
  'CROWDSTRIKE_SPOTLIGHT',
  'CROWDSTRIKE',
  'BLACK_KITE',
  'BIT_SIGHT',
  'LACEWORK_CSPM',
  'WIZ_VMS',
  'WIZ_CODE',
  'OKTA_IDP',
] as const;
export type LeenVendor = (typeof LEEN_VENDORS)[number];
export const LeenVendorSchema = z.enum(LEEN_VENDORS);

export function isLeenVendor(v: string): v is LeenVendor {
  return (LEEN_VENDORS as readonly string[]).includes(v);
}

/**
 * Vendors Leen documents as authorized by the end user at `oauth2_authorize_url`, with no
 * credentials in the create body. SNYK also has an API-key mode (credentials beyond `base_url`).
 */
export const OAUTH2_VENDORS: readonly LeenVendor[] = [
  'MS_DEFENDER_VMS',
  'MS_DEFENDER_ENDPOINT',
  'MS_ENTRA',
  'JIRA',
  'SNYK',
];

export function isOAuth2Vendor(vendor: string): boolean {
  return (OAUTH2_VENDORS as readonly string[]).includes(vendor);
}

/** A required, non-empty string. Messages name the expectation, never the value. */
function text() {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'Required' : 'Expected a string') })
    .min(1, { error: 'Must not be empty' });
}

/** An object (any keys), with a message that never echoes the value. */
const anyObject = z.record(z.string(), z.unknown(), {
  error: (i) => (i.input === undefined ? 'Required' : 'Expected an object'),
});

/** Credentials with a published shape. Keys Leen did not show are passed through for Leen to judge. */
export interface DocumentedCredentials {
  /** Canonical `credentials.type` label (never a secret). */
  type: string;
  schema: z.ZodType<Record<string, unknown>>;
}

/**
 * Form and document metadata (JSON Schema keywords through zod's `.meta()`; acceptance is unchanged):
 * `title` labels a field, `description` explains it, `writeOnly: true` marks a secret (a password
 * input on the connect page, never shown back).
 */
const SECRET = { writeOnly: true } as const;

/** AWS connectors wrap credentials in `aws` with a `type`; only `direct_access` is shown whole. */
const AWS_DIRECT_ACCESS = z.looseObject({
  aws_access_key_id: text(),
  aws_secret_access_key: text(),
  aws_region_name: z.string({ error: 'Expected a string' }).optional(),
});

/**
 * A `direct_access` key, declared (as the string Leen documents) so that forms and documents show
 * it, but accepting any value here: the superRefine below checks the keys when `type` is
 * `direct_access`, and every other type passes its keys through for Leen to judge.
 */
function directAccessKey(meta: { title: string; description: string; writeOnly?: true }) {
  return z
    .unknown()
    .optional()
    .meta({ type: 'string', ...meta });
}

const awsCredentials = z
  .looseObject({
    aws: z
      .looseObject({
        type: text().meta({
          title: 'Credential type',
          description: 'Use direct_access to connect with an access key ID and secret access key.',
        }),
        aws_access_key_id: directAccessKey({
          title: 'Access key ID',
          description: 'Required for direct_access.',
        }),
        aws_secret_access_key: directAccessKey({
          title: 'Secret access key',
          description: 'Required for direct_access.',
          ...SECRET,
        }),
        aws_region_name: directAccessKey({ title: 'Region', description: 'For example us-east-1.' }),
      })
      .meta({ title: 'AWS' }),
  })
  .superRefine((value, ctx) => {
    if (value.aws.type !== 'direct_access') return;
    const r = AWS_DIRECT_ACCESS.safeParse(value.aws);
    if (r.success) return;
    for (const issue of r.error.issues)
      ctx.addIssue({ code: 'custom', path: ['aws', ...issue.path], message: issue.message });
  });

const aws: DocumentedCredentials = { type: 'aws', schema: awsCredentials };

const baseUrl = () => text().meta({ title: 'Base URL' });

/** The credential shapes of Leen's hand-written examples (Create Connection guide, integration pages). */
export const DOCUMENTED_CREDENTIALS: Partial<Record<LeenVendor, DocumentedCredentials>> = {
  // Tenable's API keys are a pair (access key + secret key): both are secrets.
  TENABLE: {
    type: 'api_key',
    schema: z.looseObject({
      client_key: text().meta({ title: 'Client key', ...SECRET }),
      secret_key: text().meta({ title: 'Secret key', ...SECRET }),
    }),
  },
  QUALYS: {
    type: 'basic',
    schema: z.looseObject({ username: text().meta({ title: 'Username' }), password: text().meta(SECRET) }),
  },
  INSIGHTVM: {
    type: 'api_key',
    schema: z.looseObject({ base_url: baseUrl(), api_key: text().meta({ title: 'API key', ...SECRET }) }),
  },
  SENTINELONE_VMS: {
    type: 'api_token',
    schema: z.looseObject({ base_url: baseUrl(), api_token: text().meta({ title: 'API token', ...SECRET }) }),
  },
  CROWDSTRIKE_SPOTLIGHT: {
    type: 'client_credentials',
    schema: z.looseObject({
      client_id: text().meta({ title: 'Client ID' }),
      client_secret: text().meta({ title: 'Client secret', ...SECRET }),
    }),
  },
  AWS_INSPECTOR2: aws,
  AWS_ACCESS_ANALYSER: aws,
  AWS_SECURITYHUB: aws,
};

/** SNYK in OAuth mode sends only the optional `base_url` (US-2 and EU regions); API-key mode adds a key. */
const snykCredentials = z.looseObject({ base_url: z.string({ error: 'Expected a string' }).optional() });

/** Any other vendor: any non-empty object, sent unchanged. */
const nonEmptyObject = anyObject.refine((v) => Object.keys(v).length > 0, { error: 'Must not be empty' });

export interface CredentialRule {
  /** The schema credentials of this vendor must pass (create and change). */
  schema: z.ZodType<Record<string, unknown>>;
  /** Whether a create must carry credentials (only where Leen publishes the shape). */
  requiredOnCreate: boolean;
}

/** How the gateway checks credentials of `vendor`, or undefined for a vendor outside the enum. */
export function credentialRule(vendor: string): CredentialRule | undefined {
  if (!isLeenVendor(vendor)) return undefined;
  const documented = DOCUMENTED_CREDENTIALS[vendor];
  if (documented) return { schema: documented.schema, requiredOnCreate: true };
  if (vendor === 'SNYK') return { schema: snykCredentials, requiredOnCreate: false };
  if (isOAuth2Vendor(vendor)) return { schema: anyObject, requiredOnCreate: false };
  return { schema: nonEmptyObject, requiredOnCreate: false };
}

/**
 * Canonical `credentials.type` of a vendor's connection (never a secret): the documented shape's
 * label; for AWS the `aws.type` in use; `oauth2` for OAuth vendors without credentials (SNYK with a
 * key is `api_key`); null where Leen does not say.
 */
export function credentialTypeOf(vendor: string, credentials?: Record<string, unknown>): string | null {
  if (!isLeenVendor(vendor)) return null;
  const documented = DOCUMENTED_CREDENTIALS[vendor];
  if (documented === aws) {
    const wrapped = credentials?.['aws'];
    const type =
      wrapped !== null && typeof wrapped === 'object'
        ? (wrapped as Record<string, unknown>)['type']
        : undefined;
    return typeof type === 'string' && /^[a-z0-9_]{1,64}$/.test(type) ? `aws_${type}` : 'aws';
  }
  if (documented) return documented.type;
  if (vendor === 'SNYK' && credentials && Object.keys(credentials).some((k) => k !== 'base_url'))
    return 'api_key';
  if (isOAuth2Vendor(vendor)) return 'oauth2';
  return null;
}

/** JIRA's priority values for `priority_mapping` (the jira-itsm-credential page). */
export const JIRA_PRIORITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNKNOWN'] as const;

/**
 * `options` of Create Connection: the keys Leen documents are checked (types only); every other key
 * passes through to Leen. `oauth2_redirect_urls` values are plain strings (Leen's own example uses
 * empty ones).
 */
export const LeenOptionsSchema = z.looseObject({
  oauth2_redirect_urls: z
    .looseObject({ success: z.string().optional(), error: z.string().optional() })
    .nullish(),
  init_load_timestamp: z.iso
    .datetime({
      offset: true,
      error: 'Expected an ISO 8601 date-time with an offset, e.g. 2021-01-01T00:00:00+00:00',
    })
    .nullish(),
  project_keys_filter: z.array(z.string()).nullish(),
  priority_mapping: z.record(z.string(), z.enum(JIRA_PRIORITIES)).nullish(),
  status_mapping: z.record(z.string(), z.string()).nullish(),
});
export type LeenOptions = z.infer<typeof LeenOptionsSchema>;

/** Health names of Leen's connection-health page, with their status, resolution owner and description. */
export const HEALTH_ROWS = {
  HEALTHY: { status: 'HEALTHY', resolution_owner: 'LEEN', description: 'Connection is healthy' },
  EXECUTION_TIMEOUT: { status: 'UNHEALTHY', resolution_owner: 'LEEN', description: 'Execution timeout' },
  RATE_LIMIT_EXCEEDED: { status: 'UNHEALTHY', resolution_owner: 'LEEN', description: 'Rate limit exceeded' },
  VENDOR_CLIENT_ERROR: {
    status: 'UNHEALTHY',
    resolution_owner: 'LEEN',
    description: 'Vendor returned a 4xx',
  },
  INTERNAL_ERROR: { status: 'UNHEALTHY', resolution_owner: 'LEEN', description: 'Internal error' },
  VENDOR_SERVER_ERROR: {
    status: 'UNHEALTHY',
    resolution_owner: 'VENDOR',
    description: 'Vendor returned a 5xx',
  },
  UNAUTHORIZED: {
    status: 'UNHEALTHY',
    resolution_owner: 'CUSTOMER',
    description: 'Invalid, insufficient or revoked credentials; the customer must update the credentials',
  },
} as const;
export type LeenHealthName = keyof typeof HEALTH_ROWS;
export const LEEN_HEALTH_NAMES = Object.keys(HEALTH_ROWS) as LeenHealthName[];
