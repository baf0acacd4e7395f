import type { ProviderSamples } from '../definition.js';
import { DEMO_CONNECTIONS } from './fixtures.js';

/** Leen's sample and test data: its reference and example entries, link cases, and the canary run's bodies. */
export const leenSamples: ProviderSamples = {
  referenceConfig: { apiKey: 'reference' },
  exampleConfig: { apiKey: '${LEEN_API_KEY}', timeoutMs: 5000 },
  // organization_id is `format: uuid`.
  linkExamples: {
    valid: ['5d3e0c1a-7b2f-4e6d-9a8c-1f2e3d4c5b6a', '5D3E0C1A-7B2F-4E6D-9A8C-1F2E3D4C5B6A'],
    invalid: [
      'leen-org-1',
      '0b7f6c1e2d3a4b5c8d9e0f1a2b3c4d5e',
      '0b7f6c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5',
      '{0b7f6c1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e}',
    ],
  },
  demoConnections: DEMO_CONNECTIONS.length,
  canary: {
    // TENABLE's credential shape as Leen documents it.
    create: (canary, i) => ({
      kind: 'TENABLE',
      name: `leen-canary-${i}`,
      credentials: { client_key: canary(`ck-${i}`), secret_key: canary(`sk-${i}`) },
    }),
    createRequest: { method: 'POST', path: '/connections$' },
    invalid: (canary) => [
      { body: { kind: 'TENABLE', credentials: { client_key: canary('bad'), secret_key: 42 } }, status: 400 },
      // Leen publishes TENABLE's keys, not that there are no others: a surplus key is sent on.
      {
        body: {
          kind: 'TENABLE',
          credentials: {
            client_key: canary('ck-extra'),
            secret_key: canary('sk-extra'),
            surplus: canary('surplus'),
          },
        },
        status: 201,
      },
    ],
    change: {
      patch: (canary) => ({
        credentials: { client_key: canary('ck-patch'), secret_key: canary('sk-patch') },
      }),
      replace: (canary) => ({
        name: 'leen-canary-put',
        status: 'active',
        credentials: { client_key: canary('ck-put'), secret_key: canary('sk-put') },
      }),
      request: { method: 'PATCH' },
    },
    // FastAPI's validation body, naming the field and echoing its value.
    rejection: (text) => ({
      status: 422,
      body: {
        detail: [
          { loc: ['body', 'credentials', 'secret_key'], msg: `invalid secret ${text}`, type: 'value_error' },
        ],
      },
    }),
    failure: (text) => ({ status: 500, body: { detail: `boom while storing ${text}` } }),
    secret: {
      request: { method: 'GET' },
      refusal: (secret) => ({ status: 401, body: { detail: `invalid API key ${secret}` } }),
    },
  },
};
