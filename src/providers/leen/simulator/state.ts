import { randomUUID } from 'node:crypto';
import { fingerprint } from '../../../simulator/fingerprint.js';
import type { LeenHealth, LeenHealthDetail, LeenJob, LeenOrganization, LeenState } from '../api-types.js';
import { HEALTH_ROWS, isOAuth2Vendor, type LeenHealthName, type LeenVendor } from '../catalog.js';
import {
  DEFAULT_REFRESH_INTERVAL_SECS,
  DEFAULT_TIMEOUT_SECS,
  DEMO_CONNECTIONS,
  DEMO_ORG,
} from '../fixtures.js';

export type SimOrganization = LeenOrganization;

export interface SimConnection {
  id: string;
  vendor: LeenVendor;
  organization_id: string;
  state: LeenState;
  refresh_interval_secs: number;
  timeout_secs: number;
  created_at: string;
  updated_at: string;
  health: LeenHealth;
  identifier: string | null;
  /** Fingerprint of the credentials last sent (`fingerprint()` of the object), null when none were. */
  credentials_fingerprint: string | null;
  /** Whether the credential test fails (decided when the credentials arrive). */
  credentials_test_fails: boolean;
  /** `oauth2`: the end user authorizes at the authorize URL. */
  auth: 'oauth2' | 'credentials';
  oauth2_redirect_urls: { success?: string | undefined; error?: string | undefined } | null;
}

/**
 * An OnRamp connection invite token (`POST …/connection-invite-tokens`), as the simulator keeps it:
 * never the token itself (it lets whoever holds it create or update a connection), only its
 * fingerprint, so a state file holds no usable token. Fingerprints are keyed per process, so after a
 * restart a restored token matches nothing and is refused like an expired one.
 */
export interface SimInviteToken {
  /** `fingerprint()` of the token string. */
  token_fingerprint: string;
  organization_id: string;
  /** A create token's vendor; null: any vendor (a token minted with neither vendor nor connection). */
  vendor: LeenVendor | null;
  /** An update token's connection (canonical lower-case UUID); null for a create token. */
  connection_id: string | null;
  /** Applied to the connection the token creates or updates (when not null). */
  identifier: string | null;
  /** Applied to the connection the token creates (hidden from the end user). */
  options: Record<string, unknown> | null;
  created_at: string;
  expires_at: string;
  /** When it was used ("one-time use"), or null. */
  used_at: string | null;
  /** The connection it created or updated, once used. */
  used_for: string | null;
}

/** The simulator's whole state: plain JSON, persisted by the kit when a state file is given; it holds no secret. */
export interface LeenSimState {
  organizations: SimOrganization[];
  connections: SimConnection[];
  jobs: LeenJob[];
  invite_tokens: SimInviteToken[];
}

/** A state file of an older simulator: connections kept their credentials in the clear, and may lack `auth` (and invite tokens). */
interface SavedState {
  organizations?: SimOrganization[];
  connections?: Array<
    Omit<SimConnection, 'auth'> & { auth?: SimConnection['auth']; credentials?: Record<string, unknown> }
  >;
  jobs?: LeenJob[];
  /** Absent before the simulator minted invite tokens. */
  invite_tokens?: SimInviteToken[];
}

export function healthOf(name: LeenHealthName, details: LeenHealthDetail[] | null = null): LeenHealth {
  const row = HEALTH_ROWS[name];
  return {
    name,
    status: row.status,
    resolution_owner: row.resolution_owner,
    description: row.description,
    details,
  };
}

function findConnection(state: LeenSimState, connectionId: string): SimConnection {
  const conn = state.connections.find((c) => c.id === connectionId);
  if (!conn) throw new Error(`no simulated Leen connection ${connectionId}`);
  return conn;
}

/** Sets a connection's health to a row of Leen's health table (as a job run would). */
export function setConnectionHealth(
  state: LeenSimState,
  connectionId: string,
  name: LeenHealthName,
  details: LeenHealthDetail[] | null = null,
): void {
  findConnection(state, connectionId).health = healthOf(name, details);
}

