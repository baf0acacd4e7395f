import { z } from 'zod';
import { canSeeOrganization } from '../caller.js';
import { GatewayError, validationError, type FieldProblem } from '../errors.js';
import { newId } from '../ids.js';
import { unsafeSegment } from '../segment.js';
import { pointer, StoredName } from '../validation.js';
import type { OrganizationRow } from '../storage.js';
import { timestamp, type RequestContext, type ServiceDeps } from './context.js';
import { auditEvent } from './events.js';

export interface Organization {
  id: string;
  name: string;
  links: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export const OrgId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match ^[a-zA-Z0-9_-]{1,64}$');
const LinkValue = z.string().min(1).max(200);

export const CreateOrganizationBody = z
  .strictObject({
    id: OrgId.optional().describe('Made up (`org_…`) when absent.'),
    name: StoredName,
    links: z
      .record(z.string(), LinkValue)
      .default({})
      .describe(
        'Configured provider id → the organization id at that provider, in that provider\'s format (never ".", "..", a separator or a control character).',
      ),
  })
  .meta({ id: 'CreateOrganization' });
export type CreateOrganizationInput = z.output<typeof CreateOrganizationBody>;

export const PatchOrganizationBody = z
  .strictObject({
    name: StoredName.optional(),
    links: z
      .record(z.string(), LinkValue.nullable())
      .optional()
      .describe('JSON Merge Patch of the links: null removes one.'),
  })
  .meta({ id: 'PatchOrganization' });
export type PatchOrganizationInput = z.infer<typeof PatchOrganizationBody>;

const toOrganization = (r: OrganizationRow): Organization => ({ ...r });
/** Deleted by another request after this one found it. */
const gone = (id: string) => new GatewayError('not_found', `No organization ${JSON.stringify(id)}.`);

export class OrganizationService {
  /** Organizations already read for a request: the route's guard and the service share one read. */
  readonly #seen = new WeakMap<RequestContext, Map<string, OrganizationRow>>();

  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Each link's key is a configured provider id, and each value (null: removed) is a safe upstream
   * path segment (core/segment.ts) in that provider's documented format (its adapter's
   * LinkFormat). A link becomes a segment of every upstream path of the organization, so a value
   * like `..` must never be stored. One problem per link, by pointer; messages never echo a value.
   */
  #checkLinks(links: Record<string, string | null>): void {
    const problems: FieldProblem[] = [];
    for (const [key, value] of Object.entries(links)) {
      const at = pointer(['links', key]);
      const adapter = this.deps.providers.get(key);
      if (!adapter) {
        problems.push({
          pointer: at,
          message: `not a configured provider id (configured: ${[...this.deps.providers.keys()].join(', ')})`,
        });
        continue;
      }
      if (value === null) continue;
      const problem = unsafeSegment(value) ?? adapter.linkFormat.problem(value);
      if (problem !== null) problems.push({ pointer: at, message: problem });
    }
    if (problems.length > 0) throw validationError(problems, 'The links are not valid.');
  }

  /** The organization, or 404 when absent or outside the caller's reach (indistinguishable). */
  async require(ctx: RequestContext, id: string): Promise<OrganizationRow> {
    const cached = this.#seen.get(ctx)?.get(id);
    if (cached) return cached;
    const row = canSeeOrganization(ctx.caller, id) ? await this.deps.storage.getOrganization(id) : null;
    if (!row) throw new GatewayError('not_found', `No organization ${JSON.stringify(id)}.`);
    this.remember(ctx, row);
    return row;
  }

  /** Keeps an organization read elsewhere (with a connection) for the rest of the request. */
  remember(ctx: RequestContext, row: OrganizationRow): void {
    let seen = this.#seen.get(ctx);
    if (!seen) this.#seen.set(ctx, (seen = new Map()));
    seen.set(row.id, row);
  }

  /** `input` as CreateOrganizationBody parsed it (the route's body). */
  async create(ctx: RequestContext, input: CreateOrganizationInput): Promise<Organization> {
    this.#checkLinks(input.links);
    const id = input.id ?? newId('org');
    if (!canSeeOrganization(ctx.caller, id))
      throw new GatewayError('forbidden', 'This key may not create that organization.');
    const now = timestamp(this.deps);
    const row: OrganizationRow = {
      id,
      name: input.name,
      links: input.links,
      created_at: now,
      updated_at: now,
    };
    const changed = Object.keys(input.links).length > 0 ? ['name', 'links'] : ['name'];
    if (
      !(await this.deps.storage.createOrganization(
        row,
        auditEvent(ctx, 'organization.created', id, null, changed, now),
      ))
    ) {
      throw new GatewayError('conflict', `Organization ${JSON.stringify(id)} already exists.`);
    }
    return toOrganization(row);
  }

  async get(ctx: RequestContext, id: string): Promise<Organization> {
    return toOrganization(await this.require(ctx, id));
  }

  async list(
    ctx: RequestContext,
    page: { limit: number; cursor: string | undefined },
  ): Promise<{ data: Organization[]; next_cursor: string | null }> {
    let after = page.cursor
      ? this.deps.cursors.decode<{ after: string }>('organizations', page.cursor).after
      : null;
    // Fetch one visible row past the page to know whether another page exists. Keys limited to
    // some organizations see only those, so keep reading until enough are visible or rows run out.
    const visible: OrganizationRow[] = [];
    for (;;) {
      const rows = await this.deps.storage.listOrganizations(after, page.limit + 1);
      for (const r of rows) {
        after = r.id;
        if (canSeeOrganization(ctx.caller, r.id)) visible.push(r);
        if (visible.length > page.limit) break;
      }
      if (visible.length > page.limit || rows.length <= page.limit) break;
    }
    const data = visible.slice(0, page.limit).map(toOrganization);
    const last = data.at(-1);
    return {
      data,
      next_cursor:
        visible.length > page.limit && last
          ? this.deps.cursors.encode('organizations', { after: last.id })
          : null,
    };
  }

  /** `{}` changes nothing (no write, no event) and returns the organization. */
  async patch(ctx: RequestContext, id: string, input: PatchOrganizationInput): Promise<Organization> {
    const row = await this.require(ctx, id);
    const changed = (['name', 'links'] as const).filter((k) => input[k] !== undefined);
    if (changed.length === 0) return toOrganization(row);
    const links = { ...row.links };
    if (input.links) {
      this.#checkLinks(input.links);
      for (const [k, v] of Object.entries(input.links)) {
        if (v === null) delete links[k];
        else links[k] = v;
      }
    }
    const now = timestamp(this.deps);
    const next: OrganizationRow = { ...row, name: input.name ?? row.name, links, updated_at: now };
    if (
      !(await this.deps.storage.updateOrganization(
        next,
        auditEvent(ctx, 'organization.updated', id, null, changed, now),
      ))
    )
      throw gone(id);
    this.#seen.get(ctx)?.set(id, next);
    return toOrganization(next);
  }

  /**
   * Deletes the gateway's record (nothing upstream): in one transaction its connections' sealed
   * credentials are deleted, their ids retired for good, and an `organization.deleted` event is
   * recorded. Its events are kept; an organization made later with the same id starts afresh.
   */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.require(ctx, id);
    const now = timestamp(this.deps);
    const deleted = await this.deps.storage.deleteOrganization(
      id,
      now,
      auditEvent(ctx, 'organization.deleted', id, null, [], now),
    );
    this.#seen.get(ctx)?.delete(id);
    if (!deleted) throw gone(id);
  }
}
