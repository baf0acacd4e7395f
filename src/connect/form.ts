import { z } from 'zod';

/**
 * The connect page's form model, derived from a kind's credential zod schema (the same schema the
 * API validates with, so the page and the API never disagree). `formModel` walks the schema's
 * input JSON Schema (`z.toJSONSchema`): objects become fields and groups, a union discriminated by
 * a constant key becomes one variant per value. Metadata comes from `.meta()`: `title` labels a
 * field (else the key humanized), `description` explains it, and `writeOnly: true` is the ONE
 * secret convention (a password input whose value is never echoed back). Free-form values
 * (records, arrays, untyped) are JSON textareas. `readForm` turns a urlencoded body into the nested
 * credentials object, `fieldErrors` maps the schema's issues back to field names, `keptValues`
 * gives the non-secret values to refill after a failed submit, and `inputAttributes` is the HTML
 * contract with `assets/connect.js`. Refinements do not show in JSON Schema: the server still
 * checks with the real schema. Pure and framework-free.
 */

export type FormNode = FormField | FormGroup;

export type FormInput = 'text' | 'password' | 'select' | 'number' | 'checkbox' | 'json' | 'url' | 'email';

export interface FormField {
  type: 'field';
  /** Dotted path of the value in the credentials object, e.g. `aws.aws_access_key_id`; also the HTML input name. */
  name: string;
  /** Where the value goes in the credentials object (`[]`: the field is the whole object, as JSON). */
  path: readonly string[];
  /** HTML-safe id, e.g. `f-aws-aws_access_key_id`. */
  id: string;
  /** Id of the element holding this field's error message (class `field-error`): `${id}-error`. */
  errorId: string;
  /** Id of the element holding the description (`${id}-hint`), null without a description. */
  hintId: string | null;
  label: string;
  description: string | null;
  /**
   * The value must be given. A required checkbox is sent as `false` when unchecked, so it never
   * gets the HTML `required` attribute (see inputAttributes).
   */
  required: boolean;
  /** Rendered as a password input (or a textarea for JSON) and NEVER echoed back. */
  secret: boolean;
  input: FormInput;
  /** For `select` (a string enum or literal union). */
  options?: Array<{ value: string; label: string }>;
  minLength?: number;
  maxLength?: number;
  /** An HTML `pattern` (only anchored JSON Schema patterns, which mean the same in HTML). */
  pattern?: string;
  min?: number;
  max?: number;
  /** For `number`: 1 for integers, 'any' otherwise. */
  step?: number | 'any';
}

/** A nested object, rendered as a fieldset. */
export interface FormGroup {
  type: 'group';
  name: string;
  path: readonly string[];
  id: string;
  /** Id of the element holding the group's error message (class `field-error`). */
  errorId: string;
  label: string;
  description: string | null;
  required: boolean;
  nodes: FormNode[];
}

export interface FormVariant {
  value: string;
  label: string;
  nodes: FormNode[];
}

export interface FormModel {
  /** The nodes, when the schema is not a discriminated union (else empty). */
  nodes: FormNode[];
  /** For a union discriminated by a constant key (Versori's `type`): that key, and one variant per value. */
  discriminator: string | null;
  variants: FormVariant[];
}

type Json = z.core.JSONSchema.JSONSchema;
type AnyJson = z.core.JSONSchema._JSONSchema;

/** Name and HTML `name` of the one JSON field of a schema that is not an object with properties. */
const ROOT_NAME = 'credentials';
/** Objects nested deeper than this are JSON fields. */
const MAX_DEPTH = 4;

/**
 * The form of `schema`. `options.variants` narrows and orders the discriminator values offered
 * (values the schema does not have are ignored). A schema that is neither an object with
 * properties nor a discriminated union of such objects is one required, secret JSON field
 * (`credentials`) holding the whole object.
 */
