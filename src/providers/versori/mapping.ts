import { z } from 'zod';
import type { Health, UpstreamConnection } from '../../core/connection.js';
import { UNKNOWN_HEALTH } from '../../core/connection.js';
import { JWT_ALGORITHMS, type ConnectionData, type VersoriAuthType } from './api-types.js';
import type { ConnectionRead } from './client.js';

/**
 * Where Versori's spelling meets the canonical model (contract §4): the canonical credential
 * types (snake_case, `type` discriminator) ↔ Switchboard's `authType` + `ConnectionData*`, and a
 * Switchboard `Connection` → `UpstreamConnection`. The table of credential types, and why some
 * Switchboard variants are not offered, is in `docs/providers/versori.md`.
 */

/** Switchboard declares these as plain strings (no length limit): the gateway passes any string on. */
const text = z.string();

/**
 * Form and document metadata only (JSON Schema keywords through zod's `.meta()`; acceptance is
 * unchanged): each variant's `title` names it on the connect page, `writeOnly: true` marks a
 * secret (a password input there, never shown back).
 */
const secret = (title?: string) => text.meta({ writeOnly: true, ...(title !== undefined ? { title } : {}) });

export const ApiKeyCredentials = z
  .strictObject({ type: z.literal('api_key'), api_key: secret('API key') })
  .meta({ title: 'API key' });
export const BasicAuthCredentials = z
  .strictObject({
    type: z.literal('basic_auth'),
    user: text.meta({ title: 'Username' }),
    password: secret(),
  })
  .meta({ title: 'Username and password' });
/** One secret, for auth types that need just that (Switchboard's example: HTTP refresh). */
export const SecretCredentials = z
  .strictObject({ type: z.literal('secret'), secret: secret() })
  .meta({ title: 'Secret' });
export const OAuth2ClientCredentials = z
  .strictObject({
    type: z.literal('oauth2_client_credentials'),
    client_id: text.meta({ title: 'Client ID' }),
    client_secret: secret('Client secret'),
    username: z.string().optional(),
    password: z.string().meta({ writeOnly: true }).optional(),
    /** URL-encoded query string passed to the token endpoint, e.g. `audience=https://example.com`. */
    additional_parameters: z
      .string()
      .meta({
        description:
          'URL-encoded query string passed to the token endpoint, e.g. audience=https://example.com',
      })
      .optional(),
    /** When true, Versori fails the create/update if it cannot issue a token. */
    issue_token: z
      .boolean()
      .meta({ description: 'When true, Versori fails the create or update if it cannot issue a token.' })
      .optional(),
    /** 0 auto-detect, 1 client credentials in the body, 2 in an HTTP Basic header. */
    auth_style: z
      .number()
      .int()
      .meta({ description: '0 auto-detect, 1 client credentials in the body, 2 in an HTTP Basic header.' })
      .optional(),
  })
  .meta({ title: 'OAuth2 client credentials' });
export const JwtBearerCredentials = z
  .strictObject({
    type: z.literal('jwt_bearer'),
    secret: secret(),
    payload: z.record(z.string(), z.unknown()).meta({ description: 'The JWT payload, as a JSON object.' }),
    algorithm: z.enum(JWT_ALGORITHMS),
    prefix: z.string().optional(),
    /** A duration such as `1h`, as Switchboard takes it. */
    expires_in: z.string().meta({ description: 'A duration such as 1h.' }).optional(),
  })
  .meta({ title: 'JWT bearer' });

/**
 * Canonical Versori credentials. `ConnectionDataCustomFunction` is left out on purpose: the spec
 * defines its data but no `authType` value to send with it.
 */
export const VersoriCredentials = z.discriminatedUnion('type', [
  ApiKeyCredentials,
  BasicAuthCredentials,
  SecretCredentials,
  OAuth2ClientCredentials,
  JwtBearerCredentials,
]);
export type VersoriCredentials = z.infer<typeof VersoriCredentials>;
export type VersoriCredentialType = VersoriCredentials['type'];

export const AUTH_TYPE_OF: Record<VersoriCredentialType, VersoriAuthType> = {
  api_key: 'apikey',
  basic_auth: 'httpBasicAuth',
  secret: 'httprefresh',
  oauth2_client_credentials: 'oauth2',
  jwt_bearer: 'jwtbearer',
};

/** Switchboard's `data` for these credentials (only the keys that are set). */
export function toConnectionData(c: VersoriCredentials): ConnectionData {
  switch (c.type) {
    case 'api_key':
      return { apiKey: c.api_key };
    case 'basic_auth':
      return { user: c.user, password: c.password };
    case 'secret':
      return { secret: c.secret };
    case 'oauth2_client_credentials':
      return {
        clientId: c.client_id,
        clientSecret: c.client_secret,
        ...(c.username !== undefined ? { username: c.username } : {}),
        ...(c.password !== undefined ? { password: c.password } : {}),
        ...(c.additional_parameters !== undefined ? { additionalParameters: c.additional_parameters } : {}),
        ...(c.issue_token !== undefined ? { issueToken: c.issue_token } : {}),
        ...(c.auth_style !== undefined ? { authStyle: c.auth_style } : {}),
      };
    case 'jwt_bearer':
      return {
        secret: c.secret,
        payload: c.payload,
        algorithm: c.algorithm,
        ...(c.prefix !== undefined ? { prefix: c.prefix } : {}),
        ...(c.expires_in !== undefined ? { expiresIn: c.expires_in } : {}),
      };
  }
}

function healthOf(c: ConnectionRead): Health {
  if (c.authConfig?.isValid === false) {
    return {
      status: 'unhealthy',
      description: `The app's ${c.authConfig.type} auth configuration is not valid (isValid is false); this connection cannot authenticate until the app's owner completes it.`,
      resolution_owner: null,
    };
  }
  return UNKNOWN_HEALTH;
}

export function toUpstreamConnection(c: ConnectionRead): UpstreamConnection {
  return {
    external_id: c.id,
    kind: c.app.id,
    name: c.name,
    // Switchboard connections have no state of their own.
    status: 'active',
    health: healthOf(c),
    // Every Switchboard connection holds a credential (`credentialId` is required; create and
    // update both require `data`). The gateway fills `type` from the credentials it stored;
    // Switchboard never returns them.
    credentials: { configured: true, type: null, updated_at: null },
    settings: {},
    details: {
      app_name: c.app.name,
      auth_config_type: c.authConfig?.type ?? null,
      credential_id: c.credentialId,
      used_by_boards: (c.usedByBoards ?? []).map((b) => ({ id: b.id ?? null, name: b.name ?? null })),
    },
    // A Switchboard Connection carries no timestamps.
    created_at: null,
    updated_at: null,
  };
}
