import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from '../../src/hot-metrics.js';

describe('hot metrics: exposed exactly as prom-client exposes the same observations', () => {
  it('a counter and a histogram, several label sets, text format', async () => {
    const prom = new Registry();
    const hot = new Registry();
    const labelNames = ['method', 'route'] as const;
    const buckets = [0.001, 0.01, 0.1, 1];
    const c1 = new Counter({ name: 'x_total', help: 'Things.', labelNames, registers: [prom] });
    const h1 = new Histogram({
      name: 'x_seconds',
      help: 'Time "of" things.',
      labelNames,
      buckets,
      registers: [prom],
    });
    const c2 = new HotCounter({ name: 'x_total', help: 'Things.', labelNames, registers: [hot] });
    const h2 = new HotHistogram({
      name: 'x_seconds',
      help: 'Time "of" things.',
      labelNames,
      buckets,
      registers: [hot],
    });
    const seen: Array<[string, string, number]> = [
      ['GET', '/a', 0.0005],
      ['GET', '/a', 0.02],
      ['POST', '/b\\"x', 2],
      ['GET', '/a', 0.001],
    ];
    for (const [method, route, v] of seen) {
      c1.inc({ method, route });
      h1.observe({ method, route }, v);
      c2.labels(method, route).inc();
      h2.labels(method, route).observe(v);
    }
    expect(await hot.metrics()).toBe(await prom.metrics());
    expect(await hot.getSingleMetricAsString('x_total')).toContain('x_total{method="GET",route="/a"} 3');
  });

  it('refuses label values of the wrong count', () => {
    const c = new HotCounter({ name: 'y_total', help: 'y', labelNames: ['a', 'b'] as const, registers: [] });
    expect(() => c.labels('only-one')).toThrow(/2 label values/);
  });
});