export function formModel(schema: z.ZodType, options?: { variants?: readonly string[] }): FormModel {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const top = resolve(root, root);
  if (hasProperties(top))
    return { nodes: objectNodes(top, root, [], true, false), discriminator: null, variants: [] };
  const members = (top.oneOf ?? top.anyOf ?? []).map((m) => resolve(m, root));
  const key = discriminatorOf(members, root);
  if (key === null) return { nodes: [rootField(top)], discriminator: null, variants: [] };
  let variants = members.map((m) => {
    const value = constOf(m.properties?.[key], root) as string;
    const nodes = objectNodes(m, root, [], true, false).filter((n) => n.name !== key);
    return { value, label: m.title ?? humanize(value), nodes };
  });
  const wanted = options?.variants;
  if (wanted)
    variants = wanted.flatMap((v) => variants.filter((x) => x.value === v)).filter(unique((x) => x.value));
  return { nodes: [], discriminator: key, variants };
}

/**
 * The nodes to render: the plain nodes for `variant` null, else that variant's. Null when the
 * choice does not fit the model (a variant not offered, none for a union, one for a plain form).
 */
export function modelOf(model: FormModel, variant: string | null): FormNode[] | null {
  if (model.discriminator === null) return variant === null ? model.nodes : null;
  if (variant === null) return null;
  return model.variants.find((v) => v.value === variant)?.nodes ?? null;
}

/**
 * Reads a urlencoded body (as Hono's `parseBody` gives it; File values are ignored) into the
 * credentials object the schema checks. Dotted names nest; empty optional fields and empty
 * optional groups are left out (a required empty text stays `''`, so the schema names it);
 * checkboxes are booleans (unchecked: `false` when required, else left out); numbers and JSON are
 * parsed, a failure being an error on that field (never a throw, never the value in the message).
 * `discriminator` sets the chosen variant's key. Keys that are not fields are ignored.
 */
export function readForm(
  nodes: FormNode[],
  body: Record<string, unknown>,
  discriminator?: { key: string; value: string },
): { value: Record<string, unknown>; errors: Map<string, string> } {
  const value: Record<string, unknown> = {};
  const errors = new Map<string, string>();
  readNodes(nodes, body, value, errors);
  if (discriminator) put(value, discriminator.key, discriminator.value);
  return { value, errors };
}

/**
 * A message per node name for the issues of `schema.safeParse(value)`: each issue goes to the
 * node (field or group) whose path is the longest prefix of the issue's path, else to `''` (the
 * form). The first issue of a name wins. Messages never echo submitted values: unknown-key issues
 * get a fixed message, and a message holding a value of `submitted` (the body) is replaced.
 */
export function fieldErrors(
  issues: readonly z.core.$ZodIssue[],
  nodes: FormNode[],
  submitted?: Record<string, unknown>,
): Map<string, string> {
  const all = flatten(nodes);
  const values = submitted ? submittedValues(all, submitted) : [];
  const errors = new Map<string, string>();
  for (const issue of issues) {
    const name = ownerOf(issue.path.map(String), all);
    if (!errors.has(name)) errors.set(name, safeMessage(issue, values));
  }
  return errors;
}

/** The values to refill after a failed submit: every non-secret field's submitted string, never a secret one. */
export function keptValues(nodes: FormNode[], body: Record<string, unknown>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const node of flatten(nodes)) {
    if (node.type !== 'field' || node.secret) continue;
    const s = submittedOf(body, node.name);
    if (s !== undefined) kept[node.name] = s;
  }
  return kept;
}

/**
 * `readForm`, then the schema, then the errors of both (readForm's first). On success `value` is
 * the credentials object as the API takes it; on failure `errors` and `kept` re-render the form.
 */
export function checkForm(
  schema: z.ZodType,
  nodes: FormNode[],
  body: Record<string, unknown>,
  discriminator?: { key: string; value: string },
):
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; errors: Map<string, string>; kept: Record<string, string> } {
  const read = readForm(nodes, body, discriminator);
  const parsed = schema.safeParse(read.value);
  if (parsed.success && read.errors.size === 0) return { ok: true, value: read.value };
  const errors = new Map(read.errors);
  if (!parsed.success)
    for (const [name, message] of fieldErrors(parsed.error.issues, nodes, body))
      if (!errors.has(name)) errors.set(name, message);
  return { ok: false, errors, kept: keptValues(nodes, body) };
}

