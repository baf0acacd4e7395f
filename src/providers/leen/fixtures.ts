import type { LeenHealthName, LeenVendor } from './catalog.js';

/**
 * The Leen simulator's demo data: one organization with connections in a variety of states and
 * health. Credentials use only field names Leen documents, with obviously fake values. Ids are
 * fixed, so the demo organization keeps its id across restarts (and README examples stay true).
 */

export const DEMO_ORG = {
  id: '5d3e0c1a-7b2f-4e6d-9a8c-1f2e3d4c5b6a',
  name: 'Demo',
  identifier: 'demo',
} as const;

/** Values Leen's own examples show for new connections (Snyk and MS Entra pages); not documented defaults. */
export const DEFAULT_REFRESH_INTERVAL_SECS = 14_400;
export const DEFAULT_TIMEOUT_SECS = 1_800;

export interface DemoJobSeed {
  status: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  data_export_type: string;
  /** Hours before the seed time the job started. */
  hoursAgo: number;
  error?: string;
}

export interface DemoConnectionSeed {
  id: string;
  vendor: LeenVendor;
  identifier: string;
  state: 'PENDING' | 'ACTIVE' | 'PAUSED';
  health: LeenHealthName;
  /** Absent for an OAuth2 vendor waiting for consent. */
  credentials?: Record<string, string>;
  jobs: DemoJobSeed[];
}

export const DEMO_CONNECTIONS: readonly DemoConnectionSeed[] = [
  {
    id: '0b9a8c7d-1e2f-4a3b-8c4d-5e6f7a8b9c01',
    vendor: 'TENABLE',
    identifier: 'tenable-prod',
    state: 'ACTIVE',
    health: 'HEALTHY',
    credentials: { client_key: 'demo-client-key', secret_key: 'demo-secret-key' },
    jobs: [
      { status: 'SUCCEEDED', data_export_type: 'vulnerabilities', hoursAgo: 48 },
      { status: 'SUCCEEDED', data_export_type: 'vulnerabilities', hoursAgo: 24 },
      { status: 'RUNNING', data_export_type: 'vulnerabilities', hoursAgo: 0.5 },
    ],
  },
  {
    id: '0b9a8c7d-1e2f-4a3b-8c4d-5e6f7a8b9c02',
    vendor: 'CROWDSTRIKE_SPOTLIGHT',
    identifier: 'crowdstrike-spotlight',
    state: 'PAUSED',
    health: 'VENDOR_SERVER_ERROR',
    credentials: { client_id: 'demo-client-id', client_secret: 'demo-client-secret' },
    jobs: [
      { status: 'SUCCEEDED', data_export_type: 'vulnerabilities', hoursAgo: 72 },
      {
        status: 'FAILED',
        data_export_type: 'vulnerabilities',
        hoursAgo: 48,
        error: 'Vendor returned 503 Service Unavailable',
      },
    ],
  },
  {
    id: '0b9a8c7d-1e2f-4a3b-8c4d-5e6f7a8b9c03',
    vendor: 'QUALYS',
    identifier: 'qualys-vm',
    state: 'ACTIVE',
    health: 'UNAUTHORIZED',
    credentials: { username: 'demo-user', password: 'demo-password' },
    jobs: [
      {
        status: 'FAILED',
        data_export_type: 'vulnerabilities',
        hoursAgo: 6,
        error: 'Vendor answered 401 Unauthorized',
      },
    ],
  },
  {
    id: '0b9a8c7d-1e2f-4a3b-8c4d-5e6f7a8b9c04',
    vendor: 'SNYK',
    identifier: 'snyk-appsec',
    state: 'PENDING',
    health: 'UNAUTHORIZED',
    jobs: [],
  },
];
