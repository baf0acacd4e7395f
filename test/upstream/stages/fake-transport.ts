import { Registry } from 'prom-client';
import { UPSTREAM_DEFAULTS, UpstreamPolicy, type UpstreamSettings } from '../../../src/upstream/policy.js';
import {
  TransportError,
  type Transport,
  type TransportFailure,
  type TransportRequest,
  type TransportResponse,
} from '../../../src/upstream/transport.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { captureLogs } from '../../helpers/logs.js';

/**
 * A scripted Transport for the stages' unit tests: each attempt takes the next step (an answer, or
 * the TransportError of no answer) and is recorded. A Transport is a dependency the policy takes,
 * not a global: nothing is mocked.
 */
export type Step =
  | { status: number; headers?: Record<string, string>; text?: string }
  | { fail: TransportFailure };

export class ScriptedTransport implements Transport {
  readonly sent: TransportRequest[] = [];
  constructor(private readonly steps: Step[]) {}

  request(req: TransportRequest): Promise<TransportResponse> {
    this.sent.push(req);
    const step = this.steps.shift() ?? { status: 200, text: '{}' };
    if ('fail' in step) return Promise.reject(new TransportError(step.fail, `scripted ${step.fail}`));
    const headers = Object.fromEntries(
      Object.entries(step.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    return Promise.resolve({
      status: step.status,
      headers: { get: (n) => headers[n.toLowerCase()] ?? null },
      text: step.text ?? '',
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A policy over a scripted transport, a fake clock, captured logs and a registry of its own. */
export function scriptedPolicy(steps: Step[], settings: Partial<UpstreamSettings> = {}) {
  const transport = new ScriptedTransport(steps);
  const clock = new FakeClock();
  const logs = captureLogs('info');
  const registry = new Registry();
  const policy = new UpstreamPolicy(
    'p1',
    { ...UPSTREAM_DEFAULTS, ...settings },
    { logger: logs.logger, metrics: registry, now: clock.now, sleep: clock.sleep, transport },
  );
  return { policy, transport, clock, logs, registry };
}

export const CTX = { requestId: 'req-1' };
