import type { Logger } from 'pino';
import type { CallContext, ConnectionRef, PatchModelAdapter } from '../../../src/core/adapter.js';
import type { AdapterDeps } from '../../../src/upstream/index.js';
import { auth0Provider } from '../../../src/providers/auth0/definition.js';
import type { Auth0Simulator } from '../../../src/providers/auth0/simulator/index.js';
import type { Auth0ConnectionsApi } from '../../../src/providers/auth0/api-types.js';
import { asPatch, buildAdapter } from '../../helpers/adapters.js';

let seq = 0;
export function ctx(): CallContext {
  seq += 1;
  return { requestId: `req-auth0-${seq}` };
}

export function ref(externalOrgId: string, externalId: string, kind = 'auth0'): ConnectionRef {
  return { connectionId: `cn_test_${externalId}`, externalOrgId, externalId, kind };
}

export interface AdapterOptions {
  id?: string;
  clientId?: string;
  clientSecret?: string;
  /** Organization-connection family (`connectionsApi`); the default is the EA `connections`. */
  connectionsApi?: Auth0ConnectionsApi;
  /** The self-service profile of the provider-hosted flow (`selfServiceProfileId`); without it, no flow. */
  selfServiceProfileId?: string;
  logger?: Logger;
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  now?: () => number;
}

/** The adapter as the gateway builds it: through the provider definition, pointed at the simulator. */
export function adapterFor(sim: Auth0Simulator, o: AdapterOptions = {}): PatchModelAdapter {
  const client = sim.clients[0];
  if (!client) throw new Error('simulator has no client');
  const config = {
    id: o.id ?? 'auth0',
    type: 'auth0',
    domain: sim.domain,
    clientId: o.clientId ?? client.clientId,
    clientSecret: o.clientSecret ?? client.clientSecret,
    baseUrl: sim.url,
    ...(o.connectionsApi ? { connectionsApi: o.connectionsApi } : {}),
    ...(o.selfServiceProfileId !== undefined ? { selfServiceProfileId: o.selfServiceProfileId } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
  };
  const deps: Partial<AdapterDeps> = {
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.now ? { now: o.now } : {}),
  };
  return asPatch(buildAdapter(auth0Provider, config, deps).adapter);
}

/** Token requests and Management API requests the simulator has seen. */
export function counts(sim: Auth0Simulator): { tokens: number; api: number } {
  return {
    tokens: sim.kit.count('POST', /^\/oauth\/token$/),
    api: sim.kit.requests.filter((r) => r.path.startsWith('/api/v2/')).length,
  };
}

/** A `fetch` for the official SDK that sends `https://{domain}` to the simulator (the SDK's own `fetch` option). */
export function simFetch(sim: Auth0Simulator): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(url.replace(`https://${sim.domain}`, sim.url), init);
  };
}
