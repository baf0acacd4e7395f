import { z } from 'zod';
import { EndUser, Metadata } from '../connection.js';

/**
 * The wire shapes of connect sessions (contract §10, §11): the create body, a session as the API
 * shows it, and the create answer (with the token, the link and a provider flow's hand-over, shown once).
 */

/** Seconds a session lives unless asked otherwise (30 minutes). */
export const DEFAULT_SESSION_SECONDS = 1800;
/** At most this many bytes of JSON in `metadata`. */
export const MAX_METADATA_BYTES = 4096;

export const CreateConnectSessionBody = z
  .strictObject({
    end_user: z
      .strictObject({
        id: z.string().min(1).max(255).describe('Your id of the end user.'),
        email: z.email().max(320).optional(),
        display_name: z.string().min(1).max(200).optional(),
      })
      .describe('Who connects: carried by the connection the session makes, and by its events.'),
    return_url: z
      .string()
      .min(1)
      .max(2048)
      .describe(
        'Where the page sends the end user at the end; its origin must be in `connect.returnOrigins`.',
      ),
    allowed: z
      .array(
        z.strictObject({
          provider: z.string().min(1).describe('A configured provider id.'),
          kinds: z
            .array(z.string().min(1))
            .min(1)
            .max(200)
            .optional()
            .describe('Only these kinds (default: every kind the provider offers on the page).'),
        }),
      )
      .min(1)
      .max(50)
      .optional()
      .describe('What the end user may connect (default: every linked provider that the page can connect).'),
    connection_id: z
      .string()
      .min(1)
      .optional()
      .describe('A reconnect: new credentials (or a new consent) for this connection, which keeps its id.'),
    expires_in: z.number().int().min(60).max(86_400).default(DEFAULT_SESSION_SECONDS).describe('Seconds.'),
    metadata: Metadata.optional()
      .refine((m) => m === undefined || Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, {
        error: `at most ${MAX_METADATA_BYTES} bytes of JSON`,
      })
      .describe('Your own values, carried by the connection the session makes.'),
    flow: z
      .enum(['page', 'provider'])
      .default('page')
      .describe(
        "`page`: the hosted page collects the credentials; `provider`: the provider's own flow (exactly one `allowed` entry), its start in `provider_flow`.",
      ),
    provider_options: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("A provider flow's options (Auth0: `assign_membership_on_login`, `show_as_button`)."),
  })
  .meta({ id: 'CreateConnectSession' });
export type CreateConnectSessionInput = z.output<typeof CreateConnectSessionBody>;

export const CONNECT_SESSION_STATUSES = ['pending', 'completed', 'expired', 'revoked'] as const;

/** A session as the API shows it (never its token). */
export const ConnectSession = z
  .object({
    id: z.string(),
    organization_id: z.string(),
    status: z.enum(CONNECT_SESSION_STATUSES),
    flow: z.string(),
    end_user: EndUser,
    metadata: Metadata.nullable(),
    allowed: z.array(z.object({ provider: z.string(), kinds: z.array(z.string()).nullable() })),
    connection_id: z
      .string()
      .nullable()
      .describe(
        'The connection to reconnect; once completed, the connection the session made or reconnected.',
      ),
    return_url: z.string(),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe("Why the end user's last attempt failed (never a secret)."),
    created_at: z.string(),
    expires_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .meta({ id: 'ConnectSession' });
export type ConnectSession = z.infer<typeof ConnectSession>;

export const CreatedConnectSession = ConnectSession.extend({
  token: z.string().describe('`pbcs_…`: opens the page. Shown this once.'),
  provider_flow: z
    .looseObject({ type: z.string() })
    .optional()
    .describe(
      'With `flow: "provider"`: what hands the end user to the provider (`leen_invite_token` with `token` and `expires_at`, `auth0_sso_ticket` with `ticket_url`, `versori_redirect` with `url`). Shown this once.',
    ),
  url: z.string().describe('`{server.publicUrl}/connect/{token}`: hand it to the end user. Shown this once.'),
}).meta({ id: 'CreatedConnectSession' });
export type CreatedConnectSession = z.infer<typeof CreatedConnectSession>;
