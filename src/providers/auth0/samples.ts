import type { ProviderSamples } from '../definition.js';
import { DEMO_ORGANIZATION_CONNECTIONS, SPARE_TENANT_CONNECTIONS } from './fixtures.js';
import { TOKEN_PATH } from './token.js';

/** A spare tenant connection of the simulator to attach (the i-th from the end: the conformance suite takes them from the start). */
function spare(i: number): string {
  const c = SPARE_TENANT_CONNECTIONS.at(-i);
  if (!c) throw new Error(`no spare tenant connection ${i}`);
  return c.id;
}

/**
 * Auth0's sample and test data: its reference and example entries, link cases, and the canary
 * run's bodies. An attach carries no secret: the client secret, sent to the token endpoint on
 * every token fetch, is Auth0's canary.
 */
export const auth0Samples: ProviderSamples = {
  referenceConfig: { domain: 'example.auth0.com', clientId: 'reference', clientSecret: 'reference' },
  exampleConfig: {
    domain: 'acme.eu.auth0.com',
    clientId: '${AUTH0_CLIENT_ID}',
    clientSecret: '${AUTH0_CLIENT_SECRET}',
  },
  // The organization id is a string of at most 50 characters.
  linkExamples: {
    valid: ['org_demo7hQ2mZ5KpW4n', `org_${'a'.repeat(46)}`, 'my-org-id'],
    invalid: [`org_${'a'.repeat(47)}`],
  },
  demoConnections: DEMO_ORGANIZATION_CONNECTIONS.length,
  canary: {
    create: (_canary, i) => ({ external_connection_id: spare(i), settings: { show_as_button: true } }),
    createRequest: { method: 'POST', path: '/connections$' },
    invalid: (canary) => [
      {
        body: { external_connection_id: spare(20), settings: { show_as_button: canary('show-as-button') } },
        status: 400,
      },
    ],
    rejection: (text) => ({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: `rejected ${text}` },
    }),
    failure: (text) => ({
      status: 500,
      body: { statusCode: 500, error: 'Internal Server Error', message: `failed ${text}` },
    }),
    secret: {
      request: { method: 'POST', path: `${TOKEN_PATH}$` },
      refusal: (secret) => ({
        status: 401,
        body: { error: 'access_denied', error_description: `bad secret ${secret}` },
      }),
      renew: { method: 'POST', path: '/__sim/expire-tokens' },
    },
  },
};
