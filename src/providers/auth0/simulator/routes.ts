import { z } from 'zod';
import { fail } from '../../../simulator/errors.js';
import { randomId } from '../../../simulator/ids.js';
import type { SimApp } from '../../../simulator/server.js';
import { check } from '../../../simulator/validation.js';
import type { Auth0Organization, Auth0TenantConnection } from '../api-types.js';
import {
  AddEnabledConnectionBody,
  checkedPayload,
  CreateConnectionBody,
  CreateOrganizationBody,
  InlineConnections,
  isCheckpoint,
  OffsetQuery,
  OrganizationPath,
  readPath,
  readQuery,
  readValidBody,
  UpdateOrganizationBody,
} from './bodies.js';
import { apiError, noConnection, noOrganization } from './errors.js';
import { checkpointList, offsetList } from './lists.js';
import { FAMILIES, organizationConnectionRoutes } from './organization-connections.js';
import type { RateLimiter } from './rate-limit.js';
import {
  attach,
  expireTokens,
  findOrganization,
  findTenantConnection,
  type StoredOrganizationConnection,
} from './state.js';
import { selfServiceRoutes } from './self-service.js';
import { selfServicePage } from './self-service-page.js';
import { tokenGuard, tokenRoutes, type Guarded, type TokenIssuer } from './token.js';

/** What the simulated tenant's routes serve from. */
export interface Auth0Tenant extends TokenIssuer {
  rateLimit: RateLimiter;
}

/** `PUT /__sim/rate-limit`: a new budget of whole, positive numbers. */
const RateLimitBody = z.object({
  limit: z.number().min(1).refine(Number.isInteger),
  windowSec: z.number().min(1).refine(Number.isInteger),
});

/**
 * The tenant's routes: the token endpoint, the Management API (rate limit on every route, then the
 * bearer token) with its tenant connections, organizations, both families of organization
 * connections and the Self-Service SSO profiles and tickets, the page a ticket URL opens, and the
 * simulator's own controls.
 */
export function routes(app: SimApp, tenant: Auth0Tenant): void {
  const { state } = tenant;
  tokenRoutes(app, tenant);
  app.use('/api/v2/*', tenant.rateLimit.middleware());
  const guarded = tokenGuard(tenant);
  tenantConnectionRoutes(app, tenant, guarded);
  organizationRoutes(app, tenant, guarded);
  for (const family of FAMILIES) organizationConnectionRoutes(app, state, guarded, family);
  selfServiceRoutes(app, tenant, guarded);
  app.all('/api/v2/*', () => apiError(404, 'Not Found'));
  selfServicePage(app, tenant);

  app.post('/__sim/expire-tokens', (c) => {
    expireTokens(state, tenant.now());
    return c.body(null, 204);
  });
  app.put('/__sim/rate-limit', async (c) => {
    const body = check(RateLimitBody, await c.req.json().catch(() => null));
    if (!body.ok) fail(400, { error: 'expected {limit, windowSec}: positive integers' });
    tenant.rateLimit.set(body.value);
    return c.body(null, 204);
  });
}

