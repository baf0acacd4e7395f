import type { LinkFormat } from '../../core/adapter.js';

/** RFC 9562's string form of a UUID: 8-4-4-4-12 hex digits, either case (case-insensitive on input). */
export const LEEN_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A link to Leen is Leen's `organization_id`, a path parameter typed `string`, `format: uuid` on
 * every connection endpoint (docs/providers/leen.md §2): anything else is refused before it is
 * stored, as Leen itself would refuse it (a FastAPI 422) on every call.
 */
export const LEEN_LINK_FORMAT: LinkFormat = {
  description: 'a Leen organization id: a UUID (8-4-4-4-12 hex digits)',
  problem: (value) =>
    LEEN_UUID.test(value)
      ? null
      : 'must be a Leen organization id: a UUID such as 5d3e0c1a-7b2f-4e6d-9a8c-1f2e3d4c5b6a',
};