/**
 * The attributes of a field's element (attribute → value; `true` for a boolean attribute), the
 * contract with `assets/connect.js`: `<select>` for `select`, `<textarea data-json>` for `json`,
 * else `<input type>`. Holds no value: the page adds `value` (or `checked`, `selected`, the
 * textarea's text) from keptValues only, so a secret is never echoed. The page renders
 * `<p id={errorId} class="field-error">` (empty when there is no error) and, with a description,
 * `<p id={hintId}>`; `invalid` sets `aria-invalid`.
 */
export function inputAttributes(field: FormField, invalid = false): Record<string, string | true> {
  const a: Record<string, string | true> = { id: field.id, name: field.name };
  const tag = field.input === 'select' ? 'select' : field.input === 'json' ? 'textarea' : 'input';
  if (tag === 'input') a['type'] = field.input === 'checkbox' ? 'checkbox' : field.input;
  if (field.input === 'checkbox') a['value'] = 'true';
  if (field.input === 'json') a['data-json'] = true;
  if (field.required && field.input !== 'checkbox') a['required'] = true;
  for (const [attr, v] of [
    ['minlength', field.minLength],
    ['maxlength', field.maxLength],
    ['pattern', field.pattern],
    ['min', field.min],
    ['max', field.max],
    ['step', field.step],
  ] as const)
    if (v !== undefined) a[attr] = String(v);
  if (field.input !== 'checkbox' && field.input !== 'select') a['autocomplete'] = 'off';
  if (field.input !== 'checkbox' && field.input !== 'select' && field.input !== 'number') {
    a['spellcheck'] = 'false';
    a['autocapitalize'] = 'none';
  }
  a['aria-describedby'] = [field.hintId, field.errorId].filter((x) => x !== null).join(' ');
  if (invalid) a['aria-invalid'] = 'true';
  return a;
}

// ---- The JSON Schema walk ----

/** The schema behind `$ref`s (local pointers only), booleans as `{}`, and `null` dropped from unions. */
function resolve(s: AnyJson | undefined, root: Json): Json {
  let cur: Json = typeof s === 'object' ? s : {};
  for (let hops = 0; typeof cur.$ref === 'string' && hops < 16; hops += 1) {
    const { $ref, ...siblings } = cur;
    cur = { ...pointer(root, $ref), ...siblings };
  }
  return withoutNull(cur, root);
}

function pointer(root: Json, ref: string): Json {
  if (!ref.startsWith('#')) return {};
  let at: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  }
  return at !== null && typeof at === 'object' ? (at as Json) : {};
}

/** A nullable schema as its non-null part (`type: ['string', 'null']`, `anyOf: [X, {type: 'null'}]`). */
function withoutNull(s: Json, root: Json): Json {
  if (Array.isArray(s.type)) {
    const types = s.type.filter((t) => t !== 'null');
    return { ...s, type: types.length === 1 ? (types[0] as z.core.JSONSchema.SchemaType) : types };
  }
  const union = s.anyOf ?? s.oneOf;
  if (!union) return s;
  const rest = union.filter((m) => m.type !== 'null');
  if (rest.length !== 1 || rest.length === union.length) return s;
  const { anyOf: _a, oneOf: _o, ...meta } = s;
  return { ...resolve(rest[0], root), ...meta };
}

function hasProperties(s: Json): s is Json & { properties: Record<string, AnyJson> } {
  return s.type === 'object' && s.properties !== undefined && Object.keys(s.properties).length > 0;
}

function objectNodes(s: Json, root: Json, path: string[], required: boolean, secret: boolean): FormNode[] {
  const needed = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(([key, sub]) =>
    nodeOf(resolve(sub, root), root, [...path, key], required && needed.has(key), secret),
  );
}

function nodeOf(s: Json, root: Json, path: string[], required: boolean, inSecret: boolean): FormNode {
  const secret = inSecret || s.writeOnly === true;
  const key = path[path.length - 1] ?? ROOT_NAME;
  const id = idOf(path);
  const common = {
    name: path.join('.'),
    path,
    id,
    errorId: `${id}-error`,
    label: s.title ?? humanize(key),
    description: s.description ?? null,
    required,
  };
  if (hasProperties(s) && path.length <= MAX_DEPTH)
    return { type: 'group', ...common, nodes: objectNodes(s, root, path, required, secret) };
  return {
    type: 'field',
    ...common,
    hintId: s.description ? `${id}-hint` : null,
    secret,
    ...inputOf(s, root, secret),
  };
}

