import { OpenAPIBackend, type Operation, type ValidationResult } from 'openapi-backend';
import type { RecordedRequest } from '../../../src/simulator/kit.js';
import type { SimExchange } from '../../../src/providers/versori/simulator/exchanges.js';
import { repoPath } from '../../helpers/repo.js';

/**
 * Validates traffic against Versori's published Switchboard OpenAPI document with openapi-backend.
 * The document is vendored unchanged at `docs/providers/specs/versori-switchboard-api-v1alpha1.yaml`;
 * its origin and SHA-256 are recorded in `docs/providers/specs/README.md`.
 *
 * The API root is the path of the document's first (production) server URL, which is also where
 * the simulator serves the API. Only the five connection operations, GetConnectedApps (tagged
 * `connections` too; the adapter's catalogue reads it), InitialiseConnection (the adapter's provider
 * flow) and FinaliseConnectionCallback (the OAuth2 provider's redirect, which a browser brings to
 * the simulator) are expected.
 *
 * FinaliseConnectionCallback is tagged `public` and is reached by a browser redirect, which cannot
 * carry an API key, yet the document does not lift its global security for it; and for "a browser
 * context" its 204 says "the user should be redirected back to a suitable location", which no
 * declared status does. So, for operations tagged `public` only: no `Authorization` is required of a
 * request, and a 303 (the redirect, with no body) is accepted as an answer.
 *
 * Two defects of the published document are handled explicitly, nowhere else:
 * - `AppAuthConfigData` and the `data` of Create/UpdateConnectionRequestBody are `oneOf` unions
 *   that are not mutually exclusive (OIDC and OAuth2 have no required keys, so they match every
 *   object; JWT-bearer data also matches ConnectionDataSecret). "Must match exactly one" can then
 *   never hold. Such an ambiguous match (≥ 2 passing branches) is accepted only if the value
 *   validates against the one variant its auth type names (`type` of the AppAuthConfig, `authType`
 *   of the create body, the connection's auth type for a PUT). Zero passing branches stays an error.
 * - `Connection` lists `authType` as required without defining it: nothing is relaxed; the
 *   simulator sends it.
 */

type AjvError = NonNullable<ValidationResult['errors']>[number];
interface CompiledValidator {
  (data: unknown): boolean;
  errors?: AjvError[] | null | undefined;
}
interface AjvLike {
  compile(schema: unknown): CompiledValidator;
  addFormat(name: string, format: unknown): unknown;
}

export const SPEC_FILE = repoPath('docs/providers/specs/versori-switchboard-api-v1alpha1.yaml');
/** Where the vendored document's provenance (origin, commits, SHA-256, date) is recorded. */
export const SPEC_PROVENANCE_FILE = repoPath('docs/providers/specs/README.md');

const CONNECTION_OPERATIONS = [
  'CreateConnection',
  'GetConnections',
  'GetConnection',
  'UpdateConnection',
  'DeleteConnection',
  'GetConnectedApps',
  'InitialiseConnection',
  'FinaliseConnectionCallback',
];

/** An operation anyone may call (a browser redirected to it): the spec tags it `public`. */
function isPublic(op: Operation): boolean {
  return op.tags?.includes('public') ?? false;
}

