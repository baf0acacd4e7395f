import { validationError } from '../errors.js';
import type { EventRow } from '../../storage/storage.js';
import type { RequestContext, ServiceDeps } from './context.js';
import type { OrganizationService } from './organizations.js';

export type AuditEvent = Omit<EventRow, 'seq'>;

/**
 * Audit events (contract §8): oldest first, never a secret's value (only the names of changed
 * fields). Pages with the signed `cursor` like every list; `after=<event id>` is kept as an alias.
 */
export class EventService {
  constructor(private readonly deps: ServiceDeps, private readonly organizations: OrganizationService) {}

  async list(ctx: RequestContext, orgId: string, q: { cursor?: string | undefined; after?: string | undefined; limit: number }): Promise<{ data: AuditEvent[]; next_cursor: string | null }> {
    await this.organizations.require(ctx, orgId);
    if (q.cursor !== undefined && q.after !== undefined) {
      throw validationError([{ pointer: '/after', message: 'give either cursor or after (its alias), not both' }]);
    }
    const scope = `events:${orgId}`;
    const after = q.cursor !== undefined ? this.deps.cursors.decode<{ after: string }>(scope, q.cursor).after : (q.after ?? null);
    const rows = await this.deps.storage.listEvents(orgId, after, q.limit + 1);
    if (rows === null) throw validationError([{ pointer: q.cursor !== undefined ? '/cursor' : '/after', message: 'not an event of this organization' }]);
    const data = rows.slice(0, q.limit).map(({ seq: _seq, ...e }) => e);
    const last = data.at(-1);
    return { data, next_cursor: rows.length > q.limit && last ? this.deps.cursors.encode(scope, { after: last.id }) : null };
  }
}