/** The one JSON field of a schema that is not an object with properties. */
function rootField(s: Json): FormField {
  const id = idOf([ROOT_NAME]);
  const description = s.description ?? 'The credentials, as a JSON object.';
  return {
    type: 'field',
    name: ROOT_NAME,
    path: [],
    id,
    errorId: `${id}-error`,
    hintId: `${id}-hint`,
    label: s.title ?? 'Credentials',
    description,
    required: true,
    secret: true,
    input: 'json',
  };
}

type InputPart = Pick<
  FormField,
  'input' | 'options' | 'minLength' | 'maxLength' | 'pattern' | 'min' | 'max' | 'step'
>;

function inputOf(s: Json, root: Json, secret: boolean): InputPart {
  const values = enumOf(s, root);
  if (values !== null)
    return values.every((v) => typeof v === 'string')
      ? { input: 'select', options: values.map((v) => ({ value: v, label: v })) }
      : { input: 'json' };
  if (s.type === 'string') return { input: stringInput(s, secret), ...stringLimits(s) };
  if (s.type === 'number' || s.type === 'integer') return numberInput(s);
  if (s.type === 'boolean') return { input: 'checkbox' };
  return { input: 'json' };
}

function stringInput(s: Json, secret: boolean): FormInput {
  if (secret) return 'password';
  if (s.format === 'email') return 'email';
  if (s.format === 'uri' || s.format === 'url') return 'url';
  return 'text';
}

function stringLimits(s: Json): Pick<FormField, 'minLength' | 'maxLength' | 'pattern'> {
  const limits: Pick<FormField, 'minLength' | 'maxLength' | 'pattern'> = {};
  if (typeof s.minLength === 'number') limits.minLength = s.minLength;
  if (typeof s.maxLength === 'number') limits.maxLength = s.maxLength;
  // HTML anchors a pattern (`^(?:p)$`); JSON Schema does not: only an anchored one means the same.
  if (s.format === undefined && typeof s.pattern === 'string' && /^\^.*[^\\]\$$/.test(s.pattern))
    limits.pattern = s.pattern;
  return limits;
}

function numberInput(s: Json): InputPart {
  const part: InputPart = { input: 'number', step: s.type === 'integer' ? 1 : 'any' };
  if (typeof s.minimum === 'number') part.min = s.minimum;
  if (typeof s.maximum === 'number') part.max = s.maximum;
  return part;
}

/** The allowed values of an enum, a const or a union of them; null for anything else. */
function enumOf(s: Json, root: Json): Array<string | number | boolean | null> | null {
  if (s.const !== undefined) return [s.const];
  if (s.enum) return s.enum;
  const union = s.anyOf ?? s.oneOf;
  if (!union || union.length === 0) return null;
  const parts = union.map((m) => enumOf(resolve(m, root), root));
  return parts.every((p) => p !== null) ? parts.flat() : null;
}

/** The single constant value of a property schema, or undefined. */
function constOf(s: AnyJson | undefined, root: Json): unknown {
  const values = s === undefined ? null : enumOf(resolve(s, root), root);
  return values?.length === 1 ? values[0] : undefined;
}

/** The key every member (an object) requires with a distinct string constant; `type` first. */
function discriminatorOf(members: Json[], root: Json): string | null {
  if (members.length === 0 || !members.every(hasProperties)) return null;
  const first = members[0] as Json;
  const keys = Object.keys(first.properties ?? {}).sort(
    (a, b) => Number(b === 'type') - Number(a === 'type'),
  );
  return (
    keys.find((key) => {
      const values = members.map((m) =>
        m.required?.includes(key) ? constOf(m.properties?.[key], root) : undefined,
      );
      return values.every((v) => typeof v === 'string') && new Set(values).size === values.length;
    }) ?? null
  );
}

const ACRONYMS: Record<string, string> = {
  api: 'API',
  aws: 'AWS',
  id: 'ID',
  ids: 'IDs',
  url: 'URL',
  uri: 'URI',
  jwt: 'JWT',
  oauth: 'OAuth',
  oauth2: 'OAuth2',
  http: 'HTTP',
  https: 'HTTPS',
  ip: 'IP',
  json: 'JSON',
  sso: 'SSO',
  ssh: 'SSH',
  tls: 'TLS',
  saml: 'SAML',
  oidc: 'OIDC',
};

