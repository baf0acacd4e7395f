import type { ProviderDefinition } from '../../src/providers/definition.js';
import { auth0Provider } from '../../src/providers/auth0/definition.js';
import { leenProvider } from '../../src/providers/leen/definition.js';
import { versoriProvider } from '../../src/providers/versori/definition.js';

/**
 * Per-provider inputs of the one conformance suite. Everything else the suite needs it reads from
 * the adapter's capability flags; a new provider adds a case here and passes the same tests.
 */
export interface ConformanceCase {
  definition: ProviderDefinition;
  /** The provider id of the entry (default: the type); distinct when one type has several cases. */
  providerId?: string;
  /** Keys added to the simulator's provider entry (e.g. a variant of the upstream API). */
  providerConfig?: Record<string, unknown>;
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
  /**
   * A boolean setting the suite flips when it needs a change that makes a new version of a
   * connection and `name` is not writable (required then).
   */
  toggleSetting?: string;
}

/** `con_conformance01`…`40`: tenant connections the Auth0 simulator seeds for attaching (not attached to the demo org). */
const spareAuth0Connection = (i: number): string => `con_conformance${String(i).padStart(2, '0')}`;

export const cases: ConformanceCase[] = [
  {
    definition: leenProvider,
    // TENABLE's credential shape as Leen documents it.
    createBody: (i) => ({
      kind: 'TENABLE',
      name: `tenable-${i}`,
      credentials: { client_key: `ck-${i}`, secret_key: `sk-${i}` },
    }),
    invalidCreate: {
      body: { kind: 'TENABLE', name: 'x', credentials: { client_key: 'ck' } },
      pointer: '/credentials/secret_key',
    },
    credentials: { client_key: 'ck-new', secret_key: 'sk-new' },
    invalidCredentials: { body: { client_key: 'only' }, pointer: '/credentials/secret_key' },
  },
  {
    definition: auth0Provider,
    createBody: (i) => ({
      external_connection_id: spareAuth0Connection(i),
      name: `attached-${i}`,
      settings: { show_as_button: true },
    }),
    invalidCreate: {
      body: { external_connection_id: 'con_x', settings: { organization_access_level: 'everything' } },
      pointer: '/settings/organization_access_level',
    },
    settings: { assign_membership_on_login: true, organization_access_level: 'readonly' },
  },
  {
    // The GA enabled_connections family: no name, no status, three settings.
    definition: auth0Provider,
    providerId: 'auth0-ga',
    providerConfig: { connectionsApi: 'enabled_connections' },
    createBody: (i) => ({
      external_connection_id: spareAuth0Connection(i),
      settings: { show_as_button: true },
    }),
    invalidCreate: {
      body: { external_connection_id: 'con_x', settings: { show_as_button: 'yes' } },
      pointer: '/settings/show_as_button',
    },
    settings: { assign_membership_on_login: true, is_signup_enabled: true },
    toggleSetting: 'assign_membership_on_login',
  },
  {
    definition: versoriProvider,
    createBody: (i) => ({
      kind: 'app_apikey',
      name: `versori-${i}`,
      credentials: { type: 'api_key', api_key: `key-${i}` },
    }),
    invalidCreate: {
      body: { kind: 'app_apikey', name: 'x', credentials: { type: 'api_key' } },
      pointer: '/credentials/api_key',
    },
    credentials: { type: 'api_key', api_key: 'rotated-key' },
    invalidCredentials: { body: { type: 'api_key', api_key: 42 }, pointer: '/credentials/api_key' },
  },
];
