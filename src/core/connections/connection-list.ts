import type { ProviderAdapter } from '../adapter.js';
import type { Connection, ConnectionStatus } from '../connection.js';
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

/** Upstream calls one list page may make before it answers with what it has. */
const MAX_LIST_CALLS = 10;

/** Where a walk is: organization, filters, the provider being read and its own cursor there. */
interface ListCursor {
  o: string;
  f: [string | null, string | null];
  p: string;
  c: string | null;
}

/**
 * The connection list (contract §6): walks the organization's linked providers in provider-id
 * order, one page of one provider after another, under one signed cursor that records the
 * provider and that provider's own position. A provider that fails is reported in `errors` and
 * skipped (`incomplete: true`), unless the caller asked for `strict`.
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
      throw validationError([{ pointer: '/provider', message: `not a configured provider id (configured: ${[...this.providers.keys()].join(', ')})` }]);
    }
    const linked = [...this.providers.keys()].filter((id) => org.links[id] !== undefined && (q.provider === undefined || q.provider === id)).sort();
    const filter: ListCursor['f'] = [q.provider ?? null, q.status ?? null];
    let position = { p: linked[0], c: null as string | null };
    if (q.cursor) {
      const c = this.cursors.decode<ListCursor>('connections', q.cursor);
      if (c.o !== orgId || c.f[0] !== filter[0] || c.f[1] !== filter[1]) {
        throw validationError([{ pointer: '/cursor', message: 'cursor belongs to another list or filter' }], 'The cursor is not valid.');
      }
      position = { p: c.p, c: c.c };
    }
    let index = position.p === undefined ? linked.length : linked.indexOf(position.p);
    if (index < 0) index = linked.length; // the provider was unlinked mid-walk: nothing left there
    let upstreamCursor = position.c ?? undefined;
    const data: Connection[] = [];
    const errors: NonNullable<ConnectionList['errors']> = [];
    for (let calls = 0; data.length < q.limit && index < linked.length && calls < MAX_LIST_CALLS; calls++) {
      const providerId = linked[index] as string;
      const adapter = this.providers.get(providerId) as ProviderAdapter;
      const externalOrgId = org.links[providerId] as string;
      try {
        const page = await adapter.list(ctx, externalOrgId, { limit: q.limit - data.length, cursor: upstreamCursor });
        const rows = await this.index.adoptListed(orgId, adapter, externalOrgId, page.items, timestamp({ now: this.now }));
        const meta = await this.vault.meta(rows.map((r) => r.id));
        const mapped = page.items.map((u, i) => {
          const row = rows[i] as (typeof rows)[number];
          return canonicalConnection(row, adapter, u, meta.get(row.id) ?? null);
        });
        data.push(...mapped.filter((c) => q.status === undefined || c.status === q.status));
        if (page.nextCursor !== null) {
          upstreamCursor = page.nextCursor;
          continue;
        }
      } catch (e) {
        if (q.strict || !isGatewayError(e) || linked.length === 1) throw e;
        errors.push({ provider: providerId, code: e.code, detail: e.message });
      }
      index += 1;
      upstreamCursor = undefined;
    }
    const nextProvider = linked[index];
    const next = nextProvider === undefined ? null
      : this.cursors.encode('connections', { o: orgId, f: filter, p: nextProvider, c: upstreamCursor ?? null } satisfies ListCursor);
    return errors.length > 0 ? { data, next_cursor: next, incomplete: true, errors } : { data, next_cursor: next };
  }
}
