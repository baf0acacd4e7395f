import type { Logger } from 'pino';
import type { AccessLine } from './access-line.js';
import type { Registry } from 'prom-client';
import type { ProviderCapabilities } from '../core/adapter.js';
import type { CircuitState } from '../core/adapter.js';
import type { Caller } from '../core/caller.js';
import type { MonitorStateRow } from '../core/storage.js';
import type { RequestContext } from '../core/services/context.js';
import type { z } from 'zod';
import type { ChangeBody } from '../core/connections/change.js';
import type { CreateBodyRules } from '../core/connections/create-body.js';
import type { ConnectionService } from '../core/connections/service.js';
import type { ApiKeyService } from '../core/services/api-keys.js';
import type { ConnectSessionService } from '../core/services/connect-sessions.js';
import type { IdempotencyKeys } from '../core/services/idempotency.js';
import type { EventService } from '../core/services/events.js';
import type { OrganizationService } from '../core/services/organizations.js';
import type { WebhookService } from '../core/services/webhooks.js';

/** What the HTTP layer is built from: injected, never imported as module state. */
export interface AppDeps {
  organizations: OrganizationService;
  connections: ConnectionService;
  events: EventService;
  apiKeys: ApiKeyService;
  webhooks: WebhookService;
  connectSessions: ConnectSessionService;
  idempotency: IdempotencyKeys;
  providers: ReadonlyArray<{
    id: string;
    type: string;
    capabilities: ProviderCapabilities;
    linkFormat: string;
    circuit: () => CircuitState;
  }>;
  /** The connection monitor's state of each provider entry (shared by the replicas). */
  monitorState(): Promise<ReadonlyMap<string, MonitorStateRow>>;
  /** The create body of this gateway's configured providers. */
  createConnectionBody: CreateBodyRules;
  /** The PATCH/PUT body of a connection, documented for this gateway's providers. */
  changeConnectionBody: z.ZodType<ChangeBody>;
  /** Checks a bearer key; returns the caller or null. */
  authenticate(key: string): Caller | null | Promise<Caller | null>;
  /** Resolves when storage answers (readiness). */
  ready(): Promise<void>;
  logger: Logger;
  /** The access log (one line per request): the logger without the walk for secret-named keys, as its lines have fixed fields. */
  accessLog: Logger;
  /** Where request metrics go and `/metrics` reads from; the upstream metrics join it later. */
  metrics: Registry;
}

export type AppEnv = {
  Variables: {
    deps: AppDeps;
    requestId: string;
    /** The request's access line, which may carry its upstream attempt. */
    accessLine: AccessLine;
    caller: Caller;
    /** The services' view of this request, made once (request.ts). */
    serviceContext: RequestContext | undefined;
    /** The request's Idempotency-Key with its caller, when it came with one. */
    idempotency: string | undefined;
  };
};

export type { RequestContext };
