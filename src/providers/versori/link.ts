import type { LinkFormat } from '../../core/adapter.js';

/**
 * A link to Versori is Switchboard's `organisationId`: a path parameter of type `string` with no
 * format, pattern or length in the published OpenAPI document (its example is `'101'`;
 * docs/providers/versori.md). Nothing is added to the core's safe-segment rule.
 */
export const VERSORI_LINK_FORMAT: LinkFormat = {
  description:
    'a Versori organisation id (any string that is a safe path segment: Switchboard declares no format)',
  problem: () => null,
};