/** `client_key` → "Client key", `aws_region_name` → "AWS region name", `apiKey` → "API key". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter((w) => w !== '')
    .map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase());
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function idOf(path: readonly string[]): string {
  const parts = path.length === 0 ? [ROOT_NAME] : path;
  return `f-${parts.map((p) => p.replace(/[^A-Za-z0-9_]/g, '_')).join('-')}`;
}

function unique<T>(keyOf: (x: T) => unknown): (x: T, i: number, all: T[]) => boolean {
  return (x, i, all) => all.findIndex((y) => keyOf(y) === keyOf(x)) === i;
}

// ---- Reading a body ----

function readNodes(
  nodes: FormNode[],
  body: Record<string, unknown>,
  target: Record<string, unknown>,
  errors: Map<string, string>,
): void {
  for (const node of nodes) {
    const key = node.path[node.path.length - 1];
    if (node.type === 'group') {
      const sub: Record<string, unknown> = {};
      readNodes(node.nodes, body, sub, errors);
      if (key !== undefined && (node.required || Object.keys(sub).length > 0)) put(target, key, sub);
      continue;
    }
    const read = readField(node, submittedOf(body, node.name));
    if ('error' in read) errors.set(node.name, read.error);
    else if (read.value === undefined) continue;
    else if (key !== undefined) put(target, key, read.value);
    else if (isPlainObject(read.value)) for (const [k, v] of Object.entries(read.value)) put(target, k, v);
    else errors.set(node.name, 'Expected a JSON object');
  }
}

/** A field's value (undefined: left out), or why the submitted text is not one. */
function readField(field: FormField, raw: string | undefined): { value: unknown } | { error: string } {
  if (field.input === 'checkbox') {
    const checked = raw !== undefined && raw !== '' && raw !== 'false' && raw !== 'off';
    return { value: checked ? true : field.required ? false : undefined };
  }
  if (raw === undefined || raw === '') {
    const keepEmpty = raw === '' && field.required && field.input !== 'number' && field.input !== 'json';
    return { value: keepEmpty ? '' : undefined };
  }
  if (field.input === 'number') {
    const t = raw.trim();
    return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)
      ? { value: Number(t) }
      : { error: 'Expected a number' };
  }
  if (field.input === 'json') {
    try {
      return { value: JSON.parse(raw) as unknown };
    } catch {
      // The parser's message quotes the input: never pass it on.
      return { error: 'Expected valid JSON' };
    }
  }
  return { value: raw };
}

/** The submitted string of a form name (the last one when repeated); File values are not strings. */
function submittedOf(body: Record<string, unknown>, name: string): string | undefined {
  if (!Object.hasOwn(body, name)) return undefined;
  const v = body[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').at(-1);
  return undefined;
}

/** Sets an own, enumerable property (a `__proto__` key stays data). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---- Errors ----

function flatten(nodes: FormNode[]): FormNode[] {
  return nodes.flatMap((n) => (n.type === 'group' ? [n, ...flatten(n.nodes)] : [n]));
}

/** The name of the node whose path is the longest prefix of `path`, else `''`. */
function ownerOf(path: string[], nodes: FormNode[]): string {
  let best: FormNode | undefined;
  for (const node of nodes) {
    const prefix = node.path.length <= path.length && node.path.every((p, i) => p === path[i]);
    if (prefix && (best === undefined || node.path.length > best.path.length)) best = node;
  }
  return best?.name ?? '';
}

/** Submitted strings of the fields long enough to recognise in a message. */
function submittedValues(nodes: FormNode[], body: Record<string, unknown>): string[] {
  return nodes
    .filter((n) => n.type === 'field')
    .map((n) => submittedOf(body, n.name))
    .filter((v): v is string => v !== undefined && v.trim().length >= 3);
}

function safeMessage(issue: z.core.$ZodIssue, values: string[]): string {
  // Unknown keys are named in zod's message; in a JSON field they are submitted text.
  if (issue.code === 'unrecognized_keys') return 'Has keys that are not allowed';
  const message = issue.message || 'Invalid value';
  return values.some((v) => message.includes(v)) ? 'Invalid value' : message;
}