/** Records a job of a connection; fields not given get plausible values. */
export function addJob(
  state: LeenSimState,
  connectionId: string,
  job: Partial<Omit<LeenJob, 'connection_id'>> = {},
): LeenJob {
  findConnection(state, connectionId);
  const status = job.status ?? 'SUCCEEDED';
  const started = job.started_at !== undefined ? job.started_at : new Date().toISOString();
  const record: LeenJob = {
    id: job.id ?? randomUUID(),
    connection_id: connectionId,
    status,
    data_export_type: job.data_export_type ?? 'vulnerabilities',
    started_at: status === 'PENDING' && job.started_at === undefined ? null : started,
    finished_at:
      job.finished_at !== undefined
        ? job.finished_at
        : status === 'SUCCEEDED' || status === 'FAILED'
          ? started
          : null,
    error: job.error !== undefined ? job.error : status === 'FAILED' ? 'Job failed' : null,
  };
  state.jobs.push(record);
  return record;
}

/** What the simulator keeps of credentials: a fingerprint and whether the credential test fails. */
export function credentialFacts(
  credentials: Record<string, unknown> | null | undefined,
): Pick<SimConnection, 'credentials_fingerprint' | 'credentials_test_fails'> {
  if (credentials === null || credentials === undefined)
    return { credentials_fingerprint: null, credentials_test_fails: false };
  const values = JSON.stringify(Object.values(credentials)).toLowerCase();
  return {
    credentials_fingerprint: fingerprint(credentials),
    credentials_test_fails: values.includes('invalid'),
  };
}

/** OAuth2 vendors authorize in a browser; SNYK does too unless it was given more than `base_url` (its API-key mode). */
export function authModeOf(
  vendor: LeenVendor,
  credentials: Record<string, unknown> | null | undefined,
): SimConnection['auth'] {
  if (!isOAuth2Vendor(vendor)) return 'credentials';
  if (vendor === 'SNYK' && credentials && Object.keys(credentials).some((k) => k !== 'base_url'))
    return 'credentials';
  return 'oauth2';
}

/** Adds the demo organization, its connections and jobs (fixed ids); returns the organization id. */
export function seedDemo(state: LeenSimState, now = Date.now()): string {
  const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
  const org: SimOrganization = {
    id: DEMO_ORG.id,
    name: DEMO_ORG.name,
    identifier: DEMO_ORG.identifier,
    created_at: at(24 * 30),
  };
  state.organizations.push(org);
  DEMO_CONNECTIONS.forEach((seed, i) => {
    const created = at(24 * (14 - i));
    const conn: SimConnection = {
      id: seed.id,
      vendor: seed.vendor,
      organization_id: org.id,
      state: seed.state,
      refresh_interval_secs: DEFAULT_REFRESH_INTERVAL_SECS,
      timeout_secs: DEFAULT_TIMEOUT_SECS,
      created_at: created,
      updated_at: created,
      health: healthOf(seed.health),
      identifier: seed.identifier,
      ...credentialFacts(seed.credentials),
      auth: authModeOf(seed.vendor, seed.credentials),
      oauth2_redirect_urls: null,
    };
    state.connections.push(conn);
    for (const job of seed.jobs) {
      const started = at(job.hoursAgo);
      const done = job.status === 'SUCCEEDED' || job.status === 'FAILED';
      addJob(state, conn.id, {
        status: job.status,
        data_export_type: job.data_export_type,
        started_at: started,
        finished_at: done ? new Date(Date.parse(started) + 12 * 60_000).toISOString() : null,
        error: job.error ?? null,
      });
    }
  });
  return org.id;
}

/** The demo organization's id, if the state has one. */
export function demoOrganizationId(state: LeenSimState): string | undefined {
  return state.organizations.find((o) => o.identifier === DEMO_ORG.identifier)?.id;
}

/** With `seedDemo`, adds the demo organization when the state has none (never over restored data). */
function withDemo(state: LeenSimState, seed: boolean): LeenSimState {
  if (seed && demoOrganizationId(state) === undefined) seedDemo(state);
  return state;
}

export function freshState(seed: boolean): LeenSimState {
  return withDemo({ organizations: [], connections: [], jobs: [], invite_tokens: [] }, seed);
}

/**
 * A state file's state in today's shape. An older simulator kept credentials in the clear: they
 * are replaced with their facts here (the kit rewrites the file right after start).
 */
export function restoreState(saved: unknown, seed: boolean): LeenSimState {
  const restored = saved as SavedState;
  const connections = restored.connections ?? [];
  for (const conn of connections) {
    if (conn.credentials !== undefined) {
      Object.assign(conn, credentialFacts(conn.credentials));
      delete conn.credentials;
    }
    conn.auth ??= authModeOf(conn.vendor, null);
  }
  return withDemo(
    {
      organizations: restored.organizations ?? [],
      connections: connections as SimConnection[],
      jobs: restored.jobs ?? [],
      invite_tokens: restored.invite_tokens ?? [],
    },
    seed,
  );
}
