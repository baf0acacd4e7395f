import type { Credentials } from '../../core/adapter.js';
import {
  HEALTH_STATUSES,
  UNKNOWN_HEALTH,
  type ConnectionStatus,
  type Health,
  type HealthStatus,
  type Job,
  type UpstreamConnection,
} from '../../core/connection.js';
import { pointer } from '../../core/validation.js';
import type {
  LeenConnectionIn,
  LeenCreateConnectionBody,
  LeenJobIn,
  LeenState,
  LeenUpdateConnectionBody,
} from './api-types.js';
import { credentialTypeOf, type LeenOptions, type LeenVendor } from './catalog.js';

/**
 * The one place where Leen's spelling meets the canonical one (contract §4, leen column), in both
 * directions. Pure: inputs were checked by the gateway before they reach these functions.
 */

const STATE_TO_STATUS: Record<LeenState, ConnectionStatus> = {
  PENDING: 'pending',
  ACTIVE: 'active',
  PAUSED: 'paused',
  DELETED: 'deleted',
};

/**
 * `state` lower-cased. A state outside Leen's documented enum is shown as `disabled` (the
 * connection exists but is not syncing in a way the gateway understands) rather than failing a list.
 */
export function statusFromState(state: string): ConnectionStatus {
  return Object.hasOwn(STATE_TO_STATUS, state) ? STATE_TO_STATUS[state as LeenState] : 'disabled';
}

/** The statuses a caller may set: pausing and resuming (contract §4). */
export const WRITABLE_STATUS = ['active', 'paused'] as const satisfies readonly ConnectionStatus[];
export type WritableStatus = (typeof WRITABLE_STATUS)[number];

/** Canonical writable status → Leen `state`. */
export function stateFromStatus(status: WritableStatus): LeenState {
  return status === 'active' ? 'ACTIVE' : 'PAUSED';
}

/** A connection that waits for the end user to authorize it at `oauth2_authorize_url`. */
function awaitsAuthorization(c: LeenConnectionIn): boolean {
  return c.state === 'PENDING' && typeof c.oauth2_authorize_url === 'string' && c.oauth2_authorize_url !== '';
}

const AWAITING_AUTHORIZATION: Health = {
  status: 'unknown',
  description:
    'Waiting for the end user to authorize the connection at details.oauth2_authorize_url; no sync has run yet.',
  resolution_owner: 'CUSTOMER',
};

/**
 * `health` with its status lower-cased; a status outside the canonical set is `unknown`. Health is
 * the outcome of the latest sync job, so a connection still waiting for OAuth2 authorization is
 * `unknown` whatever Leen reports: nobody has been asked to act on anything yet.
 */
export function healthFromLeen(c: LeenConnectionIn): Health {
  if (awaitsAuthorization(c)) return AWAITING_AUTHORIZATION;
  const health = c.health;
  if (!health) return UNKNOWN_HEALTH;
  const lower = health.status.toLowerCase();
  const status: HealthStatus = (HEALTH_STATUSES as readonly string[]).includes(lower)
    ? (lower as HealthStatus)
    : 'unknown';
  return {
    status,
    description: health.description ?? null,
    resolution_owner: health.resolution_owner ?? null,
  };
}

export function connectionFromLeen(c: LeenConnectionIn): UpstreamConnection {
  const pending = awaitsAuthorization(c);
  return {
    external_id: c.id,
    kind: c.vendor,
    name: c.identifier ?? null,
    status: statusFromState(c.state),
    health: healthFromLeen(c),
    // Credentials are write-only at Leen. A connection waiting for OAuth2 consent has none yet;
    // any other connection holds what Leen needs to sync.
    credentials: {
      configured: !pending,
      type: pending ? 'oauth2' : credentialTypeOf(c.vendor),
      updated_at: null,
    },
    settings: {},
    details: {
      is_active: c.is_active ?? c.state === 'ACTIVE',
      refresh_interval_secs: c.refresh_interval_secs ?? null,
      timeout_secs: c.timeout_secs ?? null,
      oauth2_authorize_url: c.oauth2_authorize_url ?? null,
      health_details: c.health?.details ?? null,
    },
    created_at: c.created_at ?? null,
    updated_at: c.updated_at ?? null,
  };
}

export function jobFromLeen(j: LeenJobIn): Job {
  return {
    id: j.id,
    status: j.status?.toLowerCase() ?? 'unknown',
    type: j.data_export_type ?? null,
    started_at: j.started_at ?? null,
    finished_at: j.finished_at ?? null,
    detail: j.error ?? null,
  };
}

/** The canonical create body for `leen`, minus `provider` and `credentials`, as the gateway parsed it. */
export type LeenCreateInput = {
  kind: LeenVendor;
  name?: string | null | undefined;
  options?: LeenOptions | null | undefined;
};

/** Canonical create → Leen Create Connection body. Empty credentials (an OAuth2 vendor) are left out. */
export function createBodyToLeen(
  input: LeenCreateInput,
  credentials: Credentials | undefined,
): LeenCreateConnectionBody {
  const body: LeenCreateConnectionBody = { vendor: input.kind };
  if (credentials !== undefined && Object.keys(credentials).length > 0) body.credentials = credentials;
  if (input.name !== undefined) body.identifier = input.name;
  if (input.options !== undefined && input.options !== null) body.options = input.options;
  return body;
}

/**
 * Canonical change → Leen Update Connection body. `state` is always sent: one published revision
 * of Update Connection defaults an omitted `state` to ACTIVE, so a rename must carry the state the
 * connection is in (`currentState`) or it could resume a paused connection.
 */
export function changeToLeen(
  change: { name?: string | null; status?: WritableStatus; credentials?: Credentials },
  currentState: string,
): LeenUpdateConnectionBody {
  const body: LeenUpdateConnectionBody = {
    state: change.status !== undefined ? stateFromStatus(change.status) : (currentState as LeenState),
  };
  if (change.name !== undefined) body.identifier = change.name;
  if (change.credentials !== undefined) body.credentials = change.credentials;
  return body;
}

/** Leen's body field → the canonical field it came from. */
const CANONICAL_FIELD: Record<string, string> = { identifier: 'name', vendor: 'kind', state: 'status' };

/**
 * A FastAPI error location (`["body", "credentials", "client_key"]`) as a JSON pointer into the
 * caller's request (`/credentials/client_key`), or null when it is not about the body.
 */
export function pointerFromLoc(loc: ReadonlyArray<string | number>): string | null {
  if (loc[0] !== 'body') return null;
  const [field, ...rest] = loc.slice(1);
  if (field === undefined) return '';
  const canonical = typeof field === 'string' ? (CANONICAL_FIELD[field] ?? field) : field;
  return pointer([canonical, ...rest]);
}
