// The fake Leen upstream's organizations and connections have Leen's id format (UUIDs; the gateway
// refuses other Leen ids), each organization's behaviour named by the first 8 hex digits:
// orgId('slow') is 00000005-0000-4000-8000-000000000000, its connections 00000005-0000-4000-8000-<i>.
const NAMES = ['bench-up', 'small', 'large', 'fan-a', 'fan-b', 'fan-c', 'slow', 'flaky10', 'flaky30', 'down'];
const prefix = (name) => {
  const i = NAMES.indexOf(name);
  if (i < 0) throw new Error(`unknown bench organization ${name}`);
  return (i + 1).toString(16).padStart(8, '0');
};

export const orgId = (name) => `${prefix(name)}-0000-4000-8000-000000000000`;
export const connId = (name, i) => `${prefix(name)}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
/** The name of an organization id (undefined for any other id). */
export const orgName = (id) => NAMES[Number.parseInt(id.slice(0, 8), 16) - 1];
