import ky, { HTTPError, type KyInstance, type Options } from 'ky';
import type { components, operations } from './schema.js';

/**
 * `plugboard/client`: a small typed client of the gateway for callers (a BFF in the browser or in
 * Node, a platform API), on ky. Its types are generated from the gateway's OpenAPI document
 * (src/client/schema.d.ts, `npm run generate`). It knows the gateway's conventions: a Bearer key,
 * `Idempotency-Key` on writes, `If-Match` from a previous ETag, problem+json errors as
 * `PlugboardError`, and lists walked page by page over `next_cursor`.
 */

type Schemas = components['schemas'];
export type Connection = Schemas['Connection'];
export type ConnectionList = Schemas['ConnectionList'];
export type ConnectionChange = Schemas['ConnectionChange'];
export type Organization = Schemas['Organization'];
export type OrganizationList = Schemas['OrganizationList'];
export type CreateOrganization =
  operations['createOrganization']['requestBody']['content']['application/json'];
export type PatchOrganization = operations['patchOrganization']['requestBody']['content']['application/json'];
export type AuditEvent = Schemas['Event'];
export type Job = Schemas['Job'];
export type TestResult = Schemas['TestResult'];
export type ProviderList = Schemas['ProviderList'];
export type Problem = Schemas['Problem'];
export type Webhook = Schemas['Webhook'];
export type CreatedWebhook = Schemas['CreatedWebhook'];
export type WebhookList = Schemas['WebhookList'];
export type WebhookDelivery = Schemas['Delivery'];
export type WebhookDeliveryList = Schemas['DeliveryList'];
/** The document marks fields with a default as required (what the server fills in); a caller may leave them out. */
type Defaulted<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
export type CreateWebhook = Defaulted<
  operations['createWebhook']['requestBody']['content']['application/json'],
  'events'
>;
export type PatchWebhook = operations['patchWebhook']['requestBody']['content']['application/json'];
export type ConnectSession = Schemas['ConnectSession'];
export type CreatedConnectSession = Schemas['CreatedConnectSession'];
export type ConnectSessionList = Schemas['ConnectSessionList'];
export type CreateConnectSession = Defaulted<
  operations['createConnectSession']['requestBody']['content']['application/json'],
  'expires_in' | 'flow'
>;
export type ListDeliveriesQuery = NonNullable<operations['listWebhookDeliveries']['parameters']['query']>;

/** The create body of one provider type; `provider` is the id of a provider entry of that type. */
type WidenProvider<T> = T extends { provider: string } ? Omit<T, 'provider'> & { provider: string } : never;
export type CreateConnection = WidenProvider<
  operations['createConnection']['requestBody']['content']['application/json']
>;

export type ListConnectionsQuery = NonNullable<operations['listConnections']['parameters']['query']>;
export type PageQuery = { limit?: number; cursor?: string };

/** A representation with the strong validator the gateway sent with it. */
export interface Versioned<T> {
  data: T;
  etag: string;
}

/** Every non-2xx answer: the gateway's problem details, typed. */
export class PlugboardError extends Error {
  readonly status: number;
  readonly code: Problem['code'];
  readonly problem: Problem;
  /** Seconds, from `Retry-After` (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(status: number, problem: Problem, retryAfter: number | undefined) {
    super(`${problem.code}: ${problem.detail}`);
    this.name = 'PlugboardError';
    this.status = status;
    this.code = problem.code;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get errors(): Problem['errors'] {
    return this.problem.errors;
  }

  get requestId(): string | null {
    return this.problem.request_id;
  }
}

export interface ClientOptions {
  /** The gateway's base URL, e.g. `https://gateway.internal` or `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** An API key or the admin key, sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Another fetch (tests, a proxy-aware one); the global fetch by default. */
  fetch?: typeof fetch;
  /** Per-request timeout in ms (default 10 000), or false. */
  timeout?: number | false;
  /** How many times ky retries a failed GET/PUT/DELETE (default 2; POST and PATCH are never retried). */
  retries?: number;
  /** Extra headers on every request (e.g. `x-request-id` of the caller's own request). */
  headers?: Record<string, string>;
}

export interface WriteOptions {
  /** `Idempotency-Key`: a key of yours, or true for a fresh random one. */
  idempotencyKey?: string | true;
}

export interface GuardedWriteOptions extends WriteOptions {
  /** `If-Match`: an ETag, or a previous answer whose ETag the write must still match (else 412). */
  ifMatch?: string | Versioned<unknown>;
}

const seg = encodeURIComponent;

