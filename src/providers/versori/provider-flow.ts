import type {
  CallContext,
  ProviderFlow,
  ProviderFlowRequest,
  ProviderFlowStarted,
  StartedFlow,
} from '../../core/adapter.js';
import type { UpstreamConnection } from '../../core/connection.js';
import { GatewayError, reconnectUnsupported, validationError } from '../../core/errors.js';
import { connectedAppPages, type ConnectedAppRead, type VersoriClient } from './client.js';

/**
 * Versori's provider-hosted flow (contract §11): Switchboard's InitialiseConnection
 * (`POST /organisations/{organisationId}/connection-init`, body `{ appId, authType }`) for an App
 * whose auth type is OAuth2 authorization code. Switchboard answers `action.redirect.url`; the end
 * user's browser goes there (the App's OAuth2 provider), the provider redirects to Switchboard's
 * callback, and Switchboard makes the connection. The gateway never sees the grant: it finds the
 * new connection on its next list or monitor pass (`recognises`). What the documents leave open,
 * and what the adapter does there, is in docs/providers/versori.md ("Provider-hosted flow").
 */

/** The contract's `provider_flow.type` for Versori. */
export const VERSORI_PROVIDER_FLOW_TYPE = 'versori_redirect';

/**
 * The auth type InitialiseConnection takes for an OAuth2 authorization-code grant when the App's
 * configs cannot be read: `AppAuthConfigOAuth2` (where `flowType: authorization_code` lives) is the
 * `oauth2` member of the spec's auth-type enum, and the simulator's fixtures use it.
 */
export const AUTHORIZATION_CODE_AUTH_TYPE = 'oauth2';

/**
 * The `type` of the App's auth config for the OAuth2 authorization-code flow (its `data.flowType`
 * is `authorization_code`), or null when the App lists none. `isValid` is not judged here: whether
 * Switchboard can start the grant is for connection-init to answer.
 */
export function authorizationCodeAuthType(app: ConnectedAppRead['app']): string | null {
  for (const config of app.supportedAuthConfigs ?? []) {
    const data = config.data;
    const flow =
      data !== null && typeof data === 'object' ? (data as Record<string, unknown>)['flowType'] : undefined;
    if (flow === 'authorization_code') return config.type;
  }
  return null;
}

/** An absolute http(s) URL, the only kind the hosted page may send a browser to. */
function isWebUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'https:' || protocol === 'http:';
}

export function createVersoriProviderFlow(
  providerId: string,
  client: Pick<VersoriClient, 'connectedApps' | 'connectionInit'>,
): ProviderFlow {
  /**
   * The auth type to initialise `appId` with: read off the App among the organisation's connected
   * Apps (GetConnectedApps, the only place the spec lists an App's configs), else the documented
   * OAuth2 auth type. An App without a connection in the organisation yet (the usual case for a
   * first connection) is not listed there. Nothing is refused on what this finds: connection-init
   * answers for the App.
   */
  async function authTypeOf(ctx: CallContext, orgId: string, appId: string): Promise<string> {
    for await (const page of connectedAppPages(client, ctx, orgId)) {
      const item = page.items.find((i) => i.app.id === appId);
      if (item) return authorizationCodeAuthType(item.app) ?? AUTHORIZATION_CODE_AUTH_TYPE;
    }
    return AUTHORIZATION_CODE_AUTH_TYPE;
  }

  return {
    name: 'Versori',
    optionsSchema: null,

    async start(
      ctx: CallContext,
      externalOrgId: string,
      req: ProviderFlowRequest,
    ): Promise<ProviderFlowStarted> {
      if (req.reconnect !== null) {
        // InitConnectionRequestBody is `{ appId, authType }`: no connection id, so the grant always
        // makes a new connection; nothing in the documents updates an existing one this way.
        throw reconnectUnsupported(
          providerId,
          "Versori's connection-init cannot reconnect a connection: it names no connection, and every grant makes a new one.",
        );
      }
      if (req.kind === null) {
        throw validationError(
          [
            {
              pointer: '/allowed/0/kinds',
              message: 'a Versori provider flow needs one kind: the App id to connect',
            },
          ],
          'Versori connects one App per connection-init: the session must name it.',
        );
      }
      const appId = req.kind;
      const authType = await authTypeOf(ctx, externalOrgId, appId);
      const { action } = await client.connectionInit(ctx, externalOrgId, { appId, authType });
      const url = action.redirect?.url;
      if (url !== undefined && url !== null) {
        // The hosted page links to it from the gateway's own origin: a relative URL would resolve
        // against the gateway, a `javascript:` one would run there.
        if (!isWebUrl(url))
          throw new GatewayError(
            'upstream_error',
            `Provider ${providerId} answered connection-init with a redirect that is not an absolute http(s) URL.`,
            { provider: providerId },
          );
        return { provider_flow: { type: VERSORI_PROVIDER_FLOW_TYPE, url }, url, handle: null };
      }
      if (action.form !== undefined && action.form !== null) {
        throw new GatewayError(
          'unsupported_operation',
          `Versori answers a form for app ${appId}, not a redirect: it is connected with credentials (the hosted page's flow "page", or a create), not a provider flow.`,
          {
            provider: providerId,
            errors: [
              { pointer: '/allowed/0/kinds/0', message: 'connected with a form, not a provider flow' },
            ],
          },
        );
      }
      throw new GatewayError(
        'upstream_error',
        `Provider ${providerId} answered connection-init with neither a redirect nor a form.`,
        { provider: providerId },
      );
    },

    /**
     * The App the session named, made at or after the flow started. Switchboard puts no attribution
     * on the connection (connection-init takes only `appId` and `authType`) and gives it no
     * timestamp, so `created_at` is null today (mapping.ts): then the kind alone decides, among the
     * connections the gateway had not indexed before (the only ones it asks about). A connection of
     * that App made by other means (Versori's own UI) in that window is taken for the flow's.
     */
    recognises(connection: UpstreamConnection, started: StartedFlow): boolean {
      if (started.kind === null || connection.kind !== started.kind) return false;
      if (connection.created_at === null) return true;
      const created = Date.parse(connection.created_at);
      const since = Date.parse(started.startedAt);
      return Number.isNaN(created) || Number.isNaN(since) || created >= since;
    },
  };
}
