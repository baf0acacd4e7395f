/**
 * Whether an event goes to an endpoint with these event patterns (a type, `*`, or a prefix ending
 * in `*`) and organizations (`["*"]`: every one, and the gateway's own events, whose organization
 * is `""`).
 */
export function matchesEndpoint(
  patterns: readonly string[],
  organizations: readonly string[],
  e: { type: string; organization_id: string },
): boolean {
  const org =
    organizations.includes('*') || (e.organization_id !== '' && organizations.includes(e.organization_id));
  return (
    org &&
    patterns.some((p) => p === '*' || p === e.type || (p.endsWith('*') && e.type.startsWith(p.slice(0, -1))))
  );
}