export function createPlugboardClient(opts: ClientOptions) {
  const http: KyInstance = ky.create({
    prefixUrl: opts.baseUrl.replace(/\/+$/, ''),
    headers: {
      authorization: `Bearer ${opts.apiKey}`,
      accept: 'application/json, application/problem+json',
      ...opts.headers,
    },
    timeout: opts.timeout ?? 10_000,
    retry: { limit: opts.retries ?? 2, methods: ['get', 'put', 'delete', 'head'] },
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });

  async function send(path: string, options: Options): Promise<Response> {
    try {
      return await http(path.replace(/^\//, ''), options);
    } catch (e) {
      if (!(e instanceof HTTPError)) throw e;
      const text = await e.response.text();
      let problem: Problem;
      try {
        problem = JSON.parse(text) as Problem;
      } catch {
        problem = {
          type: 'about:blank',
          title: e.response.statusText,
          status: e.response.status,
          detail: text.slice(0, 200),
          code: 'internal',
          request_id: null,
        };
      }
      const retryAfter = e.response.headers.get('retry-after');
      throw new PlugboardError(
        e.response.status,
        problem,
        retryAfter === null ? undefined : Number(retryAfter),
      );
    }
  }

  // The gateway answers what its OpenAPI document (and so these types) says: a test checks every answer against it.
  const json = async <T>(path: string, options: Options = {}): Promise<T> =>
    (await (await send(path, options)).json()) as T;

  async function versioned<T>(path: string, options: Options): Promise<Versioned<T>> {
    const res = await send(path, options);
    return { data: (await res.json()) as T, etag: res.headers.get('etag') ?? '' };
  }

  function writeHeaders(o: GuardedWriteOptions = {}): Record<string, string> {
    const headers: Record<string, string> = {};
    if (o.idempotencyKey !== undefined)
      headers['idempotency-key'] =
        o.idempotencyKey === true ? globalThis.crypto.randomUUID() : o.idempotencyKey;
    if (o.ifMatch !== undefined)
      headers['if-match'] = typeof o.ifMatch === 'string' ? o.ifMatch : o.ifMatch.etag;
    return headers;
  }

  function query(
    q: Record<string, string | number | boolean | undefined> = {},
  ): Record<string, string | number | boolean> {
    return Object.fromEntries(
      Object.entries(q).filter((e): e is [string, string | number | boolean] => e[1] !== undefined),
    );
  }

  /** Every item of a list, fetching the next page (`next_cursor`) only when the caller reaches it. */
  async function* walk<T>(
    page: (cursor: string | undefined) => Promise<{ data: T[]; next_cursor: string | null }>,
  ): AsyncGenerator<T, void, undefined> {
    let cursor: string | undefined;
    do {
      const p = await page(cursor);
      yield* p.data;
      cursor = p.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }

  const organizations = {
    list: (q: PageQuery = {}) => json<OrganizationList>('v1/organizations', { searchParams: query(q) }),
    all: (q: Omit<PageQuery, 'cursor'> = {}) =>
      walk((cursor) => organizations.list({ ...q, ...(cursor ? { cursor } : {}) })),
    get: (org: string) => json<Organization>(`v1/organizations/${seg(org)}`),
    create: (body: CreateOrganization, o: WriteOptions = {}) =>
      json<Organization>('v1/organizations', { method: 'post', json: body, headers: writeHeaders(o) }),
    update: (org: string, patch: PatchOrganization) =>
      json<Organization>(`v1/organizations/${seg(org)}`, {
        method: 'patch',
        body: JSON.stringify(patch),
        headers: { 'content-type': 'application/merge-patch+json' },
      }),
    delete: async (org: string): Promise<void> => {
      await send(`v1/organizations/${seg(org)}`, { method: 'delete' });
    },
  };

  const base = (org: string) => `v1/organizations/${seg(org)}/connections`;
  const connections = {
    list: (org: string, q: ListConnectionsQuery = {}) =>
      json<ConnectionList>(base(org), { searchParams: query(q) }),
    /** Every connection across the pages. A page with `incomplete: true` is walked on; use `list` to see its `errors`. */
    all: (org: string, q: Omit<ListConnectionsQuery, 'cursor'> = {}) =>
      walk((cursor) => connections.list(org, { ...q, ...(cursor ? { cursor } : {}) })),
    get: (org: string, id: string) => versioned<Connection>(`${base(org)}/${seg(id)}`, {}),
    create: (org: string, body: CreateConnection, o: WriteOptions = {}) =>
      versioned<Connection>(base(org), { method: 'post', json: body, headers: writeHeaders(o) }),
    /** JSON Merge Patch: `null` clears, credentials are replaced whole. */
    update: (org: string, id: string, change: ConnectionChange, o: GuardedWriteOptions = {}) =>
      versioned<Connection>(`${base(org)}/${seg(id)}`, {
        method: 'patch',
        body: JSON.stringify(change),
        headers: { 'content-type': 'application/merge-patch+json', ...writeHeaders(o) },
      }),
    replace: (org: string, id: string, body: ConnectionChange, o: GuardedWriteOptions = {}) =>
      versioned<Connection>(`${base(org)}/${seg(id)}`, {
        method: 'put',
        json: body,
        headers: writeHeaders(o),
      }),
    delete: async (org: string, id: string, o: GuardedWriteOptions = {}): Promise<void> => {
      await send(`${base(org)}/${seg(id)}`, { method: 'delete', headers: writeHeaders(o) });
    },
    test: (org: string, id: string) => json<TestResult>(`${base(org)}/${seg(id)}/test`, { method: 'post' }),
    jobs: (org: string, id: string, q: PageQuery = {}) =>
      json<{ data: Job[]; next_cursor: string | null }>(`${base(org)}/${seg(id)}/jobs`, {
        searchParams: query(q),
      }),
  };

  const events = {
    list: (org: string, q: PageQuery = {}) =>
      json<{ data: AuditEvent[]; next_cursor: string | null }>(`v1/organizations/${seg(org)}/events`, {
        searchParams: query(q),
      }),
    all: (org: string, q: Omit<PageQuery, 'cursor'> = {}) =>
      walk((cursor) => events.list(org, { ...q, ...(cursor ? { cursor } : {}) })),
  };

  const providers = {
    list: () => json<ProviderList>('v1/providers'),
  };

  const hook = (id: string) => `v1/webhooks/${seg(id)}`;
  const webhooks = {
    list: (q: PageQuery = {}) => json<WebhookList>('v1/webhooks', { searchParams: query(q) }),
    all: (q: Omit<PageQuery, 'cursor'> = {}) =>
      walk((cursor) => webhooks.list({ ...q, ...(cursor ? { cursor } : {}) })),
    get: (id: string) => json<Webhook>(hook(id)),
    /** The answer holds the endpoint's `whsec_…` signing secret, shown this once. */
    create: (body: CreateWebhook) => json<CreatedWebhook>('v1/webhooks', { method: 'post', json: body }),
    update: (id: string, patch: PatchWebhook) =>
      json<Webhook>(hook(id), {
        method: 'patch',
        body: JSON.stringify(patch),
        headers: { 'content-type': 'application/merge-patch+json' },
      }),
    delete: async (id: string): Promise<void> => {
      await send(hook(id), { method: 'delete' });
    },
    rotateSecret: (id: string) =>
      json<{ secret: string; previous_expires_at: string }>(`${hook(id)}/rotate-secret`, { method: 'post' }),
    test: (id: string) => json<{ delivery_id: string }>(`${hook(id)}/test`, { method: 'post' }),
    deliveries: (id: string, q: ListDeliveriesQuery = {}) =>
      json<WebhookDeliveryList>(`${hook(id)}/deliveries`, { searchParams: query(q) }),
    retryDelivery: async (id: string, deliveryId: string): Promise<void> => {
      await send(`${hook(id)}/deliveries/${seg(deliveryId)}/retry`, { method: 'post' });
    },
  };

  const sessions = (org: string) => `v1/organizations/${seg(org)}/connect-sessions`;
  const connectSessions = {
    /** The answer holds the session's `pbcs_…` token and the page `url` to hand the end user, shown this once. */
    create: (org: string, body: CreateConnectSession) =>
      json<CreatedConnectSession>(sessions(org), { method: 'post', json: body }),
    list: (org: string, q: PageQuery = {}) =>
      json<ConnectSessionList>(sessions(org), { searchParams: query(q) }),
    all: (org: string, q: Omit<PageQuery, 'cursor'> = {}) =>
      walk((cursor) => connectSessions.list(org, { ...q, ...(cursor ? { cursor } : {}) })),
    get: (org: string, id: string) => json<ConnectSession>(`${sessions(org)}/${seg(id)}`),
    /** Revokes it: its page stops working at once. */
    revoke: async (org: string, id: string): Promise<void> => {
      await send(`${sessions(org)}/${seg(id)}`, { method: 'delete' });
    },
  };

  return { organizations, connections, events, providers, webhooks, connectSessions };
}

export type PlugboardClient = ReturnType<typeof createPlugboardClient>;
