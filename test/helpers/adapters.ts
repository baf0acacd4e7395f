import {
  isPatchModel,
  isReplaceModel,
  type PatchModelAdapter,
  type ProviderAdapter,
  type ReplaceModelAdapter,
} from '../../src/core/adapter.js';
import type { ProviderDefinition } from '../../src/providers/definition.js';
import type { AdapterDeps } from '../../src/upstream/index.js';
import { captureLogs, type CapturedLogs } from './logs.js';
import { configured } from './providers.js';

/**
 * The one adapter harness of the provider tests: an adapter built as the gateway builds it (the
 * definition's factory over a parsed config entry, usually pointed at a simulator by `baseUrl`),
 * logging into memory at trace level without the logger's redaction, so a test sees everything an
 * adapter logs. Each provider's `test/providers/<name>/harness.ts` adds what is its own.
 */
export function buildAdapter<C extends Record<string, unknown>>(
  definition: ProviderDefinition<C>,
  entry: Record<string, unknown>,
  deps: Partial<AdapterDeps> = {},
): { adapter: ProviderAdapter; logs: CapturedLogs } {
  const logs = captureLogs('trace', { raw: true });
  const adapter = definition.createAdapter(configured(definition, entry), { logger: logs.logger, ...deps });
  return { adapter, logs };
}

export function asPatch(adapter: ProviderAdapter): PatchModelAdapter {
  if (!isPatchModel(adapter)) throw new Error(`expected a patch-model adapter, got ${adapter.type}`);
  return adapter;
}

export function asReplace(adapter: ProviderAdapter): ReplaceModelAdapter {
  if (!isReplaceModel(adapter)) throw new Error(`expected a replace-model adapter, got ${adapter.type}`);
  return adapter;
}
