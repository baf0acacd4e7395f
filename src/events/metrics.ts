import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Delivery metrics: attempts by outcome, their duration, and deliveries still to be made. */
export interface DeliveryMetrics {
  attempts: Counter<'outcome'>;
  duration: Histogram<'outcome'>;
  pending: Gauge;
}

export function deliveryMetrics(registry: Registry, pending: () => Promise<number>): DeliveryMetrics {
  const registers = [registry];
  return {
    attempts: new Counter({
      name: 'plugboard_webhook_attempts_total',
      help: 'Webhook delivery attempts, by outcome (delivered, retry, failed, gone).',
      labelNames: ['outcome'],
      registers,
    }),
    duration: new Histogram({
      name: 'plugboard_webhook_attempt_duration_seconds',
      help: 'Time of one webhook delivery attempt.',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30],
      registers,
    }),
    pending: new Gauge({
      name: 'plugboard_webhook_deliveries_pending',
      help: 'Webhook deliveries still to be made (all replicas).',
      registers,
      async collect() {
        // A database out of reach leaves the last value: the scrape itself must not fail.
        this.set(await pending().catch(() => Number.NaN));
      },
    }),
  };
}
