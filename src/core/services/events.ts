import { validationError } from '../errors.js';
import type { EventRow } from '../../storage/storage.js';
import type { RequestContext, ServiceDeps } from './context.js';
import type { OrganizationService } from './organizations.js';

export type AuditEvent = Omit<EventRow, 'seq'>;

/** Audit events (contract §8): oldest first, never a secret's value (only the names of changed fields). */
export class EventService {
  constructor(private readonly deps: ServiceDeps, private readonly organizations: OrganizationService) {}

  async list(ctx: RequestContext, orgId: string, q: { after?: string | undefined; limit: number }): Promise<{ data: AuditEvent[]; next_cursor: string | null }> {
    await this.organizations.require(ctx, orgId);
    const rows = await this.deps.storage.listEvents(orgId, q.after ?? null, q.limit + 1);
    if (rows === null) throw validationError([{ pointer: '/after', message: 'not an event id of this organization' }]);
    const data = rows.slice(0, q.limit).map(({ seq: _seq, ...e }) => e);
    return { data, next_cursor: rows.length > q.limit ? (data.at(-1)?.id ?? null) : null };
  }
}