function tenantConnectionRoutes(app: SimApp, { state }: Auth0Tenant, guarded: Guarded): void {
  app.get(
    '/api/v2/connections',
    guarded('read:connections', (c) => {
      const strategies = c.req.queries('strategy') ?? [];
      const name = c.req.query('name');
      const all = state.connections.filter(
        (k) =>
          (strategies.length === 0 || strategies.includes(k.strategy)) &&
          (name === undefined || k.name === name),
      );
      return isCheckpoint(c)
        ? checkpointList(c, 'connections', all)
        : offsetList(c, 'connections', all, readQuery(c, OffsetQuery));
    }),
  );

  app.get(
    '/api/v2/connections/:id',
    guarded('read:connections', (c) => {
      const conn = findTenantConnection(state, c.req.param('id') ?? '');
      return conn ? c.json(conn) : apiError(404, 'The connection does not exist', 'inexistent_connection');
    }),
  );

  app.post(
    '/api/v2/connections',
    guarded('create:connections', async (c) => {
      const b = await readValidBody(c, CreateConnectionBody);
      if (state.connections.some((k) => k.name === b.name))
        apiError(409, 'A connection with the same name already exists', 'connection_conflict');
      const conn: Auth0TenantConnection = {
        id: randomId('con_'),
        name: b.name,
        strategy: b.strategy,
        display_name: b.display_name ?? b.name,
        is_domain_connection: b.is_domain_connection ?? false,
        realms: (b.realms as string[] | undefined) ?? [b.name],
        enabled_clients: (b.enabled_clients as string[] | undefined) ?? [],
        ...(b.metadata ? { metadata: b.metadata as Record<string, string> } : {}),
      };
      state.connections.push(conn);
      return c.json(conn, 201);
    }),
  );
}

function organizationRoutes(app: SimApp, { state }: Auth0Tenant, guarded: Guarded): void {
  const nameTaken = (name: string, exceptId?: string): boolean =>
    state.organizations.some((o) => o.id !== exceptId && o.name === name);

  app.get(
    '/api/v2/organizations',
    guarded('read:organizations', (c) =>
      isCheckpoint(c)
        ? checkpointList(c, 'organizations', state.organizations)
        : offsetList(c, 'organizations', state.organizations, readQuery(c, OffsetQuery)),
    ),
  );

  app.post(
    '/api/v2/organizations',
    guarded('create:organizations', async (c) => {
      const b = await readValidBody(c, CreateOrganizationBody);
      if (nameTaken(b.name))
        apiError(409, 'An organization with this name already exists.', 'organization_conflict');
      checkedPayload(InlineConnections, b);
      const attached: StoredOrganizationConnection[] = [];
      for (const item of b.enabled_connections ?? []) {
        const rec = checkedPayload(AddEnabledConnectionBody, item);
        if (!findTenantConnection(state, rec.connection_id)) noConnection();
        attached.push(attach(rec));
      }
      const org: Auth0Organization = {
        id: randomId('org_'),
        name: b.name,
        ...(b.display_name !== undefined ? { display_name: b.display_name } : {}),
        ...(b.metadata !== undefined ? { metadata: b.metadata as Record<string, string> } : {}),
        ...(b.branding !== undefined
          ? { branding: b.branding as NonNullable<Auth0Organization['branding']> }
          : {}),
      };
      state.organizations.push(org);
      state.organizationConnections[org.id] = attached;
      return c.json(org, 201);
    }),
  );

  app.get(
    '/api/v2/organizations/name/:name',
    guarded('read:organizations', (c) => {
      const org = state.organizations.find((o) => o.name === c.req.param('name'));
      return org ? c.json(org) : noOrganization();
    }),
  );

  app.get(
    '/api/v2/organizations/:id',
    guarded('read:organizations', (c) => {
      const org = findOrganization(state, readPath(c, OrganizationPath).id);
      return org ? c.json(org) : noOrganization();
    }),
  );

  app.patch(
    '/api/v2/organizations/:id',
    guarded('update:organizations', async (c) => {
      const { id } = readPath(c, OrganizationPath);
      const b = await readValidBody(c, UpdateOrganizationBody);
      const org = findOrganization(state, id) ?? noOrganization();
      if (b.name !== undefined && nameTaken(b.name, id))
        apiError(409, 'An organization with this name already exists.', 'organization_conflict');
      Object.assign(org, b);
      return c.json(org);
    }),
  );

  app.delete(
    '/api/v2/organizations/:id',
    guarded('delete:organizations', (c) => {
      const { id } = readPath(c, OrganizationPath);
      const i = state.organizations.findIndex((o) => o.id === id);
      if (i < 0) noOrganization();
      state.organizations.splice(i, 1);
      delete state.organizationConnections[id];
      return c.body(null, 204);
    }),
  );
}
