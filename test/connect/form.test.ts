import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  checkForm,
  fieldErrors,
  formModel,
  humanize,
  inputAttributes,
  keptValues,
  modelOf,
  readForm,
  type FormField,
  type FormGroup,
  type FormNode,
} from '../../src/connect/form.js';
import { credentialRule, DOCUMENTED_CREDENTIALS } from '../../src/providers/leen/catalog.js';
import { VersoriCredentials } from '../../src/providers/versori/mapping.js';

/**
 * The connect page's form model against the real provider schemas: what the page renders, and
 * that a submitted form, checked by the same schema the API uses, reports errors per field
 * without ever echoing a secret.
 */

function leenSchema(vendor: string): z.ZodType<Record<string, unknown>> {
  const rule = credentialRule(vendor);
  if (!rule) throw new Error(`no rule for ${vendor}`);
  return rule.schema;
}

function nodesOf(schema: z.ZodType, variant: string | null = null): FormNode[] {
  const nodes = modelOf(formModel(schema), variant);
  if (!nodes) throw new Error(`no nodes for ${variant}`);
  return nodes;
}

function fields(nodes: FormNode[]): FormField[] {
  return nodes.flatMap((n) => (n.type === 'group' ? fields(n.nodes) : [n]));
}

function field(nodes: FormNode[], name: string): FormField {
  const f = fields(nodes).find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

/** readForm, then the schema, then the errors of both: what the page does on a POST. */
function submit(schema: z.ZodType, nodes: FormNode[], body: Record<string, unknown>, variant?: string) {
  const read = readForm(nodes, body, variant === undefined ? undefined : { key: 'type', value: variant });
  const parsed = schema.safeParse(read.value);
  const errors = parsed.success ? new Map<string, string>() : fieldErrors(parsed.error.issues, nodes, body);
  return { value: read.value, readErrors: read.errors, errors, success: parsed.success };
}

const CANARY = 'canary-3f9a-do-not-echo';

describe('formModel of Leen', () => {
  it('TENABLE: two required secret fields', () => {
    const nodes = nodesOf(leenSchema('TENABLE'));
    expect(nodes.map((n) => n.name)).toEqual(['client_key', 'secret_key']);
    for (const f of fields(nodes)) {
      expect(f).toMatchObject({
        type: 'field',
        required: true,
        secret: true,
        input: 'password',
        minLength: 1,
      });
    }
    expect(field(nodes, 'client_key')).toMatchObject({ id: 'f-client_key', label: 'Client key' });
  });

  it('AWS: a required group `aws` with `type` and the direct_access fields nested', () => {
    const nodes = nodesOf(leenSchema('AWS_INSPECTOR2'));
    expect(nodes).toHaveLength(1);
    const group = nodes[0] as FormGroup;
    expect(group).toMatchObject({ type: 'group', name: 'aws', id: 'f-aws', label: 'AWS', required: true });
    expect(group.nodes.map((n) => n.name)).toEqual([
      'aws.type',
      'aws.aws_access_key_id',
      'aws.aws_secret_access_key',
      'aws.aws_region_name',
    ]);
    expect(field(nodes, 'aws.type')).toMatchObject({ required: true, secret: false, input: 'text' });
    expect(field(nodes, 'aws.aws_access_key_id')).toMatchObject({
      id: 'f-aws-aws_access_key_id',
      required: false,
      secret: false,
      input: 'text',
    });
    expect(field(nodes, 'aws.aws_secret_access_key')).toMatchObject({ secret: true, input: 'password' });
    expect(field(nodes, 'aws.aws_region_name')).toMatchObject({ required: false, secret: false });
  });

  it('marks the documented secrets writeOnly, and only them', () => {
    const secrets = Object.fromEntries(
      Object.entries(DOCUMENTED_CREDENTIALS).map(([vendor, d]) => [
        vendor,
        fields(nodesOf(d.schema))
          .filter((f) => f.secret)
          .map((f) => f.name),
      ]),
    );
    expect(secrets).toEqual({
      TENABLE: ['client_key', 'secret_key'],
      QUALYS: ['password'],
      INSIGHTVM: ['api_key'],
      SENTINELONE_VMS: ['api_token'],
      CROWDSTRIKE_SPOTLIGHT: ['client_secret'],
      AWS_INSPECTOR2: ['aws.aws_secret_access_key'],
      AWS_ACCESS_ANALYSER: ['aws.aws_secret_access_key'],
      AWS_SECURITYHUB: ['aws.aws_secret_access_key'],
    });
    expect(field(nodesOf(leenSchema('INSIGHTVM')), 'base_url').label).toBe('Base URL');
    expect(field(nodesOf(leenSchema('CROWDSTRIKE_SPOTLIGHT')), 'client_id').label).toBe('Client ID');
  });

  it('a vendor without a published shape is one secret JSON field holding the whole object', () => {
    const schema = leenSchema('SEMGREP');
    const nodes = nodesOf(schema);
    expect(nodes).toEqual([
      expect.objectContaining({ name: 'credentials', path: [], input: 'json', secret: true, required: true }),
    ]);
    const ok = checkForm(schema, nodes, { credentials: '{"token":"t"}' });
    expect(ok).toEqual({ ok: true, value: { token: 't' } });
    const empty = checkForm(schema, nodes, { credentials: '{}' });
    expect(empty.ok === false && empty.errors.get('credentials')).toBe('Must not be empty');
    const list = readForm(nodes, { credentials: '[1]' });
    expect(list.errors.get('credentials')).toBe('Expected a JSON object');
  });
});

describe('formModel of Versori', () => {
  it("is discriminated by 'type', with one titled variant per credential type", () => {
    const model = formModel(VersoriCredentials);
    expect(model.discriminator).toBe('type');
    expect(model.nodes).toEqual([]);
    expect(model.variants.map((v) => [v.value, v.label])).toEqual([
      ['api_key', 'API key'],
      ['basic_auth', 'Username and password'],
      ['secret', 'Secret'],
      ['oauth2_client_credentials', 'OAuth2 client credentials'],
      ['jwt_bearer', 'JWT bearer'],
    ]);
    for (const v of model.variants) expect(v.nodes.map((n) => n.name)).not.toContain('type');
  });

  it('options.variants narrows and orders the variants offered; unknown values are ignored', () => {
    const model = formModel(VersoriCredentials, { variants: ['secret', 'nope', 'api_key', 'secret'] });
    expect(model.variants.map((v) => v.value)).toEqual(['secret', 'api_key']);
    expect(modelOf(model, 'basic_auth')).toBeNull();
    expect(modelOf(model, null)).toBeNull();
    expect(modelOf(formModel(leenSchema('TENABLE')), 'api_key')).toBeNull();
  });

  it('maps each field type to its input; secrets are writeOnly', () => {
    const oauth = nodesOf(VersoriCredentials, 'oauth2_client_credentials');
    expect(fields(oauth).map((f) => [f.name, f.input, f.required, f.secret])).toEqual([
      ['client_id', 'text', true, false],
      ['client_secret', 'password', true, true],
      ['username', 'text', false, false],
      ['password', 'password', false, true],
      ['additional_parameters', 'text', false, false],
      ['issue_token', 'checkbox', false, false],
      ['auth_style', 'number', false, false],
    ]);
    expect(field(oauth, 'auth_style').step).toBe(1);
    const jwt = nodesOf(VersoriCredentials, 'jwt_bearer');
    expect(field(jwt, 'payload').input).toBe('json');
    expect(field(jwt, 'algorithm')).toMatchObject({
      input: 'select',
      options: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512'].map((v) => ({ value: v, label: v })),
    });
    expect(field(nodesOf(VersoriCredentials, 'api_key'), 'api_key')).toMatchObject({ secret: true });
    expect(field(nodesOf(VersoriCredentials, 'basic_auth'), 'password')).toMatchObject({ secret: true });
    expect(field(nodesOf(VersoriCredentials, 'secret'), 'secret')).toMatchObject({ secret: true });
  });
});

describe('readForm', () => {
  it('nests dotted names, drops empty optional fields and ignores keys that are not fields', () => {
    const nodes = nodesOf(leenSchema('AWS_SECURITYHUB'));
    const { value, errors } = readForm(nodes, {
      'aws.type': 'direct_access',
      'aws.aws_access_key_id': 'AKIA',
      'aws.aws_secret_access_key': 'S3CR3T',
      'aws.aws_region_name': '',
      csrf: 'token',
      name: 'My AWS',
    });
    expect(errors.size).toBe(0);
    expect(value).toEqual({
      aws: { type: 'direct_access', aws_access_key_id: 'AKIA', aws_secret_access_key: 'S3CR3T' },
    });
  });

  it('reads checkboxes as booleans, numbers as numbers, JSON as values, and sets the discriminator', () => {
    const oauth = nodesOf(VersoriCredentials, 'oauth2_client_credentials');
    const read = readForm(
      oauth,
      { client_id: 'id', client_secret: 's', issue_token: 'true', auth_style: '2', username: '' },
      { key: 'type', value: 'oauth2_client_credentials' },
    );
    expect(read.value).toEqual({
      type: 'oauth2_client_credentials',
      client_id: 'id',
      client_secret: 's',
      issue_token: true,
      auth_style: 2,
    });
    expect(VersoriCredentials.safeParse(read.value).success).toBe(true);
    const jwt = nodesOf(VersoriCredentials, 'jwt_bearer');
    const j = readForm(jwt, { secret: 's', payload: '{"sub":"me"}', algorithm: 'HS256' });
    expect(j.value).toEqual({ secret: 's', payload: { sub: 'me' }, algorithm: 'HS256' });
  });

  it('ignores File values and leaves an unchecked optional checkbox out', () => {
    const oauth = nodesOf(VersoriCredentials, 'oauth2_client_credentials');
    const file = new Blob(['x']);
    const read = readForm(oauth, { client_id: file, client_secret: 's' });
    expect(read.value).toEqual({ client_secret: 's' });
  });

  it('a JSON field with bad JSON is a field error (never a throw, never the text); so is a bad number', () => {
    const jwt = nodesOf(VersoriCredentials, 'jwt_bearer');
    const bad = `{"sub": ${CANARY}`;
    const read = readForm(jwt, { secret: 's', payload: bad, algorithm: 'HS256' });
    expect(read.errors.get('payload')).toBe('Expected valid JSON');
    expect(read.value).not.toHaveProperty('payload');
    const oauth = nodesOf(VersoriCredentials, 'oauth2_client_credentials');
    expect(readForm(oauth, { auth_style: 'two' }).errors.get('auth_style')).toBe('Expected a number');
    const checked = checkForm(
      VersoriCredentials,
      jwt,
      { secret: 's', payload: bad, algorithm: 'HS256' },
      {
        key: 'type',
        value: 'jwt_bearer',
      },
    );
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.errors.get('payload')).toBe('Expected valid JSON');
    for (const m of checked.errors.values()) expect(m).not.toContain(CANARY);
  });
});

