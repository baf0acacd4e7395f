import { validationError } from '../errors.js';
import { newId } from '../ids.js';
import type { EventRow, NewEvent } from '../storage.js';
import type { RequestContext, ServiceDeps } from './context.js';
import type { OrganizationService } from './organizations.js';

export type AuditEvent = Omit<EventRow, 'seq' | 'data' | 'connection'> & Record<string, unknown>;

/** An event as the API shows it: its fields and those of its type (`data`); its connection only goes out in webhooks. */
export function auditView({ seq: _seq, data, connection: _connection, ...e }: EventRow): AuditEvent {
  return { ...data, ...e };
}

/**
 * The event of a change made by `ctx`'s caller, to be stored in the change's own transaction.
 * `type` is open-ended (`connection.updated`, `organization.deleted`, …); `changed` holds the names
 * of the fields the change touched, never a value; `connection_id` is null for an organization's.
 */
export function auditEvent(
  ctx: RequestContext,
  type: string,
  organizationId: string,
  connectionId: string | null,
  changed: readonly string[],
  at: string,
): NewEvent {
  return {
    id: newId('ev'),
    type,
    organization_id: organizationId,
    connection_id: connectionId,
    actor: ctx.caller.actor,
    changed: [...changed].sort(),
    request_id: ctx.requestId,
    at,
  };
}

/**
 * An event the gateway records itself, noticed rather than asked for (a connection found in a list,
 * one gone at its provider, the monitor's): its actor is `gateway`.
 */
export function gatewayEvent(
  type: string,
  row: { organization_id: string; id: string },
  changed: readonly string[],
  at: string,
  requestId: string | null,
): NewEvent {
  return {
    id: newId('ev'),
    type,
    organization_id: row.organization_id,
    connection_id: row.id,
    actor: 'gateway',
    changed: [...changed].sort(),
    request_id: requestId,
    at,
  };
}

/**
 * Audit events (contract §8): oldest first, never a secret's value (only the names of changed
 * fields). Pages with the signed `cursor` like every list; `after=<event id>` is kept as an alias.
 */
export class EventService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly organizations: OrganizationService,
  ) {}

  /** The gateway's whole audit trail (the admin's): every organization's, deleted ones too, and the gateway's own. */
  async listAll(q: {
    cursor?: string | undefined;
    limit: number;
  }): Promise<{ data: AuditEvent[]; next_cursor: string | null }> {
    const after =
      q.cursor !== undefined ? this.deps.cursors.decode<{ seq: number }>('events:*', q.cursor).seq : 0;
    const rows = await this.deps.storage.listAllEvents(after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      data: page.map(auditView),
      next_cursor:
        rows.length > q.limit && last ? this.deps.cursors.encode('events:*', { seq: last.seq }) : null,
    };
  }

  async list(
    ctx: RequestContext,
    orgId: string,
    q: { cursor?: string | undefined; after?: string | undefined; limit: number },
  ): Promise<{ data: AuditEvent[]; next_cursor: string | null }> {
    await this.organizations.require(ctx, orgId);
    if (q.cursor !== undefined && q.after !== undefined) {
      throw validationError([
        { pointer: '/after', message: 'give either cursor or after (its alias), not both' },
      ]);
    }
    const scope = `events:${orgId}`;
    const after =
      q.cursor !== undefined
        ? this.deps.cursors.decode<{ after: string }>(scope, q.cursor).after
        : (q.after ?? null);
    const rows = await this.deps.storage.listEvents(orgId, after, q.limit + 1);
    if (rows === null)
      throw validationError([
        {
          pointer: q.cursor !== undefined ? '/cursor' : '/after',
          message: 'not an event of this organization',
        },
      ]);
    const data = rows.slice(0, q.limit).map(auditView);
    const last = data.at(-1);
    return {
      data,
      next_cursor: rows.length > q.limit && last ? this.deps.cursors.encode(scope, { after: last.id }) : null,
    };
  }
}
