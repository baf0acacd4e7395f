import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { ConnectSession } from '../../../core/services/connect-session-schemas.js';
import type { AppEnv } from '../../env.js';
import { authorized, OrgParams, requireOrganization } from '../route.js';

/** Path, tag and guard of the connect-session routes (`suffix` below `/connect-sessions`): scope `connections:write`, the organization first. */
export function connectSessionRoute<S extends string, M extends Array<MiddlewareHandler<AppEnv>>>(
  suffix: S,
  ...then: M
) {
  return {
    path: `/v1/organizations/{org}/connect-sessions${suffix}` as const,
    tags: ['connect sessions'],
    ...authorized('connections:write', requireOrganization, ...then),
  };
}

export const ConnectSessionParams = OrgParams.extend({
  id: z.string().min(1).describe('The connect session id (`cs_…`).'),
});

export const ConnectSessionList = z
  .object({ data: z.array(ConnectSession), next_cursor: z.string().nullable() })
  .meta({ id: 'ConnectSessionList' });
