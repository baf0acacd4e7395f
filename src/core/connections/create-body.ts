import { z } from 'zod';
import type { CreateInput, ProviderAdapter } from '../adapter.js';
import type { FieldProblem } from '../errors.js';
import { unsupportedFields } from './change.js';

/** A create body after validation: the provider entry it is for, and that provider's parsed input. */
export type CreateConnectionInput = CreateInput & { provider: string };

/**
 * The create body (contract §5.1): one variant per configured provider entry, told apart by
 * `provider`, each the entry's own create schema (strict: unknown fields are 400). Built from the
 * configured adapters, so the documented union is exactly what this gateway accepts.
 */
export function createBodySchema(adapters: ReadonlyArray<ProviderAdapter>): z.ZodType<CreateConnectionInput> {
  const ids = adapters.map((a) => a.id);
  const message = `must be a configured provider id (${ids.join(', ') || 'none configured'})`;
  const variants = adapters.map((a) => {
    const credentials: z.ZodType | undefined = a.schemas.create.shape['credentials'];
    const shape: Record<string, z.ZodType> = {
      provider: z.literal(a.id).describe('A configured provider id.'),
    };
    // Credentials go in, never come out: write-only in the document.
    if (credentials)
      shape['credentials'] = credentials.meta({
        writeOnly: true,
        description: 'Write-only: stored sealed, never returned.',
      });
    return a.schemas.create.safeExtend(shape).meta({ title: `Create a ${a.id} connection (${a.type})` });
  });
  const [first, ...rest] = variants;
  if (!first)
    return z.object({
      provider: z.string({ error: message }).refine(() => false, { message }),
    }) as unknown as z.ZodType<CreateConnectionInput>;
  // A single entry still gets a discriminator check, so an unknown provider says which ones exist.
  return z.discriminatedUnion('provider', [first, ...rest], {
    error: (issue) => (issue.code === 'invalid_union' ? message : undefined),
  }) as unknown as z.ZodType<CreateConnectionInput>;
}

/** What the create route needs: the body schema, and the fields the chosen entry cannot set at all (its 422). */
export interface CreateBodyRules {
  schema: z.ZodType<CreateConnectionInput>;
  /** Problems for the fields of `body` that its provider entry cannot set; [] for an unknown provider or a well-formed body. */
  unsupported(body: unknown): FieldProblem[];
}

export function createBodyRules(adapters: ReadonlyArray<ProviderAdapter>): CreateBodyRules {
  const byId = new Map(adapters.map((a) => [a.id, a]));
  return {
    schema: createBodySchema(adapters),
    unsupported(body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
      const provider = (body as Record<string, unknown>)['provider'];
      const adapter = typeof provider === 'string' ? byId.get(provider) : undefined;
      return adapter ? unsupportedFields(adapter, body as Record<string, unknown>) : [];
    },
  };
}
