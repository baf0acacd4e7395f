import type { LinkFormat } from '../../core/adapter.js';

/** The Management API's `id` path parameter of `/organizations/{id}/…`: a string of at most 50 characters [OAS]. */
export const AUTH0_ORGANIZATION_ID_MAX = 50;

/**
 * A link to Auth0 is the Auth0 organization's `id`. The Management API document declares it a
 * string of at most 50 characters and nothing more (docs/providers/auth0.md §3): the ids Auth0
 * hands out look like `org_` + 16 characters, but no document says every id must, so only the
 * length is checked on top of the core's safe-segment rule.
 */
export const AUTH0_LINK_FORMAT: LinkFormat = {
  description: `an Auth0 organization id (such as org_…), at most ${AUTH0_ORGANIZATION_ID_MAX} characters`,
  problem: (value) =>
    value.length <= AUTH0_ORGANIZATION_ID_MAX
      ? null
      : `must be an Auth0 organization id: at most ${AUTH0_ORGANIZATION_ID_MAX} characters`,
};
