/**
 * The Versori Switchboard API (v1alpha1) in its own spelling, as the published OpenAPI document
 * defines it (connections subset; vendored at
 * `docs/providers/specs/versori-switchboard-api-v1alpha1.yaml`, described in
 * `docs/providers/versori.md`). Only the mapper (`mapping.ts`) translates these to the canonical model.
 */

/** The production base URL; a provider entry's `baseUrl` replaces it (contract §1). */
export const VERSORI_DEFAULT_BASE_URL = 'https://platform.versori.com/api/switchboard/v1alpha1';

/** The path part of the production server URL; the simulator serves the API below it too. */
export const VERSORI_API_BASE_PATH = '/api/switchboard/v1alpha1';

/** The spec's enum of auth types (`AppAuthConfig.type`, `CreateConnectionRequestBody.authType`). */
export const VERSORI_AUTH_TYPES = [
  'oidc',
  'oauth2',
  'apikey',
  'httpBasicAuth',
  'jwtbearer',
  'httprefresh',
] as const;
export type VersoriAuthType = (typeof VERSORI_AUTH_TYPES)[number];

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export interface Server {
  name: string;
  url: string;
}

export interface SchemaMetadata {
  type: string;
  version: string;
  url: string;
}

export interface AppSchema {
  id: string;
  type: string;
  version: string;
  sourceUrl: string;
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
}

export type Scopes = Record<string, string>;

export interface AppAuthConfigOIDC {
  discoveryUrl?: string;
  clientId?: string;
  /** Write-only: never part of a response. */
  clientSecret?: string;
  scopes?: Scopes;
}

export interface AppAuthConfigOAuth2 {
  flowType?: 'authorization_code' | 'client_credentials' | 'resource_owner_password';
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  username?: string;
  password?: string;
  clientId?: string;
  /** Write-only: never part of a response. */
  clientSecret?: string;
  scopes?: Scopes;
}

export interface AppAuthConfigApiKey {
  name: string;
  in: 'query' | 'header' | 'cookie';
}

export interface AppAuthConfigHTTPBasicAuth {
  user: string;
  password: string;
}

export interface AppAuthConfigJWTBearer {
  algorithm: string;
  payload?: Record<string, unknown>;
  secret?: string;
  prefix?: string;
  expiresIn?: string;
}

export interface AppAuthConfigHTTPRefresh {
  tokenEndpoint: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'OPTIONS' | 'HEAD' | 'PATCH' | 'TRACE';
  tokenTTL: number;
  secretIn: 'header' | 'body';
  headerDestination?: string;
  headers?: Record<string, string[]>;
  selector: string;
  name: string;
  in: 'query' | 'header' | 'cookie';
  prefix: string;
}

export interface AppAuthConfigCustomFunction {
  function_url: string;
}

export type AppAuthConfigData =
  | AppAuthConfigOIDC
  | AppAuthConfigOAuth2
  | AppAuthConfigApiKey
  | AppAuthConfigHTTPRefresh
  | AppAuthConfigHTTPBasicAuth
  | AppAuthConfigJWTBearer
  | AppAuthConfigCustomFunction;

/** How an organisation can authenticate with an App. */
export interface AppAuthConfig {
  type: VersoriAuthType;
  /** True only when `data` holds everything needed to connect with this auth type. */
  isValid: boolean;
  data: AppAuthConfigData;
}

export interface App {
  id: string;
  orgId: string;
  name: string;
  public: boolean;
  server: Server;
  schemaMetadata: SchemaMetadata;
  supportedAuthConfigs?: AppAuthConfig[];
  imageUrl?: string;
  schema: AppSchema;
  schemaId?: string;
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
}

export interface ConnectionBoardReference {
  id?: string;
  name?: string;
}

/**
 * A connection as Versori answers it. The secret is never part of it, only `credentialId`.
 * `authType` is listed as required by the spec but not defined as a property; the simulator sends
 * it (a string), the adapter does not rely on it.
 */
export interface Connection {
  id: string;
  orgId: string;
  name: string;
  app: App;
  authType?: string;
  authConfig?: AppAuthConfig;
  credentialId: string;
  usedByBoards?: ConnectionBoardReference[];
}

export interface ConnectionDataAPIKey {
  apiKey: string;
}

export interface ConnectionDataHTTPBasicAuth {
  user: string;
  password: string;
}

/** For auth types needing one secret (e.g. `httprefresh`). */
export interface ConnectionDataSecret {
  secret: string;
}

export interface ConnectionDataOAuth2ClientCredentials {
  clientId: string;
  clientSecret: string;
  username?: string;
  password?: string;
  /** URL-encoded query string, e.g. `audience=https://example.com`. */
  additionalParameters?: string;
  issueToken?: boolean;
  /** 0 auto-detect, 1 in the body, 2 HTTP Basic header. */
  authStyle?: number;
}

export interface ConnectionDataJWTBearer {
  secret: string;
  payload: Record<string, unknown>;
  algorithm: JwtAlgorithm;
  prefix?: string;
  expiresIn?: string;
}

export interface ConnectionDataCustomFunction {
  data: string;
}

export type ConnectionData =
  | ConnectionDataAPIKey
  | ConnectionDataHTTPBasicAuth
  | ConnectionDataSecret
  | ConnectionDataOAuth2ClientCredentials
  | ConnectionDataJWTBearer
  | ConnectionDataCustomFunction;

export interface CreateConnectionRequestBody {
  name: string;
  appId: string;
  authType: string;
  data: ConnectionData;
}

/** Replaces the existing connection details (name and secret) as a whole. */
export interface UpdateConnectionRequestBody {
  name: string;
  data: ConnectionData;
}

export interface PageInfo {
  totalCount: number;
  next?: string;
  prev?: string;
}

export interface ConnectionsPage extends PageInfo {
  items: Connection[];
}

export interface DeletedResource {
  id?: string;
}

/** Every error answer (`default` response of each operation). */
export interface VersoriError {
  code: string;
  message: string;
  extensions?: Record<string, unknown>;
}

/** `InitConnectionRequestBody` (InitialiseConnection): both fields required, both plain strings. */
export interface InitConnectionRequestBody {
  appId: string;
  authType: string;
}

/** `InitConnectionActionRedirect`: send the user agent to `url` (for OAuth2, an authorization-code grant). */
export interface InitConnectionActionRedirect {
  url: string;
}

/**
 * `InitConnectionActionForm`: render a form for e.g. an API key or basic-auth credentials. The
 * spec: "some kind of schema used to generate a HTML form. The exact details of this schema are not
 * known at the time of writing." (an object, nothing more).
 */
export interface InitConnectionActionForm {
  schema?: Record<string, unknown>;
}

/**
 * `InitConnectionAction`: an object with the optional properties `redirect` and `form` (the spec
 * marks neither required and has no discriminator; one of them is what the answer means).
 */
export interface InitConnectionAction {
  redirect?: InitConnectionActionRedirect;
  form?: InitConnectionActionForm;
}

export interface InitConnectionResponseBody {
  action: InitConnectionAction;
}

export const CREDENTIAL_TYPES = ['Default', 'OAuth2Refresh', 'Raw', 'BasicAuth'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/**
 * `Credential` (FinaliseConnectionCallback's 201 answer): `data` maps names to base64-encoded
 * values; `redactFields` applies to `Default` credentials only.
 */
export interface Credential {
  id: string;
  organisationID: string;
  name: string;
  data: Record<string, string>;
  type: CredentialType;
  redactFields?: string[];
  expiresAt?: string;
}
