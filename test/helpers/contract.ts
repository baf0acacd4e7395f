import { Ajv2020 } from 'ajv/dist/2020.js';

/**
 * Checks real answers of a gateway against its own OpenAPI document: the status must be one the
 * operation declares, with a declared media type, and a JSON body must validate against the
 * declared schema. Every test that talks to a gateway through test/helpers/gateway.ts is checked.
 */

interface Operation {
  method: string;
  pattern: RegExp;
  params: number;
  pointer: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export class ContractChecker {
  readonly #ajv: Ajv2020;
  readonly #operations: Operation[] = [];
  readonly checked: string[] = [];

  constructor(document: { paths: Record<string, Record<string, { responses?: Operation['responses'] }>> }) {
    this.#ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    this.#ajv.addSchema(document, 'openapi');
    for (const [path, item] of Object.entries(document.paths)) {
      const pattern = new RegExp(
        `^${path
          .split('/')
          .map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('/')}$`,
      );
      for (const [method, op] of Object.entries(item)) {
        if (!op.responses) continue;
        this.#operations.push({
          method: method.toUpperCase(),
          pattern,
          params: (path.match(/\{/g) ?? []).length,
          pointer: `/paths/${escapePointer(path)}/${method}`,
          responses: op.responses,
        });
      }
    }
  }

  /** The problem with this answer, or null when it conforms (or the request is not an operation of the document). */
  check(
    method: string,
    path: string,
    status: number,
    contentType: string | null,
    body: string,
  ): string | null {
    const op = this.#operations
      .filter((o) => o.method === method && o.pattern.test(path))
      .sort((a, b) => a.params - b.params)[0];
    if (!op) return null;
    const where = `${method} ${path} → ${status}`;
    const declared = op.responses[String(status)];
    if (!declared) return `${where}: status not declared (declared: ${Object.keys(op.responses).join(', ')})`;
    this.checked.push(`${op.method} ${op.pointer}`);
    if (!declared.content) return body === '' ? null : `${where}: a body where none is declared`;
    const type = (contentType ?? '').split(';')[0]?.trim() ?? '';
    const media = declared.content[type];
    if (!media)
      return `${where}: content-type ${type || '(none)'} not declared (${Object.keys(declared.content).join(', ')})`;
    if (!type.endsWith('json')) return null;
    const ref = `openapi#${op.pointer}/responses/${status}/content/${escapePointer(type)}/schema`;
    const validate = this.#ajv.getSchema(ref) ?? this.#ajv.compile({ $ref: ref });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return `${where}: body is not JSON`;
    }
    if (validate(parsed)) return null;
    return `${where}: ${this.#ajv.errorsText(validate.errors)} in ${body.slice(0, 300)}`;
  }
}
