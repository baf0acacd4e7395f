import type { SimApp, SimContext } from '../../../simulator/server.js';
import type { Auth0ConnectionsApi } from '../api-types.js';
import {
  AddEnabledConnectionBody,
  CreateOrganizationConnectionBody,
  FilteredOffsetQuery,
  OffsetQuery,
  OrganizationConnectionPath,
  OrganizationPath,
  readPath,
  readQuery,
  readValidBody,
  UpdateEnabledConnectionBody,
  UpdateOrganizationConnectionBody,
} from './bodies.js';
import { apiError, noConnection, noOrganization } from './errors.js';
import { offsetList } from './lists.js';
import {
  applyUpdate,
  attach,
  findOrganization,
  findTenantConnection,
  organizationConnections,
  type Auth0SimState,
  type StoredOrganizationConnection,
} from './state.js';
import type { Handler } from './token.js';

/**
 * One family of organization-connection routes. Both families serve the same stored records; each
 * shows only the fields its create body knows (its response schema is `additionalProperties: false`).
 */
interface OrgConnectionFamily {
  /** Path segment and list envelope key. */
  key: Auth0ConnectionsApi;
  create: typeof CreateOrganizationConnectionBody | typeof AddEnabledConnectionBody;
  update: typeof UpdateOrganizationConnectionBody | typeof UpdateEnabledConnectionBody;
  /** The list's query: EA lists take an `is_enabled` filter; GA lists do not. */
  listQuery: typeof FilteredOffsetQuery | typeof OffsetQuery;
}

export const FAMILIES: readonly OrgConnectionFamily[] = [
  {
    key: 'connections',
    create: CreateOrganizationConnectionBody,
    update: UpdateOrganizationConnectionBody,
    listQuery: FilteredOffsetQuery,
  },
  {
    key: 'enabled_connections',
    create: AddEnabledConnectionBody,
    update: UpdateEnabledConnectionBody,
    listQuery: OffsetQuery,
  },
];

/** `/api/v2/organizations/:id/<family>` and `…/:connection_id`: list, attach, read, update, detach. */
export function organizationConnectionRoutes(
  app: SimApp,
  state: Auth0SimState,
  guarded: (scope: string, handler: Handler) => Handler,
  family: OrgConnectionFamily,
): void {
  const base = `/api/v2/organizations/:id/${family.key}`;
  const shownFields = Object.keys(family.create.shape);
  /** A stored record as the family shows it: the fields its create body knows, plus `connection`. */
  const show = (oc: StoredOrganizationConnection): Record<string, unknown> => {
    const conn = findTenantConnection(state, oc.connection_id);
    const shown = Object.entries(oc).filter(([k]) => shownFields.includes(k));
    return { ...Object.fromEntries(shown), connection: { name: conn?.name, strategy: conn?.strategy } };
  };

  app.get(
    base,
    guarded('read:organization_connections', (c) => {
      const { id } = readPath(c, OrganizationPath);
      const q = readQuery(c, family.listQuery);
      const enabled = 'is_enabled' in q ? q.is_enabled : undefined;
      if (!findOrganization(state, id)) noOrganization();
      // An absent is_enabled (never set) counts as enabled, as the gateway reads it.
      const all = organizationConnections(state, id)
        .filter((oc) => enabled === undefined || (oc.is_enabled ?? true) === enabled)
        .map(show);
      return offsetList(c, family.key, all, q);
    }),
  );

  app.post(
    base,
    guarded('create:organization_connections', async (c) => {
      const { id } = readPath(c, OrganizationPath);
      const b = await readValidBody(c, family.create);
      if (!findOrganization(state, id)) noOrganization();
      if (!findTenantConnection(state, b.connection_id)) noConnection();
      const list = organizationConnections(state, id);
      if (list.some((oc) => oc.connection_id === b.connection_id)) {
        apiError(409, 'The organization connection already exists.', 'organization_connection_conflict');
      }
      const oc = attach(b);
      list.push(oc);
      return c.json(show(oc), 201);
    }),
  );

  /** The attached record the path names, with the organization's list it sits in. */
  const findAttached = (
    c: SimContext,
  ): { oc: StoredOrganizationConnection; list: StoredOrganizationConnection[] } => {
    const { id, connection_id: connectionId } = readPath(c, OrganizationConnectionPath);
    if (!findOrganization(state, id)) noOrganization();
    const list = organizationConnections(state, id);
    const oc = list.find((x) => x.connection_id === connectionId);
    return oc
      ? { oc, list }
      : apiError(
          404,
          'No connection found by that id for this organization',
          'inexistent_organization_connection',
        );
  };

  app.get(
    `${base}/:connection_id`,
    guarded('read:organization_connections', (c) => c.json(show(findAttached(c).oc))),
  );

  app.patch(
    `${base}/:connection_id`,
    guarded('update:organization_connections', async (c) => {
      const b = await readValidBody(c, family.update);
      const { oc } = findAttached(c);
      applyUpdate(oc, b);
      return c.json(show(oc));
    }),
  );

  // Removes the organization's record of the connection (in both families); the tenant connection stays.
  app.delete(
    `${base}/:connection_id`,
    guarded('delete:organization_connections', (c) => {
      const { oc, list } = findAttached(c);
      list.splice(list.indexOf(oc), 1);
      return c.body(null, 204);
    }),
  );
}
