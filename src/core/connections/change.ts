import { z } from 'zod';
import type { ConnectionChange, ProviderAdapter } from '../adapter.js';
import { ConnectionStatus } from '../connection.js';
import { GatewayError, validationError, type FieldProblem } from '../errors.js';
import { Secret } from '../secret.js';
import { problemsOf } from '../validation.js';

/**
 * Change validation, pure: what a caller may change on a connection of a given provider entry,
 * checked in the contract's order before any upstream call:
 *   1. unknown fields → 400 `validation_failed` (the route's schema already refused them);
 *   2. fields the entry cannot change at all → 422 `unsupported_change`;
 *   3. invalid values → 400 `validation_failed`, a pointer per field.
 */

/** The fields of a PATCH or PUT body; values are checked here, per provider, once the connection is known. */
export interface ChangeBody {
  name?: unknown;
  status?: unknown;
  settings?: unknown;
  credentials?: unknown;
}

/** The envelope a route checks: only these four keys (unknown ones are 400); values are checked per provider here. */
export const ChangeBodySchema: z.ZodType<ChangeBody> = z.strictObject({
  name: z.unknown().optional(),
  status: z.unknown().optional(),
  settings: z.unknown().optional(),
  credentials: z.unknown().optional(),
});

/** JSON Schema of a zod schema, for documentation inside another schema. */
function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

/**
 * The same envelope, documented for the configured providers: what each field takes on each of
 * them. Values are not checked here (the provider is known only after the connection is found, and
 * a field a provider cannot change must be 422 before its value is judged): ChangeBodySchema's
 * checks, with the union of the providers' shapes as documentation.
 */
export function changeBodySchema(adapters: ReadonlyArray<ProviderAdapter>): z.ZodType<ChangeBody> {
  const settings = adapters.flatMap((a) =>
    a.schemas.settings ? [{ title: `${a.id} settings`, ...jsonSchemaOf(a.schemas.settings) }] : [],
  );
  const statuses = [...new Set(adapters.flatMap((a) => a.capabilities.writableStatus))];
  const where = (pred: (a: ProviderAdapter) => boolean) =>
    adapters
      .filter(pred)
      .map((a) => a.id)
      .join(', ') || 'none';
  return z
    .strictObject({
      name: z
        .unknown()
        .optional()
        .meta({
          type: ['string', 'null'],
          description: `New name; null clears it where the provider allows. Writable on: ${where((a) => a.capabilities.writableName)}.`,
        }),
      status: z
        .unknown()
        .optional()
        .meta({
          type: 'string',
          enum: statuses,
          description: `New status, among the provider's writable statuses (GET /v1/providers). Writable on: ${where((a) => a.capabilities.writableStatus.length > 0)}.`,
        }),
      settings: z
        .unknown()
        .optional()
        .meta({
          description: `The provider's writable settings, merged key by key (PATCH). On: ${where((a) => a.schemas.settings !== null)}.`,
          ...(settings.length > 1 ? { anyOf: settings } : (settings[0] ?? { type: 'object' })),
        }),
      credentials: z
        .unknown()
        .optional()
        .meta({
          type: 'object',
          writeOnly: true,
          description: `Replacement credentials, whole (never merged), in the shape the connection's kind takes (see the create body). On: ${where((a) => a.capabilities.supportsCredentials)}.`,
        }),
    })
    .meta({
      id: 'ConnectionChange',
      description: 'A JSON Merge Patch (PATCH) or the writable fields (PUT) of a connection.',
    });
}

export type ChangeMode = 'patch' | 'put';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Fields of a create or change body that this provider entry cannot set at all, as the problems of
 * a 422 `unsupported_change`: a caller learns the field is not writable rather than that its value is wrong.
 */
export function unsupportedFields(
  adapter: ProviderAdapter,
  body: Readonly<Record<string, unknown>>,
): FieldProblem[] {
  const caps = adapter.capabilities;
  const out: FieldProblem[] = [];
  const where = `${adapter.id} (${adapter.type})`;
  if ('name' in body && !caps.writableName)
    out.push({ pointer: '/name', message: `name is not writable on ${where}` });
  if ('status' in body && caps.writableStatus.length === 0)
    out.push({ pointer: '/status', message: `status is not writable on ${where}` });
  if ('settings' in body && !adapter.schemas.settings)
    out.push({ pointer: '/settings', message: `${where} connections have no writable settings` });
  const settings = body['settings'];
  if (adapter.schemas.settings && isObject(settings)) {
    for (const key of Object.keys(settings)) {
      if (caps.unsupportedSettings.includes(key))
        out.push({ pointer: `/settings/${key}`, message: `${key} is not available on ${where}` });
    }
  }
  if ('credentials' in body && !caps.supportsCredentials)
    out.push({
      pointer: '/credentials',
      message: `${where} connections hold no credentials the gateway can set`,
    });
  return out;
}

/** Throws the 422 for `problems`, if any. */
export function refuseUnsupported(adapter: ProviderAdapter, problems: FieldProblem[], detail: string): void {
  if (problems.length > 0)
    throw new GatewayError('unsupported_change', detail, { errors: problems, provider: adapter.id });
}

/**
 * A PATCH (merge patch) or PUT body, checked against what the entry can change, as the change to
 * apply. `kind` is the connection's kind (credentials are checked per kind, e.g. per Leen vendor).
 */
export function validateChange(
  adapter: ProviderAdapter,
  kind: string,
  body: ChangeBody,
  mode: ChangeMode,
): ConnectionChange {
  const caps = adapter.capabilities;
  if (mode === 'put') {
    const required: Array<keyof ChangeBody> = [];
    if (caps.writableName) required.push('name');
    if (caps.writableStatus.length > 0) required.push('status');
    if (adapter.schemas.settings) required.push('settings');
    const missing = required.filter((k) => !(k in body));
    if (missing.length > 0)
      throw validationError(
        missing.map((k) => ({ pointer: `/${k}`, message: 'required in a full replacement (PUT)' })),
      );
  }

  const unsupported = unsupportedFields(adapter, body as Record<string, unknown>);
  const status = body.status;
  if (
    typeof status === 'string' &&
    caps.writableStatus.length > 0 &&
    ConnectionStatus.safeParse(status).success &&
    !caps.writableStatus.includes(status as ConnectionStatus)
  ) {
    unsupported.push({
      pointer: '/status',
      message: `status can be set to ${caps.writableStatus.join(' or ')} on ${adapter.type}`,
    });
  }
  refuseUnsupported(adapter, unsupported, `Provider ${adapter.id} cannot make this change.`);

  const change: ConnectionChange = {};
  const bad: FieldProblem[] = [];
  const check = <T>(key: keyof ChangeBody, schema: z.ZodType<T>, assign: (v: T) => void): void => {
    if (!(key in body)) return;
    const r = schema.safeParse(body[key]);
    if (r.success) assign(r.data);
    else bad.push(...problemsOf(r.error, `/${key}`));
  };
  check(
    'name',
    caps.nullableName
      ? adapter.schemas.name
      : adapter.schemas.name.refine((v) => v !== null, 'must not be null'),
    (v) => {
      change.name = v;
    },
  );
  check('status', ConnectionStatus, (v) => {
    change.status = v;
  });
  if (adapter.schemas.settings)
    check('settings', adapter.schemas.settings, (v) => {
      change.settings = v;
    });
  const credentialSchema = adapter.schemas.credentials(kind);
  if (credentialSchema)
    check('credentials', credentialSchema, (v) => {
      change.credentials = new Secret(v);
    });
  if (bad.length > 0) throw validationError(bad);
  return change;
}