describe('readForm + schema.safeParse + fieldErrors', () => {
  it('a valid TENABLE form passes the same schema the API uses', () => {
    const schema = leenSchema('TENABLE');
    const r = submit(schema, nodesOf(schema), { client_key: 'ck', secret_key: 'sk' });
    expect(r).toMatchObject({ success: true, value: { client_key: 'ck', secret_key: 'sk' } });
  });

  it('a missing or empty required field is an error on that field', () => {
    const schema = leenSchema('QUALYS');
    const nodes = nodesOf(schema);
    const r = submit(schema, nodes, { username: '', csrf: 'x' });
    expect(r.success).toBe(false);
    expect(Object.fromEntries(r.errors)).toEqual({ username: 'Must not be empty', password: 'Required' });
  });

  it('AWS direct_access without the key: an error on aws.aws_access_key_id', () => {
    const schema = leenSchema('AWS_INSPECTOR2');
    const nodes = nodesOf(schema);
    const r = submit(schema, nodes, {
      'aws.type': 'direct_access',
      'aws.aws_access_key_id': '',
      'aws.aws_secret_access_key': 'S3CR3T',
    });
    expect(Object.fromEntries(r.errors)).toEqual({ 'aws.aws_access_key_id': 'Required' });
    // Another type passes its keys through for Leen to judge, as the API does.
    expect(submit(schema, nodes, { 'aws.type': 'assume_role' })).toMatchObject({
      success: true,
      value: { aws: { type: 'assume_role' } },
    });
  });

  it('an issue off every field goes to the nearest group, else to the form', () => {
    const nodes = nodesOf(leenSchema('AWS_INSPECTOR2'));
    const issues: z.core.$ZodIssue[] = [
      { code: 'custom', path: ['aws', 'role_arn'], message: 'Role ARN is needed' },
      { code: 'custom', path: ['other'], message: 'Something else' },
      { code: 'custom', path: ['aws', 'type'], message: 'First' },
      { code: 'custom', path: ['aws', 'type'], message: 'Second' },
    ];
    expect(Object.fromEntries(fieldErrors(issues, nodes))).toEqual({
      aws: 'Role ARN is needed',
      '': 'Something else',
      'aws.type': 'First',
    });
  });

  it('Versori: a missing required field of the chosen variant is named; strict keys are never echoed', () => {
    const nodes = nodesOf(VersoriCredentials, 'basic_auth');
    const r = submit(VersoriCredentials, nodes, { user: 'me' }, 'basic_auth');
    expect([...r.errors.keys()]).toEqual(['password']);
    const issues =
      VersoriCredentials.safeParse({ type: 'api_key', api_key: 'k', [CANARY]: 1 }).error?.issues ?? [];
    expect(issues.length).toBeGreaterThan(0);
    const errors = fieldErrors(issues, nodesOf(VersoriCredentials, 'api_key'));
    expect([...errors.values()].join(' ')).not.toContain(CANARY);
  });

  it('a canary in a secret field appears in no error message, even from a schema that echoes it', () => {
    const echoing = z.looseObject({
      token: z
        .string()
        .meta({ writeOnly: true })
        .refine((v) => v.length > 100, { error: (i) => `Bad token ${String(i.input)}` }),
      region: z.enum(['eu', 'us']),
    });
    const nodes = nodesOf(echoing);
    const r = submit(echoing, nodes, { token: CANARY, region: 'moon' });
    expect(r.errors.size).toBe(2);
    for (const m of r.errors.values()) expect(m).not.toContain(CANARY);
    for (const vendor of Object.keys(DOCUMENTED_CREDENTIALS)) {
      const schema = leenSchema(vendor);
      const body = Object.fromEntries(
        fields(nodesOf(schema)).map((f) => [
          f.name,
          f.secret ? CANARY : f.name === 'aws.type' ? 'direct_access' : '',
        ]),
      );
      const checked = checkForm(schema, nodesOf(schema), body);
      if (checked.ok) continue;
      expect(JSON.stringify([...checked.errors])).not.toContain(CANARY);
      expect(JSON.stringify(checked.kept)).not.toContain(CANARY);
    }
  });
});

