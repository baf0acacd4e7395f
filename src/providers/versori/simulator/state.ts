import { fingerprint } from '../../../simulator/fingerprint.js';
import type { App, ConnectionBoardReference, VersoriAuthType } from '../api-types.js';
import { DEMO_CONNECTIONS, DEMO_ORGANISATION, fixtureApps } from '../fixtures.js';

export interface SimConnection {
  id: string;
  orgId: string;
  name: string;
  appId: string;
  authType: VersoriAuthType;
  /** Id of the credential holding the secret; a new one on every PUT. */
  credentialId: string;
  /** `fingerprint()` of the secret `data` last written; the secret itself is never kept. */
  dataFingerprint: string;
  usedByBoards: ConnectionBoardReference[];
}

export interface SimOrganisation {
  id: string;
  name: string;
  connections: Record<string, SimConnection>;
}

/** Plain JSON, persisted by the kit when a state file is given; it holds no secret. */
export interface VersoriSimState {
  version: 2;
  apps: App[];
  organisations: Record<string, SimOrganisation>;
  /** Monotonic id source: ids sort in creation order, which is the list order. */
  idClock: number;
  idSeq: number;
}

/** A state file of version 1: each connection kept its secret `data` in plaintext. */
interface VersoriSimStateV1 extends Omit<VersoriSimState, 'version' | 'organisations'> {
  version: 1;
  organisations: Record<
    string,
    Omit<SimOrganisation, 'connections'> & {
      connections: Record<string, Omit<SimConnection, 'dataFingerprint'> & { data: unknown }>;
    }
  >;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The shape of the ids this simulator issues (ULIDs). */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function base32(n: number, width: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < width; i += 1) {
    out = (CROCKFORD[v % 32] as string) + out;
    v = Math.floor(v / 32);
  }
  return out;
}

/** A ULID-shaped id; strictly increasing within one state. */
export function nextId(state: VersoriSimState): string {
  state.idClock = Math.max(Date.now(), state.idClock);
  state.idSeq += 1;
  return base32(state.idClock, 10) + base32(state.idSeq, 16);
}

/** A new Switchboard: the fixture apps, and with `seed` the demo organisation and its connections. */
export function freshState(seed: boolean): VersoriSimState {
  const state: VersoriSimState = { version: 2, apps: fixtureApps(), organisations: {}, idClock: 0, idSeq: 0 };
  if (seed) seedDemo(state);
  return state;
}

/**
 * The state as read from a state file of any version. A version 1 file's plaintext secrets become
 * fingerprints here, and the kit rewrites the file at start, so the secrets leave the disk too.
 */
export function restoreState(saved: unknown): VersoriSimState {
  const restored = saved as VersoriSimState | VersoriSimStateV1;
  if (restored.version === 2) return restored;
  const organisations: Record<string, SimOrganisation> = {};
  for (const [orgId, org] of Object.entries(restored.organisations)) {
    const connections: Record<string, SimConnection> = {};
    for (const [id, { data, ...conn }] of Object.entries(org.connections))
      connections[id] = { ...conn, dataFingerprint: fingerprint(data) };
    organisations[orgId] = { ...org, connections };
  }
  return { ...restored, version: 2, organisations };
}

/** Adds an organisation (no-op when it exists) and returns it. */
export function addOrganisation(state: VersoriSimState, id: string, name = id): SimOrganisation {
  const existing = state.organisations[id];
  if (existing) return existing;
  const org: SimOrganisation = { id, name, connections: {} };
  state.organisations[id] = org;
  return org;
}

/**
 * The fingerprint of the secret `data` a connection holds (undefined when no such connection):
 * compare it with `fingerprint(expected)` to check what was sent or replayed.
 */
export function storedSecretFingerprint(
  state: VersoriSimState,
  orgId: string,
  connectionId: string,
): string | undefined {
  return state.organisations[orgId]?.connections[connectionId]?.dataFingerprint;
}

export function insertConnection(
  state: VersoriSimState,
  orgId: string,
  c: {
    name: string;
    appId: string;
    authType: VersoriAuthType;
    data: object;
    usedByBoards?: ConnectionBoardReference[];
  },
): SimConnection {
  const org = addOrganisation(state, orgId);
  const conn: SimConnection = {
    id: nextId(state),
    orgId,
    name: c.name,
    appId: c.appId,
    authType: c.authType,
    credentialId: nextId(state),
    dataFingerprint: fingerprint(c.data),
    usedByBoards: structuredClone(c.usedByBoards ?? []),
  };
  org.connections[conn.id] = conn;
  return conn;
}

/** `ConnectionOverview`: minimal information on a connection (`name` required, `id` optional). */
export interface SimConnectionOverview {
  id: string;
  name: string;
}

/** `ConnectedApp`: an App and every connection the organisation has to it. */
export interface SimConnectedApp {
  app: App;
  connections: SimConnectionOverview[];
}

/**
 * The Apps organisation `orgId` has at least one connection to (GetConnectedApps: "Apps which have
 * connections for an organisation"), ordered by App id, each with its connections in list order
 * (creation order). Undefined when there is no such organisation.
 */
export function connectedApps(state: VersoriSimState, orgId: string): SimConnectedApp[] | undefined {
  const org = state.organisations[orgId];
  if (!org) return undefined;
  const byApp = new Map<string, SimConnectionOverview[]>();
  const connections = Object.values(org.connections).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const conn of connections)
    byApp.set(conn.appId, [...(byApp.get(conn.appId) ?? []), { id: conn.id, name: conn.name }]);
  return state.apps
    .filter((a) => byApp.has(a.id))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((a) => ({ app: structuredClone(a), connections: byApp.get(a.id) ?? [] }));
}

export function seedDemo(state: VersoriSimState): void {
  addOrganisation(state, DEMO_ORGANISATION.id, DEMO_ORGANISATION.name);
  for (const seed of DEMO_CONNECTIONS) insertConnection(state, DEMO_ORGANISATION.id, seed);
}
