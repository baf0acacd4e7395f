/** What a key may do (contract §2). `admin` is the admin key's own: no API key can hold it. */
export const SCOPES = [
  'connections:read',
  'connections:write',
  'organizations:read',
  'organizations:write',
  'webhooks:read',
  'webhooks:write',
] as const;
export type Scope = (typeof SCOPES)[number];
export type RouteScope = Scope | 'admin';

/** Who is calling. The admin may do everything; an API key is narrowed to organizations and scopes. */
export interface Caller {
  /** Recorded as the `actor` of audit events: `admin` or `key:<id>`. */
  actor: string;
  organizations: '*' | readonly string[];
  scopes: '*' | ReadonlySet<Scope>;
  admin: boolean;
}

export const ADMIN: Caller = { actor: 'admin', organizations: '*', scopes: '*', admin: true };

export function canSeeOrganization(caller: Caller, organizationId: string): boolean {
  return caller.organizations === '*' || caller.organizations.includes(organizationId);
}

export function hasScope(caller: Caller, scope: RouteScope): boolean {
  if (caller.admin) return true;
  if (scope === 'admin') return false;
  return caller.scopes === '*' || caller.scopes.has(scope);
}