describe('keptValues', () => {
  it('returns every non-secret submitted string, never a secret one', () => {
    const nodes = nodesOf(VersoriCredentials, 'oauth2_client_credentials');
    const kept = keptValues(nodes, {
      client_id: 'my-client',
      client_secret: CANARY,
      password: CANARY,
      username: '',
      auth_style: '1',
      csrf: 'token',
    });
    expect(kept).toEqual({ client_id: 'my-client', username: '', auth_style: '1' });
    expect(JSON.stringify(kept)).not.toContain(CANARY);
    expect(keptValues(nodesOf(leenSchema('TENABLE')), { client_key: CANARY, secret_key: CANARY })).toEqual(
      {},
    );
  });
});

describe('inputAttributes: the HTML contract with connect.js', () => {
  it('describes the field by its hint and its error element, and never carries a value', () => {
    const aws = nodesOf(leenSchema('AWS_INSPECTOR2'));
    expect(inputAttributes(field(aws, 'aws.type'), true)).toEqual({
      id: 'f-aws-type',
      name: 'aws.type',
      type: 'text',
      required: true,
      minlength: '1',
      autocomplete: 'off',
      spellcheck: 'false',
      autocapitalize: 'none',
      'aria-describedby': 'f-aws-type-hint f-aws-type-error',
      'aria-invalid': 'true',
    });
    const secret = inputAttributes(field(aws, 'aws.aws_secret_access_key'));
    expect(secret).toMatchObject({ type: 'password' });
    expect(secret).not.toHaveProperty('value');
    const jwt = nodesOf(VersoriCredentials, 'jwt_bearer');
    expect(inputAttributes(field(jwt, 'payload'))).toMatchObject({ 'data-json': true, required: true });
    expect(inputAttributes(field(jwt, 'payload'))).not.toHaveProperty('type');
    const oauth = nodesOf(VersoriCredentials, 'oauth2_client_credentials');
    expect(inputAttributes(field(oauth, 'issue_token'))).toMatchObject({ type: 'checkbox', value: 'true' });
    expect(inputAttributes(field(oauth, 'auth_style'))).toMatchObject({ type: 'number', step: '1' });
  });
});

describe('humanize', () => {
  it.each([
    ['client_key', 'Client key'],
    ['aws_region_name', 'AWS region name'],
    ['api_key', 'API key'],
    ['url', 'URL'],
    ['id', 'ID'],
    ['base_url', 'Base URL'],
    ['oauth2ClientId', 'OAuth2 client ID'],
  ])('%s → %s', (key, label) => {
    expect(humanize(key)).toBe(label);
  });
});
