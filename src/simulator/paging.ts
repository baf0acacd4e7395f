/** Paging helpers of the simulators: offsets (Auth0's and Leen's lists), cursors (Auth0's checkpoints, Versori's lists). */

/** At most `limit` items from `offset`, and the offset after them while more items remain. */
export function offsetPage<T>(
  all: readonly T[],
  offset: number,
  limit: number,
): { items: T[]; next: number | undefined } {
  const items = all.slice(offset, offset + limit);
  const end = offset + items.length;
  return { items, next: end < all.length ? end : undefined };
}

export interface CursorQuery {
  /** Page size. */
  first: number;
  /** Key of the item the page starts after. */
  after?: string | undefined;
  /** Key of the item the page ends before (the last `first` items before it). */
  before?: string | undefined;
}

/**
 * A page of `all` (sorted by `key`, ascending and distinct) at the cursor `q` gives: `next` and
 * `prev` are the keys of the page's last and first item while more items lie beyond them.
 */
export function cursorPage<T>(
  all: readonly T[],
  key: (item: T) => string,
  q: CursorQuery,
): { items: T[]; next?: string; prev?: string } {
  const { after, before } = q;
  let items: T[];
  if (after !== undefined) items = all.filter((x) => key(x) > after).slice(0, q.first);
  else if (before !== undefined) items = all.filter((x) => key(x) < before).slice(-q.first);
  else items = all.slice(0, q.first);
  const head = items[0];
  const tail = items.at(-1);
  const page: { items: T[]; next?: string; prev?: string } = { items };
  if (tail !== undefined && all.some((x) => key(x) > key(tail))) page.next = key(tail);
  if (head !== undefined && all.some((x) => key(x) < key(head))) page.prev = key(head);
  return page;
}

/** An opaque cursor for `text` (base64url). */
export function encodeCursor(text: string): string {
  return Buffer.from(text).toString('base64url');
}

/** The text of a cursor; whatever cannot be decoded is dropped, so callers check what comes out. */
export function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
}
