import { Gauge, type Registry } from 'prom-client';
import { HotCounter, HotHistogram } from '../hot-metrics.js';

/**
 * Upstream metrics, registered once per registry and shared by every provider's policy: calls by
 * provider, operation and outcome; attempts and retries; breaker state; cache and coalescing.
 * Labels are provider ids and operation names (`connections.get`), never an id or a secret. The
 * per-call ones are hot-metrics.ts's (observed by label values bound once: `metric.labels(…)`).
 */
export interface UpstreamMetrics {
  calls: HotCounter<'provider' | 'operation' | 'outcome'>;
  attempts: HotCounter<'provider' | 'outcome'>;
  retries: HotCounter<'provider' | 'reason'>;
  duration: HotHistogram<'provider' | 'operation'>;
  circuit: Gauge<'provider'>;
  cache: HotCounter<'provider' | 'result'>;
  coalesced: HotCounter<'provider'>;
}

const byRegistry = new WeakMap<Registry, UpstreamMetrics>();

export function upstreamMetrics(registry: Registry): UpstreamMetrics {
  let m = byRegistry.get(registry);
  if (m) return m;
  const registers = [registry];
  m = {
    calls: new HotCounter({
      name: 'plugboard_upstream_calls_total',
      help: 'Calls to providers (after retries), by outcome.',
      labelNames: ['provider', 'operation', 'outcome'],
      registers,
    }),
    attempts: new HotCounter({
      name: 'plugboard_upstream_attempts_total',
      help: 'HTTP attempts sent to providers, by outcome.',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    retries: new HotCounter({
      name: 'plugboard_upstream_retries_total',
      help: 'Retries, by what caused them.',
      labelNames: ['provider', 'reason'],
      registers,
    }),
    duration: new HotHistogram({
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
    cache: new HotCounter({
      name: 'plugboard_upstream_cache_total',
      help: 'Read cache lookups, by result.',
      labelNames: ['provider', 'result'],
      registers,
    }),
    coalesced: new HotCounter({
      name: 'plugboard_upstream_coalesced_total',
      help: 'Reads that joined an identical read already in flight.',
      labelNames: ['provider'],
      registers,
    }),
  };
  byRegistry.set(registry, m);
  return m;
}
