/** Who is calling. The admin may do everything; API keys (a later issue) narrow organizations and scopes. */
export interface Caller {
  /** Recorded as the `actor` of audit events: `admin` or `key:<id>`. */
  actor: string;
  organizations: '*' | readonly string[];
}

export const ADMIN: Caller = { actor: 'admin', organizations: '*' };

export function canSeeOrganization(caller: Caller, organizationId: string): boolean {
  return caller.organizations === '*' || caller.organizations.includes(organizationId);
}
