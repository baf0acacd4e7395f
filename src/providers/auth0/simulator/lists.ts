import { encodeCursor, offsetPage } from '../../../simulator/paging.js';
import type { SimContext } from '../../../simulator/server.js';
import { CheckpointQuery, readQuery, type OffsetQuery } from './bodies.js';

/** Auth0's list envelopes (docs/providers/auth0.md §5). */

/** An offset page of `all`: a bare array, or `{start, limit, total, <key>}` with `include_totals`. */
export function offsetList(c: SimContext, key: string, all: unknown[], q: OffsetQuery): Response {
  const start = q.page * q.per_page;
  const { items } = offsetPage(all, start, q.per_page);
  return c.json(q.include_totals ? { start, limit: q.per_page, total: all.length, [key]: items } : items);
}

/** A checkpoint page of `all` (`from`/`take`, as other list endpoints page): `{<key>, next?}`, `next` opaque. */
export function checkpointList(c: SimContext, key: string, all: unknown[]): Response {
  const q = readQuery(c, CheckpointQuery);
  const { items, next } = offsetPage(all, q.from ?? 0, q.take);
  return c.json({ [key]: items, ...(next !== undefined ? { next: encodeCursor(String(next)) } : {}) });
}
