import { z } from 'zod';
import { canSeeOrganization } from '../caller.js';
import { GatewayError, validationError } from '../errors.js';
import { newId } from '../ids.js';
import { parseOrThrow } from '../validation.js';
import type { OrganizationRow } from '../../storage/storage.js';
import { timestamp, type RequestContext, type ServiceDeps } from './context.js';

export interface Organization {
  id: string;
  name: string;
  links: Record<string, string>;
  created_at: string;
  updated_at: string;
}

const OrgId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match ^[a-zA-Z0-9_-]{1,64}$');
const Name = z.string().min(1).max(200);
const LinkValue = z.string().min(1).max(200);

const CreateBody = z.strictObject({
  id: OrgId.optional(),
  name: Name,
  links: z.record(z.string(), LinkValue).default({}),
});

const PatchBody = z.strictObject({
  name: Name.optional(),
  links: z.record(z.string(), LinkValue.nullable()).optional(),
});

const toOrganization = (r: OrganizationRow): Organization => ({ ...r });

export class OrganizationService {
  constructor(private readonly deps: ServiceDeps) {}

  #checkLinks(links: Record<string, unknown>): void {
    const unknown = Object.keys(links).filter((k) => !this.deps.providers.has(k));
    if (unknown.length > 0) {
      throw validationError(unknown.map((k) => ({ pointer: `/links/${k}`, message: `not a configured provider id (configured: ${[...this.deps.providers.keys()].join(', ')})` })));
    }
  }

  /** The organization, or 404 when absent or outside the caller's reach (indistinguishable). */
  async require(ctx: RequestContext, id: string): Promise<OrganizationRow> {
    const row = canSeeOrganization(ctx.caller, id) ? await this.deps.storage.getOrganization(id) : null;
    if (!row) throw new GatewayError('not_found', `No organization ${JSON.stringify(id)}.`);
    return row;
  }

  async create(ctx: RequestContext, body: unknown): Promise<Organization> {
    const input = parseOrThrow(CreateBody, body);
    this.#checkLinks(input.links);
    const id = input.id ?? newId('org');
    if (!canSeeOrganization(ctx.caller, id)) throw new GatewayError('forbidden', 'This key may not create that organization.');
    const now = timestamp(this.deps);
    const row: OrganizationRow = { id, name: input.name, links: input.links, created_at: now, updated_at: now };
    if (!(await this.deps.storage.createOrganization(row))) throw new GatewayError('conflict', `Organization ${JSON.stringify(id)} already exists.`);
    return toOrganization(row);
  }

  async get(ctx: RequestContext, id: string): Promise<Organization> {
    return toOrganization(await this.require(ctx, id));
  }

  async list(ctx: RequestContext, page: { limit: number; cursor: string | undefined }): Promise<{ data: Organization[]; next_cursor: string | null }> {
    let after = page.cursor ? this.deps.cursors.decode<{ after: string }>('organizations', page.cursor).after : null;
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
    return { data, next_cursor: visible.length > page.limit && last ? this.deps.cursors.encode('organizations', { after: last.id }) : null };
  }

  async patch(ctx: RequestContext, id: string, body: unknown): Promise<Organization> {
    const row = await this.require(ctx, id);
    const input = parseOrThrow(PatchBody, body);
    const links = { ...row.links };
    if (input.links) {
      this.#checkLinks(input.links);
      for (const [k, v] of Object.entries(input.links)) {
        if (v === null) delete links[k];
        else links[k] = v;
      }
    }
    const next: OrganizationRow = { ...row, name: input.name ?? row.name, links, updated_at: timestamp(this.deps) };
    await this.deps.storage.updateOrganization(next);
    return toOrganization(next);
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.require(ctx, id);
    await this.deps.storage.deleteOrganization(id);
  }
}
