import type { ProviderAdapter } from '../adapter.js';
import type { Connection, ConnectionStatus, HealthStatus } from '../connection.js';
import type { CursorCodec } from '../cursor.js';
import { isGatewayError, validationError } from '../errors.js';
import { timestamp, type RequestContext } from '../services/context.js';
import type { OrganizationService } from '../services/organizations.js';
import { canonicalConnection } from './canonical.js';
import type { ConnectionIndex } from './connection-index.js';
import type { CredentialVault } from './credential-vault.js';

export interface ListQuery {
  provider?: string | undefined;
  status?: ConnectionStatus | undefined;
  health?: HealthStatus | undefined;
  limit: number;
  cursor?: string | undefined;
  strict?: boolean | undefined;
}

export interface ConnectionList {
  data: Connection[];
  next_cursor: string | null;
  incomplete?: true;
  errors?: Array<{ provider: string; code: string; detail: string }>;
}

/** Rounds of concurrent calls one list page may make (a status filter can thin a round out) before it answers with what it has. */
const MAX_ROUNDS = 4;

/**
 * Where a walk is: organization, filters, and each provider still to read with its own cursor
 * there (null: from the start). A provider absent from `s` is done.
 */
interface ListCursor {
  o: string;
  /** The filters: provider, status, health (a cursor made before health filters has two). */
  f: [string | null, string | null, (string | null)?];
  s: Array<[string, string | null]>;
}

/** `total` split over `n` shares as evenly as can be, the larger shares first. */
function shares(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/**
 * The connection list (contract §6): asks the organization's linked providers concurrently, each
 * for its share of the page, under one signed cursor that keeps every provider's own position. A
 * page holds each provider's items in provider-id order; a provider that ran dry leaves its share
 * to the others in a further round. A provider that fails is reported in `errors` and left out of
 * the rest of the walk (`incomplete: true`), unless the caller asked for `strict`; when every
 * provider asked fails, the answer is the first one's error.
 */
export class ConnectionLister {
  constructor(
    private readonly providers: ReadonlyMap<string, ProviderAdapter>,
    private readonly cursors: CursorCodec,
    private readonly organizations: OrganizationService,
    private readonly index: ConnectionIndex,
    private readonly vault: CredentialVault,
    private readonly now: () => Date,
  ) {}

  async list(ctx: RequestContext, orgId: string, q: ListQuery): Promise<ConnectionList> {
    const org = await this.organizations.require(ctx, orgId);
    if (q.provider !== undefined && !this.providers.has(q.provider)) {
      throw validationError([
        {
          pointer: '/provider',
          message: `not a configured provider id (configured: ${[...this.providers.keys()].join(', ')})`,
        },
      ]);
    }
    const linked = [...this.providers.keys()]
      .filter((id) => org.links[id] !== undefined && (q.provider === undefined || q.provider === id))
      .sort();
    const filter: ListCursor['f'] = [q.provider ?? null, q.status ?? null, q.health ?? null];
    // Each provider still to read → its upstream cursor (null: from the start).
    let positions = new Map<string, string | null>(linked.map((id) => [id, null]));
    if (q.cursor) {
      const c = this.cursors.decode<Partial<ListCursor>>('connections', q.cursor);
      if (
        c.o !== orgId ||
        c.f?.[0] !== filter[0] ||
        c.f[1] !== filter[1] ||
        (c.f[2] ?? null) !== filter[2] ||
        !Array.isArray(c.s)
      ) {
        throw validationError(
          [{ pointer: '/cursor', message: 'cursor belongs to another list or filter' }],
          'The cursor is not valid.',
        );
      }
      // A provider unlinked mid-walk has nothing left to give.
      positions = new Map(c.s.filter(([id]) => linked.includes(id)));
    }

    const data: Connection[] = [];
    const errors: NonNullable<ConnectionList['errors']> = [];
    let asked = 0;
    for (let round = 0; round < MAX_ROUNDS && data.length < q.limit && positions.size > 0; round++) {
      const turn = [...positions.keys()].sort();
      const split = shares(q.limit - data.length, turn.length);
      const calls = turn.map((id, i) => ({ id, limit: split[i] as number })).filter((t) => t.limit > 0);
      asked += calls.length;
      const pages = await Promise.allSettled(
        calls.map((t) =>
          this.#page(
            ctx,
            orgId,
            org.links[t.id] as string,
            t.id,
            t.limit,
            positions.get(t.id) ?? undefined,
            q,
          ),
        ),
      );
      pages.forEach((page, i) => {
        const id = (calls[i] as (typeof calls)[number]).id;
        if (page.status === 'fulfilled') {
          data.push(...page.value.items);
          if (page.value.nextCursor === null) positions.delete(id);
          else positions.set(id, page.value.nextCursor);
          return;
        }
        const e: unknown = page.reason;
        if (q.strict || !isGatewayError(e)) throw e;
        errors.push({ provider: id, code: e.code, detail: e.message });
        positions.delete(id);
      });
      // Every provider asked failed and there is nothing to show: an error, not an empty page.
      if (errors.length === asked && errors.length > 0) {
        throw pages.find((p): p is PromiseRejectedResult => p.status === 'rejected')?.reason as Error;
      }
    }
    const next =
      positions.size === 0
        ? null
        : this.cursors.encode('connections', {
            o: orgId,
            f: filter,
            s: [...positions].sort(([a], [b]) => (a < b ? -1 : 1)),
          } satisfies ListCursor);
    return errors.length > 0
      ? { data, next_cursor: next, incomplete: true, errors }
      : { data, next_cursor: next };
  }

  /**
   * Every connection of one provider entry's organization, page by page, through the list path
   * (adoption into the index, discovered connections recorded, the canonical mapping): what the
   * monitor compares. A failing page is tried again while `retry(error)` says so (it may wait).
   */
  async walk(
    ctx: RequestContext,
    orgId: string,
    externalOrgId: string,
    providerId: string,
    pageSize: number,
    onPage: (items: Connection[]) => Promise<void>,
    retry: (e: unknown) => Promise<boolean>,
  ): Promise<void> {
    let cursor: string | undefined;
    for (;;) {
      let page: { items: Connection[]; nextCursor: string | null };
      for (;;) {
        try {
          page = await this.#page(ctx, orgId, externalOrgId, providerId, pageSize, cursor, {
            limit: pageSize,
          });
          break;
        } catch (e) {
          if (!(await retry(e))) throw e;
        }
      }
      await onPage(page.items);
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  /** One provider's page, adopted into the index and mapped (status-filtered). */
  async #page(
    ctx: RequestContext,
    orgId: string,
    externalOrgId: string,
    providerId: string,
    limit: number,
    cursor: string | undefined,
    q: ListQuery,
  ): Promise<{ items: Connection[]; nextCursor: string | null }> {
    const adapter = this.providers.get(providerId) as ProviderAdapter;
    const page = await adapter.list(ctx, externalOrgId, { limit, cursor });
    const rows = await this.index.adoptListed(
      orgId,
      adapter,
      externalOrgId,
      page.items,
      timestamp({ now: this.now }),
      ctx.requestId,
    );
    const meta = await this.vault.meta(rows.map((r) => r.id));
    const items = page.items.map((u, i) => {
      const row = rows[i] as (typeof rows)[number];
      return canonicalConnection(row, adapter, u, meta.get(row.id) ?? null);
    });
    return {
      items: items.filter(
        (c) =>
          (q.status === undefined || c.status === q.status) &&
          (q.health === undefined || c.health.status === q.health),
      ),
      nextCursor: page.nextCursor,
    };
  }
}