const VARIANTS = {
  appAuthConfig: {
    oidc: 'AppAuthConfigOIDC',
    oauth2: 'AppAuthConfigOAuth2',
    apikey: 'AppAuthConfigApiKey',
    httpBasicAuth: 'AppAuthConfigHTTPBasicAuth',
    jwtbearer: 'AppAuthConfigJWTBearer',
    httprefresh: 'AppAuthConfigHTTPRefresh',
  },
  connectionData: {
    apikey: 'ConnectionDataAPIKey',
    httpBasicAuth: 'ConnectionDataHTTPBasicAuth',
    httprefresh: 'ConnectionDataSecret',
    oauth2: 'ConnectionDataOAuth2ClientCredentials',
    jwtbearer: 'ConnectionDataJWTBearer',
  },
} as const satisfies Record<string, Record<string, string>>;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function at(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function render(errors: readonly AjvError[]): string[] {
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}

export class SwitchboardSpec {
  /** Requests and responses checked so far (a test asserts this is not zero). */
  checkedRequests = 0;
  checkedResponses = 0;
  readonly #variantValidators = new Map<string, CompiledValidator>();

  private constructor(
    private readonly api: OpenAPIBackend,
    private readonly ajv: AjvLike,
    readonly apiRoot: string,
  ) {}

  static async load(): Promise<SwitchboardSpec> {
    let captured: AjvLike | undefined;
    // The first server URL's path is the API root (the simulator serves the API there too).
    const probe = await new OpenAPIBackend({ definition: SPEC_FILE, quick: true }).loadDocument();
    const server = probe.servers?.[0]?.url;
    if (!server) throw new Error('the Switchboard spec names no server');
    const apiRoot = new URL(server).pathname.replace(/\/+$/, '');
    const api = new OpenAPIBackend({
      definition: SPEC_FILE,
      apiRoot,
      ajvOpts: { allErrors: true },
      customizeAjv: (ajv) => {
        ajv.addFormat('date-time', {
          type: 'string',
          validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)),
        });
        ajv.addFormat('uri', { type: 'string', validate: (s: string) => URL.canParse(s) });
        ajv.addFormat('binary', true);
        captured ??= ajv as unknown as AjvLike;
        return ajv;
      },
    });
    await api.init();
    if (!captured) throw new Error('openapi-backend built no validator');
    return new SwitchboardSpec(api, captured, apiRoot);
  }

  #operation(
    method: string,
    path: string,
  ): { op: Operation; problems: string[] } | { op: null; problems: string[] } {
    if (!path.startsWith(`${this.apiRoot}/`))
      return { op: null, problems: [`${method} ${path}: not below the API root ${this.apiRoot}`] };
    const op = this.api.router.matchOperation({ method: method.toLowerCase(), path, headers: {} });
    if (!op?.operationId) return { op: null, problems: [`${method} ${path}: no such operation in the spec`] };
    if (!CONNECTION_OPERATIONS.includes(op.operationId))
      return { op: null, problems: [`${method} ${path}: ${op.operationId} is not a connection operation`] };
    return { op, problems: [] };
  }

  #variant(family: keyof typeof VARIANTS, authType: unknown): CompiledValidator | null {
    const name =
      typeof authType === 'string' ? (VARIANTS[family] as Record<string, string>)[authType] : undefined;
    if (!name) return null;
    let v = this.#variantValidators.get(name);
    if (!v) {
      const schema = (this.api.definition.components?.schemas as Record<string, unknown> | undefined)?.[name];
      if (!schema) throw new Error(`the spec has no schema ${name}`);
      v = this.ajv.compile(schema);
      this.#variantValidators.set(name, v);
    }
    return v;
  }

  /** Drops "matches more than one branch" errors of the known ambiguous unions, after checking the named variant. */
  #resolveAmbiguousUnions(
    errors: readonly AjvError[],
    root: unknown,
    connectionAuthType: string | undefined,
  ): string[] {
    let rest = [...errors];
    const extra: string[] = [];
    for (const e of errors) {
      if (
        e.keyword !== 'oneOf' ||
        !Array.isArray((e.params as { passingSchemas?: unknown }).passingSchemas) ||
        !e.instancePath.endsWith('/data')
      )
        continue;
      const parentPointer = e.instancePath.slice(0, -'/data'.length);
      const parent = at(root, parentPointer) as Record<string, unknown> | undefined;
      let validator: CompiledValidator | null = null;
      if (parent && typeof parent['isValid'] === 'boolean')
        validator = this.#variant('appAuthConfig', parent['type']);
      else if (e.instancePath === '/requestBody/data')
        validator = this.#variant('connectionData', parent?.['authType'] ?? connectionAuthType);
      if (!validator) continue; // not a known union, or no auth type to decide: the error stands
      rest = rest.filter(
        (x) =>
          x !== e &&
          !(x.instancePath.startsWith(e.instancePath) && x.schemaPath.startsWith(`${e.schemaPath}/`)),
      );
      if (!validator(at(root, e.instancePath))) {
        extra.push(
          ...render(
            (validator.errors ?? []).map((x) => ({ ...x, instancePath: e.instancePath + x.instancePath })),
          ),
        );
      }
    }
    return [...render(rest), ...extra];
  }

  /** Problems of one request as the upstream received it (empty when it conforms). */
  checkRequest(
    req: Pick<RecordedRequest, 'method' | 'path' | 'query' | 'headers' | 'body'>,
    connectionAuthType?: string,
  ): string[] {
    const { op, problems } = this.#operation(req.method, req.path);
    if (!op) return problems;
    this.checkedRequests += 1;
    const where = `${req.method} ${req.path}${req.query}`;
    const scheme = Object.values(this.api.definition.components?.securitySchemes ?? {})[0] as
      | { in?: string; name?: string }
      | undefined;
    if (scheme?.in === 'header' && scheme.name && !isPublic(op)) {
      const value = req.headers[scheme.name.toLowerCase()];
      if (value === undefined || value.trim() === '')
        problems.push(`${where}: no ${scheme.name} header (security scheme)`);
    }
    let body: unknown;
    if (req.body !== '') {
      try {
        body = JSON.parse(req.body) as unknown;
      } catch {
        return [...problems, `${where}: body is not JSON`];
      }
    }
    const contentType = req.headers['content-type'];
    if (body !== undefined && !contentType?.startsWith('application/json'))
      problems.push(`${where}: body sent as ${contentType ?? 'no content type'}`);
    const result = this.api.validateRequest(
      {
        method: req.method.toLowerCase(),
        path: req.path,
        query: req.query.replace(/^\?/, ''),
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined ? { body: body as object } : {}),
      },
      op,
    );
    const found = this.#resolveAmbiguousUnions(
      result.errors ?? [],
      { requestBody: body },
      connectionAuthType,
    );
    return [...problems, ...found.map((m) => `${where} request: ${m}`)];
  }

  /** Problems of one answer: a declared status (a 2xx must be declared explicitly) and a body of its schema. */
  checkResponse(ex: Pick<SimExchange, 'method' | 'path' | 'status' | 'responseBody'>): string[] {
    const { op, problems } = this.#operation(ex.method, ex.path);
    if (!op) return problems;
    this.checkedResponses += 1;
    const where = `${ex.method} ${ex.path} → ${ex.status}`;
    const declared = Object.keys(op.responses ?? {});
    if (isPublic(op) && ex.status === 303) {
      return ex.responseBody === undefined ? [] : [`${where}: a redirect with a body`];
    }
    if (ex.status < 400 && !declared.includes(String(ex.status))) {
      return [`${where}: status not declared for ${op.operationId} (declared: ${declared.join(', ')})`];
    }
    const result = this.api.validateResponse(ex.responseBody, op, ex.status);
    return this.#resolveAmbiguousUnions(result.errors ?? [], ex.responseBody, undefined).map(
      (m) => `${where} response: ${m}`,
    );
  }
}
