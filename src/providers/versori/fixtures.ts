import type {
  App,
  AppAuthConfig,
  ConnectionBoardReference,
  ConnectionData,
  VersoriAuthType,
} from './api-types.js';

/**
 * The simulated Switchboard catalogue: Apps with their supported auth configs, and the demo seed.
 * Real App ids are ULIDs; these are readable on purpose because a canonical connection's `kind` is
 * the App id and sandbox users type it (the spec declares no id format).
 */

export const APP_IDS = {
  /** "Acme CRM": API key in a header. */
  apiKey: 'app_apikey',
  /** "Legacy ERP": HTTP Basic auth. */
  basicAuth: 'app_basic_auth',
  /** "Cloud Drive": OAuth2 client-credentials flow (creatable through POST /connections). */
  oauth2: 'app_oauth2',
  /** "Ledger Service": JWT bearer tokens signed with a connection secret. */
  jwtBearer: 'app_jwt_bearer',
  /** "Token Relay": HTTP refresh, the connection holds one secret. */
  httpRefresh: 'app_http_refresh',
  /** "Billing Hub": API key app whose auth config is incomplete (`isValid: false`). */
  invalidConfig: 'app_invalid_config',
  /** "Social Inbox": OAuth2 authorization-code only, so connections go through connection-init. */
  authorizationCode: 'app_authorization_code',
} as const;

const PUBLISHER_ORG = 'versori-catalogue';
const CREATED = '2024-01-15T09:30:00Z';
const UPDATED = '2024-06-03T14:05:00Z';

function app(id: string, name: string, host: string, configs: AppAuthConfig[]): App {
  const schemaId = `schema_${id}`;
  return {
    id,
    orgId: PUBLISHER_ORG,
    name,
    public: true,
    server: { name: `${name} API`, url: `https://${host}` },
    schemaMetadata: { type: 'openapi', version: '3.0.3', url: `gs://switchboard-schemas/${id}.yaml` },
    supportedAuthConfigs: configs,
    schema: {
      id: schemaId,
      type: 'openapi',
      version: '3.0.3',
      sourceUrl: `gs://switchboard-schemas/${id}.yaml`,
      createdAt: CREATED,
      updatedAt: UPDATED,
    },
    schemaId,
    createdAt: CREATED,
    updatedAt: UPDATED,
  };
}

/** A fresh copy of the catalogue (the simulator's state owns and may change it). */
export function fixtureApps(): App[] {
  return [
    app(APP_IDS.apiKey, 'Acme CRM', 'api.acme-crm.example', [
      { type: 'apikey', isValid: true, data: { name: 'X-Api-Key', in: 'header' } },
    ]),
    app(APP_IDS.basicAuth, 'Legacy ERP', 'erp.legacy.example', [
      { type: 'httpBasicAuth', isValid: true, data: { user: '', password: '' } },
    ]),
    app(APP_IDS.oauth2, 'Cloud Drive', 'api.cloud-drive.example', [
      {
        type: 'oauth2',
        isValid: true,
        data: {
          flowType: 'client_credentials',
          tokenEndpoint: 'https://auth.cloud-drive.example/oauth/token',
          scopes: { 'files.read': 'Read files' },
        },
      },
      // A second way in: the same App also takes a plain API key.
      { type: 'apikey', isValid: true, data: { name: 'api_key', in: 'query' } },
    ]),
    app(APP_IDS.jwtBearer, 'Ledger Service', 'ledger.example', [
      { type: 'jwtbearer', isValid: true, data: { algorithm: 'HS256', prefix: 'Bearer', expiresIn: '1h' } },
    ]),
    app(APP_IDS.httpRefresh, 'Token Relay', 'relay.example', [
      {
        type: 'httprefresh',
        isValid: true,
        data: {
          tokenEndpoint: 'https://relay.example/token',
          method: 'POST',
          tokenTTL: 3600,
          secretIn: 'body',
          selector: 'result.token',
          name: 'Authorization',
          in: 'header',
          prefix: 'Bearer',
        },
      },
    ]),
    app(APP_IDS.invalidConfig, 'Billing Hub', 'billing-hub.example', [
      // Missing its header name: the App cannot be used through this config.
      { type: 'apikey', isValid: false, data: { name: '', in: 'header' } },
    ]),
    app(APP_IDS.authorizationCode, 'Social Inbox', 'api.social-inbox.example', [
      {
        type: 'oauth2',
        isValid: true,
        data: {
          flowType: 'authorization_code',
          authorizationEndpoint: 'https://social-inbox.example/oauth/authorize',
          tokenEndpoint: 'https://social-inbox.example/oauth/token',
          clientId: 'switchboard-social-inbox',
          scopes: { 'inbox.read': 'Read the inbox' },
        },
      },
    ]),
  ];
}

export interface ConnectionSeed {
  name: string;
  appId: string;
  authType: VersoriAuthType;
  data: ConnectionData;
  usedByBoards: ConnectionBoardReference[];
}

/** The organisation the sandbox's `demo` organization is linked to. */
export const DEMO_ORGANISATION = { id: 'versori-demo', name: 'Versori demo organisation' } as const;

/** The one connection the demo organisation starts with. */
export const DEMO_CONNECTIONS: readonly ConnectionSeed[] = [
  {
    name: 'Acme CRM (demo)',
    appId: APP_IDS.apiKey,
    authType: 'apikey',
    data: { apiKey: 'demo-acme-crm-key' },
    usedByBoards: [{ id: '01HQ3M0B0ARD0000000000000A', name: 'Nightly CRM sync' }],
  },
];
