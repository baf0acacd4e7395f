import type { ProviderAdapter } from '../adapter.js';
import { GatewayError, validationError, type FieldProblem } from '../errors.js';
import type { AllowedConnection } from '../storage.js';
import type { CreateConnectSessionInput } from './connect-session-schemas.js';
import type { RequestContext, ServiceDeps } from './context.js';

/**
 * What a connect session may connect (its `allowed`), checked at create: for the hosted page, the
 * providers whose catalogue offers kinds the page can collect; for a provider flow, one provider
 * that hosts a flow; for a reconnect, the connection's own provider and kind. Capabilities only,
 * never a provider's name.
 */
export class AllowedRules {
  constructor(private readonly deps: Pick<ServiceDeps, 'storage' | 'providers'>) {}

  /** What a page session may connect: the reconnect's, the asked ones checked, or every linked provider the page can connect. */
  async forPage(
    ctx: RequestContext,
    orgId: string,
    links: Record<string, string>,
    input: CreateConnectSessionInput,
  ): Promise<AllowedConnection[]> {
    if (input.provider_options !== undefined)
      throw validationError([{ pointer: '/provider_options', message: 'only with flow "provider"' }]);
    if (input.connection_id !== undefined)
      return this.#reconnectTarget(
        orgId,
        input.connection_id,
        input.allowed,
        (a) => a.catalogue !== undefined,
      );
    if (input.allowed) return this.#checkAllowed(ctx, links, input.allowed);
    const allowed: AllowedConnection[] = [];
    for (const [id, link] of Object.entries(links)) {
      const adapter = this.deps.providers.get(id);
      if (!adapter?.catalogue) continue;
      const entries = await adapter.catalogue(ctx, link);
      if (entries.some((e) => e.connect !== null)) allowed.push({ provider: id, kinds: null });
    }
    if (allowed.length === 0)
      throw new GatewayError(
        'unsupported_operation',
        `No provider linked to organization ${orgId} can be connected on the hosted page.`,
      );
    return allowed;
  }

  /** A provider flow's one provider (and at most one kind), which must host a flow. */
  async forProviderFlow(
    orgId: string,
    links: Record<string, string>,
    input: CreateConnectSessionInput,
  ): Promise<AllowedConnection[]> {
    if (input.connection_id !== undefined)
      return this.#reconnectTarget(
        orgId,
        input.connection_id,
        input.allowed,
        (a) => a.providerFlow !== undefined,
      );
    const [only, ...more] = input.allowed ?? [];
    if (!only || more.length > 0)
      throw validationError([{ pointer: '/allowed', message: 'exactly one entry with flow "provider"' }]);
    const adapter = this.deps.providers.get(only.provider);
    if (!adapter)
      throw validationError([
        { pointer: '/allowed/0/provider', message: 'must be a configured provider id' },
      ]);
    if (links[only.provider] === undefined)
      throw validationError([
        { pointer: '/allowed/0/provider', message: 'the organization is not linked to this provider' },
      ]);
    if (!adapter.providerFlow)
      throw new GatewayError(
        'unsupported_operation',
        `Provider ${only.provider} hosts no connect flow of its own (use flow "page").`,
        {
          provider: only.provider,
          errors: [{ pointer: '/allowed/0/provider', message: 'no provider flow' }],
        },
      );
    if ((only.kinds?.length ?? 0) > 1)
      throw validationError([
        { pointer: '/allowed/0/kinds', message: 'at most one kind with flow "provider"' },
      ]);
    return [{ provider: only.provider, kinds: only.kinds ?? null }];
  }

  /** A reconnect offers the connection's own provider and kind. */
  async #reconnectTarget(
    orgId: string,
    connectionId: string,
    asked: CreateConnectSessionInput['allowed'],
    can: (adapter: ProviderAdapter) => boolean,
  ): Promise<AllowedConnection[]> {
    const found = await this.deps.storage.getConnectionWithOrganization(orgId, connectionId);
    const row = found?.connection;
    if (!row || row.deleted_at !== null)
      throw validationError([
        { pointer: '/connection_id', message: 'not a connection of this organization' },
      ]);
    const adapter = this.deps.providers.get(row.provider_id);
    if (!adapter || !can(adapter))
      throw new GatewayError(
        'unsupported_operation',
        `Provider ${row.provider_id} has no connect flow of this kind, so connection ${connectionId} cannot be reconnected this way.`,
        { provider: row.provider_id },
      );
    if (
      asked &&
      !asked.every((a) => a.provider === row.provider_id && (a.kinds ?? [row.kind]).includes(row.kind))
    )
      throw validationError([
        { pointer: '/allowed', message: "must be absent or name the connection's provider and kind" },
      ]);
    return [{ provider: row.provider_id, kinds: [row.kind] }];
  }

  async #checkAllowed(
    ctx: RequestContext,
    links: Record<string, string>,
    asked: NonNullable<CreateConnectSessionInput['allowed']>,
  ): Promise<AllowedConnection[]> {
    const problems: FieldProblem[] = [];
    const out: AllowedConnection[] = [];
    for (const [i, a] of asked.entries()) {
      const adapter = this.deps.providers.get(a.provider);
      const link = links[a.provider];
      if (!adapter) {
        problems.push({ pointer: `/allowed/${i}/provider`, message: 'must be a configured provider id' });
        continue;
      }
      if (link === undefined) {
        problems.push({
          pointer: `/allowed/${i}/provider`,
          message: 'the organization is not linked to this provider',
        });
        continue;
      }
      if (!adapter.catalogue) {
        throw new GatewayError(
          'unsupported_operation',
          `Provider ${a.provider} has no hosted connect flow: its connections are made through the API.`,
          {
            provider: a.provider,
            errors: [{ pointer: `/allowed/${i}/provider`, message: 'no hosted connect flow' }],
          },
        );
      }
      const offered = new Map((await adapter.catalogue(ctx, link)).map((e) => [e.kind, e]));
      for (const [j, kind] of (a.kinds ?? []).entries()) {
        const entry = offered.get(kind);
        if (!entry)
          problems.push({
            pointer: `/allowed/${i}/kinds/${j}`,
            message: `not a kind provider ${a.provider} offers`,
          });
        else if (entry.connect === null)
          problems.push({
            pointer: `/allowed/${i}/kinds/${j}`,
            message:
              'the hosted page cannot connect this kind (no published credential shape); create it through the API',
          });
      }
      out.push({ provider: a.provider, kinds: a.kinds ? [...new Set(a.kinds)] : null });
    }
    if (problems.length > 0) throw validationError(problems);
    return out;
  }
}
