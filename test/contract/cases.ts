import type { ProviderDefinition } from '../../src/core/adapter.js';
import { auth0Provider } from '../../src/providers/auth0/definition.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { versoriProvider } from '../../src/providers/versori/definition.js';

/**
 * Per-provider inputs of the one conformance suite. Everything else the suite needs it reads from
 * the adapter's capability flags; a new provider adds a case here and passes the same tests.
 */
export interface ConformanceCase {
  definition: ProviderDefinition;
  /** A valid create body (without `provider`); `i` makes it distinct from the others. */
  createBody(i: number): Record<string, unknown>;
  /** A create body with one invalid field, and that field's pointer. */
  invalidCreate: { body: Record<string, unknown>; pointer: string };
  /** Valid replacement credentials for a connection made by createBody (when supported). */
  credentials?: Record<string, unknown>;
  /** Invalid credentials and the pointer of the problem (when supported). */
  invalidCredentials?: { body: Record<string, unknown>; pointer: string };
  /** A settings change (when the provider has settings). */
  settings?: Record<string, unknown>;
}

export const cases: ConformanceCase[] = [
  {
    definition: leenProvider,
    // TENABLE's credential shape as Leen documents it.
    createBody: (i) => ({ kind: 'TENABLE', name: `tenable-${i}`, credentials: { client_key: `ck-${i}`, secret_key: `sk-${i}` } }),
    invalidCreate: { body: { kind: 'TENABLE', name: 'x', credentials: { client_key: 'ck' } }, pointer: '/credentials/secret_key' },
    credentials: { client_key: 'ck-new', secret_key: 'sk-new' },
    invalidCredentials: { body: { client_key: 'only' }, pointer: '/credentials/secret_key' },
  },
  {
    definition: auth0Provider,
    // Tenant connections the Auth0 simulator seeds for attaching (not attached to the demo org).
    createBody: (i) => ({ external_connection_id: `con_conformance${String(i).padStart(2, '0')}`, name: `attached-${i}`, settings: { show_as_button: true } }),
    invalidCreate: { body: { external_connection_id: 'con_x', settings: { organization_access_level: 'everything' } }, pointer: '/settings/organization_access_level' },
    settings: { assign_membership_on_login: true, organization_access_level: 'readonly' },
  },
  {
    definition: versoriProvider,
    createBody: (i) => ({ kind: 'app_apikey', name: `versori-${i}`, credentials: { type: 'api_key', api_key: `key-${i}` } }),
    invalidCreate: { body: { kind: 'app_apikey', name: 'x', credentials: { type: 'api_key' } }, pointer: '/credentials/api_key' },
    credentials: { type: 'api_key', api_key: 'rotated-key' },
    invalidCredentials: { body: { type: 'api_key', api_key: '' }, pointer: '/credentials/api_key' },
  },
];
