import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Upstream metrics, registered once per registry and shared by every provider's policy: calls by
 * provider, operation and outcome; attempts and retries; breaker state; cache and coalescing.
 * Labels are provider ids and operation names (`connections.get`), never an id or a secret.
 */
export interface UpstreamMetrics {
  calls: Counter<'provider' | 'operation' | 'outcome'>;
  attempts: Counter<'provider' | 'outcome'>;
  retries: Counter<'provider' | 'reason'>;
  duration: Histogram<'provider' | 'operation'>;
  circuit: Gauge<'provider'>;
  cache: Counter<'provider' | 'result'>;
  coalesced: Counter<'provider'>;
}

const byRegistry = new WeakMap<Registry, UpstreamMetrics>();

export function upstreamMetrics(registry: Registry): UpstreamMetrics {
  let m = byRegistry.get(registry);
  if (m) return m;
  const registers = [registry];
  m = {
    calls: new Counter({
      name: 'plugboard_upstream_calls_total',
      help: 'Calls to providers (after retries), by outcome.',
      labelNames: ['provider', 'operation', 'outcome'],
      registers,
    }),
    attempts: new Counter({
      name: 'plugboard_upstream_attempts_total',
      help: 'HTTP attempts sent to providers, by outcome.',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    retries: new Counter({
      name: 'plugboard_upstream_retries_total',
      help: 'Retries, by what caused them.',
      labelNames: ['provider', 'reason'],
      registers,
    }),
    duration: new Histogram({
      name: 'plugboard_upstream_call_duration_seconds',
      help: 'Time of a call to a provider, retries included.',
      labelNames: ['provider', 'operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    circuit: new Gauge({
      name: 'plugboard_upstream_circuit_state',
      help: 'Circuit breaker: 0 closed, 1 half open, 2 open.',
      labelNames: ['provider'],
      registers,
    }),
    cache: new Counter({
      name: 'plugboard_upstream_cache_total',
      help: 'Read cache lookups, by result.',
      labelNames: ['provider', 'result'],
      registers,
    }),
    coalesced: new Counter({
      name: 'plugboard_upstream_coalesced_total',
      help: 'Reads that joined an identical read already in flight.',
      labelNames: ['provider'],
      registers,
    }),
  };
  byRegistry.set(registry, m);
  return m;
}

const children = new WeakMap<object, Map<string, unknown>>();

/**
 * The child of `metric` for these label values (in its labelNames' order), bound once: an
 * observation is then an add, where `inc({ provider, … })` hashes a label object every time.
 * The label sets are few (providers × operations × outcomes).
 */
export function child<C>(metric: { labels(...values: string[]): C }, ...values: string[]): C {
  let byValues = children.get(metric) as Map<string, C> | undefined;
  if (!byValues) children.set(metric, (byValues = new Map()));
  const key = values.join('\u0000');
  let c = byValues.get(key);
  if (c === undefined) byValues.set(key, (c = metric.labels(...values)));
  return c;
}
