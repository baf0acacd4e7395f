import type { ConnectionChange, CreateInput, Credentials } from '../../core/adapter.js';
import {
  HEALTH_STATUSES, UNKNOWN_HEALTH,
  type ConnectionStatus, type Health, type HealthStatus, type Job, type UpstreamConnection,
} from '../../core/connection.js';
import { GatewayError, validationError, type FieldProblem } from '../../core/errors.js';
import { secret, type Secret } from '../../core/secret.js';
import { pointer } from '../../core/validation.js';
import type {
  LeenConnectionIn, LeenCreateConnectionBody, LeenHealthIn, LeenJobIn, LeenState, LeenUpdateConnectionBody,
} from './api-types.js';
import { credentialFamily, credentialIssues } from './fixtures.js';

/**
 * The one place where Leen's spelling meets the canonical one (contract §4, leen column), in both
 * directions: Leen → `UpstreamConnection`/`Job`, and canonical create/change → Leen request body.
 */

const STATE_TO_STATUS: Record<LeenState, ConnectionStatus> = {
  PENDING: 'pending',
  ACTIVE: 'active',
  PAUSED: 'paused',
  DELETED: 'deleted',
};

/**
 * `state` lower-cased. Leen's enum is open-ended in practice; a state we do not know is shown as
 * `disabled` (the connection exists but is not syncing in a way we understand) rather than failing
 * a whole list.
 */
export function statusFromState(state: string): ConnectionStatus {
  return Object.hasOwn(STATE_TO_STATUS, state) ? STATE_TO_STATUS[state as LeenState] : 'disabled';
}

/** The statuses a caller may set: pausing and resuming (contract §4). */
export const WRITABLE_STATUS = ['active', 'paused'] as const satisfies readonly ConnectionStatus[];

/** Canonical writable status → Leen `state`. */
export function stateFromStatus(status: ConnectionStatus): LeenState {
  if (!(WRITABLE_STATUS as readonly string[]).includes(status)) {
    throw new GatewayError('unsupported_change', `Status ${status} cannot be set on a Leen connection.`, {
      errors: [{ pointer: '/status', message: `Must be one of ${WRITABLE_STATUS.join(', ')}` }],
    });
  }
  return status.toUpperCase() as LeenState;
}

/** `health` with its status lower-cased; a status outside the canonical set is `unknown`. */
export function healthFromLeen(health: LeenHealthIn | null | undefined): Health {
  if (!health) return UNKNOWN_HEALTH;
  const lower = health.status.toLowerCase();
  const status: HealthStatus = (HEALTH_STATUSES as readonly string[]).includes(lower) ? (lower as HealthStatus) : 'unknown';
  return { status, description: health.description ?? null, resolution_owner: health.resolution_owner ?? null };
}

/** Canonical `credentials.type` of a vendor (never a secret), null for a vendor we do not know. */
export function credentialTypeOf(vendor: string): string | null {
  return credentialFamily(vendor)?.type ?? null;
}

export function connectionFromLeen(c: LeenConnectionIn): UpstreamConnection {
  return {
    external_id: c.id,
    kind: c.vendor,
    name: c.identifier ?? null,
    status: statusFromState(c.state),
    health: healthFromLeen(c.health),
    // Leen's credentials are required on create and write-only: configured, never readable.
    credentials: { configured: true, type: credentialTypeOf(c.vendor), updated_at: null },
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
    status: j.status.toLowerCase(),
    type: j.data_export_type ?? null,
    started_at: j.started_at ?? null,
    finished_at: j.finished_at ?? null,
    detail: j.error ?? null,
  };
}

/**
 * Reveals credentials and checks them against the vendor's schema. A failure names the fields
 * (`/credentials/<field>`) and never carries a value.
 */
function revealCredentials(vendor: string, credentials: Secret<Credentials>): Record<string, unknown> {
  const value = credentials.reveal();
  const issues = credentialIssues(vendor, value);
  if (issues.length > 0) {
    const problems: FieldProblem[] = issues.map((i) => ({ pointer: pointer(i.path, '/credentials'), message: i.message }));
    throw validationError(problems, `The credentials are not valid for vendor ${vendor}.`);
  }
  return value;
}

/** Canonical create body (+ wrapped credentials) → Leen Create Connection body. */
export function createBodyToLeen(input: CreateInput, credentials: Secret<Credentials> | undefined): LeenCreateConnectionBody {
  const vendor = input.kind;
  if (typeof vendor !== 'string' || !credentialFamily(vendor)) {
    throw validationError([{ pointer: '/kind', message: 'Must be a Leen vendor' }]);
  }
  // Credentials arrive wrapped, apart from the body; a body that still carries them is accepted too.
  const wrapped = credentials ?? (input.credentials !== undefined ? secret(input.credentials) : undefined);
  if (!wrapped) throw validationError([{ pointer: '/credentials', message: 'Required' }]);
  const body: LeenCreateConnectionBody = {
    vendor: vendor as LeenCreateConnectionBody['vendor'],
    credentials: revealCredentials(vendor, wrapped),
  };
  if (input.name !== undefined) body.identifier = input.name;
  if (input['options'] !== undefined) body.options = input['options'] as LeenCreateConnectionBody['options'];
  return body;
}

/** Canonical change → Leen Update Connection body, carrying only the fields present in the change. */
export function changeToLeen(vendor: string, change: ConnectionChange): LeenUpdateConnectionBody {
  if (change.settings !== undefined && Object.keys(change.settings).length > 0) {
    throw new GatewayError('unsupported_change', 'Leen connections have no settings.', {
      errors: [{ pointer: '/settings', message: 'Leen connections have no settings' }],
    });
  }
  const body: LeenUpdateConnectionBody = {};
  if (change.name !== undefined) body.identifier = change.name;
  if (change.status !== undefined) body.state = stateFromStatus(change.status);
  if (change.credentials !== undefined) body.credentials = revealCredentials(vendor, change.credentials);
  return body;
}
