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

export type ChangeMode = 'patch' | 'put';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Fields of a create or change body that this provider entry cannot set at all, as the problems of
 * a 422 `unsupported_change`: a caller learns the field is not writable rather than that its value is wrong.
 */
export function unsupportedFields(adapter: ProviderAdapter, body: Readonly<Record<string, unknown>>): FieldProblem[] {
  const caps = adapter.capabilities;
  const out: FieldProblem[] = [];
  const where = `${adapter.id} (${adapter.type})`;
  if ('name' in body && !caps.writableName) out.push({ pointer: '/name', message: `name is not writable on ${where}` });
  if ('status' in body && caps.writableStatus.length === 0) out.push({ pointer: '/status', message: `status is not writable on ${where}` });
  if ('settings' in body && !adapter.schemas.settings) out.push({ pointer: '/settings', message: `${where} connections have no writable settings` });
  const settings = body['settings'];
  if (adapter.schemas.settings && isObject(settings)) {
    for (const key of Object.keys(settings)) {
      if (caps.unsupportedSettings.includes(key)) out.push({ pointer: `/settings/${key}`, message: `${key} is not available on ${where}` });
    }
  }
  if ('credentials' in body && !caps.supportsCredentials) out.push({ pointer: '/credentials', message: `${where} connections hold no credentials the gateway can set` });
  return out;
}

/** Throws the 422 for `problems`, if any. */
export function refuseUnsupported(adapter: ProviderAdapter, problems: FieldProblem[], detail: string): void {
  if (problems.length > 0) throw new GatewayError('unsupported_change', detail, { errors: problems, provider: adapter.id });
}

/**
 * A PATCH (merge patch) or PUT body, checked against what the entry can change, as the change to
 * apply. `kind` is the connection's kind (credentials are checked per kind, e.g. per Leen vendor).
 */
export function validateChange(adapter: ProviderAdapter, kind: string, body: ChangeBody, mode: ChangeMode): ConnectionChange {
  const caps = adapter.capabilities;
  if (mode === 'put') {
    const required: Array<keyof ChangeBody> = [];
    if (caps.writableName) required.push('name');
    if (caps.writableStatus.length > 0) required.push('status');
    if (adapter.schemas.settings) required.push('settings');
    const missing = required.filter((k) => !(k in body));
    if (missing.length > 0) throw validationError(missing.map((k) => ({ pointer: `/${k}`, message: 'required in a full replacement (PUT)' })));
  }

  const unsupported = unsupportedFields(adapter, body as Record<string, unknown>);
  const status = body.status;
  if (typeof status === 'string' && caps.writableStatus.length > 0 && ConnectionStatus.safeParse(status).success
    && !caps.writableStatus.includes(status as ConnectionStatus)) {
    unsupported.push({ pointer: '/status', message: `status can be set to ${caps.writableStatus.join(' or ')} on ${adapter.type}` });
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
  check('name', caps.nullableName ? adapter.schemas.name : adapter.schemas.name.refine((v) => v !== null, 'must not be null'), (v) => { change.name = v; });
  check('status', ConnectionStatus, (v) => { change.status = v; });
  if (adapter.schemas.settings) check('settings', adapter.schemas.settings, (v) => { change.settings = v; });
  const credentialSchema = adapter.schemas.credentials(kind);
  if (credentialSchema) check('credentials', credentialSchema, (v) => { change.credentials = new Secret(v); });
  if (bad.length > 0) throw validationError(bad);
  return change;
}
