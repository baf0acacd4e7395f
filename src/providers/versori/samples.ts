import type { ProviderSamples } from '../definition.js';
import { DEMO_CONNECTIONS, DEMO_ORGANISATION } from './fixtures.js';

const apiKey = (secret: string) => ({ type: 'api_key', api_key: secret });

/** Versori's sample and test data: its reference and example entries, link cases, and the canary run's bodies. */
export const versoriSamples: ProviderSamples = {
  referenceConfig: { apiKey: 'reference' },
  exampleConfig: { apiKey: '${VERSORI_API_KEY}' },
  // organisationId is a string with no declared format (example '101').
  linkExamples: {
    valid: ['101', DEMO_ORGANISATION.id, '01FQ2PJ5QVA5H2A8J4V9ZA8NJS', 'a.b', 'x'.repeat(200)],
    invalid: [],
  },
  demoConnections: DEMO_CONNECTIONS.length,
  canary: {
    create: (canary, i) => ({
      kind: 'app_apikey',
      name: `versori-canary-${i}`,
      credentials: apiKey(canary(`create-${i}`)),
    }),
    createRequest: { method: 'POST', path: '/connections$' },
    invalid: (canary) => [
      {
        body: {
          kind: 'app_apikey',
          name: 'versori-bad',
          credentials: { type: 'api_key', api_key: 42, surplus: canary('surplus') },
        },
        status: 400,
      },
    ],
    // A gateway PATCH reads the connection and replaces it whole: the secret goes in the PUT.
    change: {
      patch: (canary) => ({ credentials: apiKey(canary('patch')) }),
      replace: (canary) => ({ name: 'versori-canary-put', credentials: apiKey(canary('put')) }),
      request: { method: 'PUT' },
    },
    rejection: (text) => ({ status: 400, body: { code: 'bad_request', message: `rejected ${text}` } }),
    failure: (text) => ({ status: 500, body: { code: 'internal', message: `failed storing ${text}` } }),
    secret: {
      request: { method: 'GET' },
      refusal: (secret) => ({
        status: 401,
        body: { code: 'unauthorized', message: `bad API key ${secret}` },
      }),
    },
  },
};
