import { z } from 'zod';
import { Secret } from '../../core/secret.js';
import { segmentIssue } from '../../core/segment.js';
import { simulatorSetup, type ProviderDefinition } from '../definition.js';
import { createAuth0Adapter, type Auth0Config } from './adapter.js';
import { CONNECTIONS_APIS } from './api-types.js';
import { AUTH0_LINK_FORMAT } from './link.js';

/** A required non-empty string; messages never echo the value (config errors must not print secrets). */
function required(what: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? 'required' : `must be ${what}`) })
    .min(1, { error: 'must not be empty' });
}

/**
 * `domain` is the bare tenant host (`acme.eu.auth0.com`, a custom domain, or `host:port`), as the
 * official SDK requires: no scheme, path, query or fragment. `audience` overrides the Management API
 * audience derived from it (`https://{domain}/api/v2/`), for a `domain` that is a custom domain.
 * `connectionsApi` picks the organization-connection family (docs/providers/auth0.md §3, §9).
 * `selfServiceProfileId` names the self-service profile of the provider-hosted flow (Self-Service
 * SSO tickets, §10); Auth0 publishes no format for profile ids (its example is `ssp_…`), so only what
 * cannot be a path segment is refused.
 */
export const auth0ConfigSchema = z.strictObject({
  domain: required('a host name').regex(/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/i, {
    error: 'must be the bare tenant host, e.g. acme.eu.auth0.com (no https://, no path)',
  }),
  clientId: required('a string'),
  clientSecret: required('a string').transform((v) => new Secret(v)),
  audience: z
    .url({ protocol: /^https?$/, error: 'must be an absolute URL, e.g. https://acme.eu.auth0.com/api/v2/' })
    .optional(),
  connectionsApi: z
    .enum(CONNECTIONS_APIS, { error: `must be one of ${CONNECTIONS_APIS.map((a) => `"${a}"`).join(', ')}` })
    .optional(),
  selfServiceProfileId: required('a string').superRefine(segmentIssue).optional(),
});

export const auth0Provider: ProviderDefinition<Auth0Config> = {
  type: 'auth0',
  configSchema: auth0ConfigSchema,
  linkFormat: AUTH0_LINK_FORMAT,
  createAdapter(config, deps) {
    return createAuth0Adapter(config, deps);
  },
  async startSimulator(opts) {
    const [
      { startAuth0Simulator },
      { DEFAULT_DOMAIN, DEMO_ORGANIZATION, SANDBOX_CLIENT, SANDBOX_SELF_SERVICE_PROFILE },
    ] = await Promise.all([import('./simulator/index.js'), import('./fixtures.js')]);
    const sim = await startAuth0Simulator({
      port: opts.port,
      host: opts.host,
      stateFile: opts.stateFile,
      domain: DEFAULT_DOMAIN,
      clients: [
        { clientId: SANDBOX_CLIENT.clientId, clientSecret: opts.secret ?? SANDBOX_CLIENT.clientSecret },
      ],
      seedDemo: true,
    });
    return simulatorSetup(
      sim,
      {
        domain: sim.domain,
        clientId: SANDBOX_CLIENT.clientId,
        clientSecret: opts.secret ?? SANDBOX_CLIENT.clientSecret,
        baseUrl: sim.url,
        // The seeded profile: connect sessions with flow "provider" get working tickets.
        selfServiceProfileId: SANDBOX_SELF_SERVICE_PROFILE.id,
      },
      DEMO_ORGANIZATION.id,
    );
  },
  async samples() {
    return (await import('./samples.js')).auth0Samples;
  },
};
