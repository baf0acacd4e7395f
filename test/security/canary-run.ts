import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Canary, RequestMatch, SimulatorSetup } from '../../src/providers/definition.js';
import type { FaultRule } from '../../src/simulator/kit.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';
import type { SampledProvider } from '../helpers/providers.js';
import { TestReceiver } from '../helpers/receiver.js';

/**
 * Canary values through every credential-bearing route of every provider type given and through
 * their error paths (the caller's bad input, the provider refusing and echoing what it was sent,
 * failing, timing out, a lost answer, a replayed answer), with the logs at `trace`. No canary may
 * appear in an answer, a log line, an event, a metric or a file of the database; the gateway's own
 * provider secrets (API keys, a client secret) are canaries too. What is sent comes from each
 * type's canary samples; faults are injected over HTTP (`POST <simulator>/__sim/faults`). A
 * webhook endpoint receives every event meanwhile: no canary in a delivery, its headers or the
 * delivery log, and the endpoint's own signing secret nowhere but the answer that showed it.
 */

const CANARY = 'CANARY-7c41f0e9-b2';
const BASE = '/v1/organizations/acme/connections';

/** Every string in `value` (at any depth) that holds a canary. */
function canariesIn(value: unknown): string[] {
  if (typeof value === 'string') return value.includes(CANARY) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(canariesIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(canariesIn);
  return [];
}

/** Control calls to a simulator, over HTTP as any user of `npm run simulate` makes them. */
async function control(sim: SimulatorSetup, method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${sim.url}${path}: ${res.status} ${await res.text()}`);
}

/** The canary run over one gateway with an entry of each of these provider types (ids equal to the types). */
export function describeCanaryRun(providers: ReadonlyArray<SampledProvider>): void {
  describe('canary', () => {
    const sims = new Map<string, SimulatorSetup>();
    const simOf = (type: string) => sims.get(type) as SimulatorSetup;
    const secretOf = (type: string) => `${CANARY}-${type}-provider-secret`;
    let gw: TestGateway;
    let receiver: TestReceiver;
    let hook: { id: string; secret: string };
    const answers: string[] = [];

    async function call(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; text: string; id: string }> {
      const res = await gw.call(method, path, { ...(body === undefined ? {} : { body }), headers });
      const text = await res.text();
      answers.push(`${res.status} ${JSON.stringify(Object.fromEntries(res.headers))} ${text}`);
      let id = '';
      try {
        id = String((JSON.parse(text) as { id?: unknown }).id ?? '');
      } catch {
        /* not JSON */
      }
      return { status: res.status, text, id };
    }

    /** Sends `send` while the simulator answers requests matching `match` with `rule`; the fault is cleared after. */
    async function withFault(
      sim: SimulatorSetup,
      match: RequestMatch,
      rule: FaultRule,
      send: () => Promise<{ status: number }>,
    ): Promise<number> {
      await control(sim, 'POST', '/__sim/faults', { ...match, ...rule });
      try {
        return (await send()).status;
      } finally {
        await control(sim, 'DELETE', '/__sim/faults');
      }
    }

    beforeAll(async () => {
      for (const { type, definition } of providers)
        sims.set(type, await definition.startSimulator({ secret: secretOf(type) }));
      receiver = await TestReceiver.start();
      gw = await startGateway({
        logLevel: 'trace',
        webhooks: { allowHttp: true, allowPrivateNetworks: true, pollMs: 20 },
        definitions: providers.map((p) => p.definition),
        providers: providers.map(({ type }) => ({
          id: type,
          type,
          ...simOf(type).providerConfig,
          timeoutMs: 200,
          retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
        })),
      });
      hook = await json(
        await gw.call('POST', '/v1/webhooks', {
          body: { url: `${receiver.url}/canary`, organization_ids: ['*'] },
        }),
      );
      const links = Object.fromEntries(providers.map(({ type }) => [type, simOf(type).demoExternalOrgId]));
      expect((await call('POST', '/v1/organizations', { id: 'acme', name: 'Acme', links })).status).toBe(201);
    });
    afterAll(async () => {
      await gw?.close();
      await receiver?.close();
      await Promise.all([...sims.values()].map((s) => s.close()));
    });

    it('goes through every credential-bearing route and error path of every provider, and is found nowhere', async () => {
      const capabilities = (
        await json<{ data: Array<{ id: string; capabilities: { writable_name: boolean } }> }>(
          await gw.call('GET', '/v1/providers'),
        )
      ).data;
      for (const {
        type,
        samples: { canary: samples },
      } of providers) {
        const sim = simOf(type);
        const canary: Canary = (tag) => `${CANARY}-${type}-${tag}`;
        /** The canaries of one step, tagged with the step. */
        const at =
          (step: string): Canary =>
          (tag) =>
            canary(`${step}-${tag}`);
        let creates = 0;
        const createBody = (c: Canary) => ({ provider: type, ...samples.create(c, (creates += 1)) });

        // A create, replayed by its Idempotency-Key; what it carried reached the provider.
        const body = createBody(at('create'));
        const created = await call('POST', BASE, body, { 'idempotency-key': `canary-${type}` });
        expect(created.status, `${type} create: ${created.text}`).toBe(201);
        const replayed = await call('POST', BASE, body, { 'idempotency-key': `canary-${type}` });
        expect([replayed.status, replayed.id], `${type} replay`).toEqual([201, created.id]);
        const sent = canariesIn(body);

        // The caller's bad input.
        for (const bad of samples.invalid(at('invalid')))
          expect(
            (await call('POST', BASE, { provider: type, ...bad.body })).status,
            `${type} ${JSON.stringify(bad.body)}`,
          ).toBe(bad.status);

        // Changes: the secrets by PATCH and PUT, and a rename (which replays a stored copy where the provider only replaces).
        const change = samples.change;
        if (change) {
          const patch = change.patch(at('patch'));
          expect((await call('PATCH', `${BASE}/${created.id}`, patch)).status, `${type} PATCH`).toBe(200);
          sent.push(...canariesIn(patch));
          expect(
            (await call('PUT', `${BASE}/${created.id}`, change.replace(at('put')))).status,
            `${type} PUT`,
          ).toBe(200);
        }
        if (capabilities.find((p) => p.id === type)?.capabilities.writable_name) {
          expect(
            (await call('PATCH', `${BASE}/${created.id}`, { name: `${type}-canary-renamed` })).status,
            `${type} rename`,
          ).toBe(200);
        }

        // The provider refusing and echoing what it was sent, failing, timing out: on a change where connections take secrets, else on a create.
        const target = change
          ? {
              request: change.request,
              body: (step: string) => change.patch(at(step)),
              send: (b: Record<string, unknown>) => call('PATCH', `${BASE}/${created.id}`, b),
            }
          : {
              request: samples.createRequest,
              body: (step: string) => createBody(at(step)),
              send: (b: Record<string, unknown>) => call('POST', BASE, b),
            };
        /** The error answer `answer` of the provider, echoing the secrets of a step's body, to that body. */
        const echoed = (step: string, answer: (text: string) => FaultRule) => {
          const b = target.body(step);
          return withFault(sim, target.request, answer(canariesIn(b).join(' ') || 'nothing secret'), () =>
            target.send(b),
          );
        };
        expect(await echoed('rejected', samples.rejection), `${type} rejection`).toBe(422);
        expect(await echoed('failed', samples.failure), `${type} failure`).toBe(502);
        expect(await echoed('timeout', () => ({ stall: true })), `${type} timeout`).toBe(504);
        // A lost answer: the provider made the connection, the gateway never heard.
        expect(
          await withFault(sim, samples.createRequest, { stallAfter: true }, () =>
            call('POST', BASE, createBody(at('lost'))),
          ),
          `${type} lost answer`,
        ).toBe(504);

        // The provider refusing the gateway's own secret and echoing it, where it is sent again after `renew`.
        const { secret } = samples;
        if (secret.renew) await control(sim, secret.renew.method, secret.renew.path);
        const refused = await withFault(sim, secret.request, secret.refusal(secretOf(type)), () =>
          call('GET', `${BASE}?provider=${type}`),
        );
        expect(refused, `${type} secret refused`).toBeGreaterThanOrEqual(400);

        // The provider did receive them (the run sent what it meant to).
        for (const value of [...sent, secretOf(type)])
          expect(sim.received(value), `${type} received ${value}`).toBe(true);
      }
      expect((await call('GET', `${BASE}?limit=200`)).status).toBe(200);

      // Every event delivered (the receiver answers 204), and its delivery log read.
      await vi.waitFor(
        async () => {
          const pending = await json<{ data: unknown[] }>(
            await gw.call('GET', `/v1/webhooks/${hook.id}/deliveries?status=pending&limit=1`),
          );
          expect(pending.data).toEqual([]);
        },
        { timeout: 10_000 },
      );
      const deliveryLog = await call('GET', `/v1/webhooks/${hook.id}/deliveries?limit=200`);
      expect(receiver.verified(hook.secret).length).toBeGreaterThan(10);
      const delivered = receiver.received.map((r) => `${JSON.stringify(r.headers)} ${r.body}`).join('\n');

      // Nowhere: answers, logs (trace), events, metrics, database files, deliveries.
      const events = await call('GET', '/v1/events?limit=200');
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      const files = readdirSync(gw.dir)
        .filter((f) => f.startsWith('gateway.db'))
        .map((f) => readFileSync(join(gw.dir, f)).toString('latin1'));
      expect(gw.logs.lines.length).toBeGreaterThan(50);
      expect(gw.logs.logger.level).toBe('trace'); // every line the gateway writes was written
      const places: [string, string][] = [
        ['logs', gw.logs.text()],
        ['events', events.text],
        ['metrics', metrics],
        ['database', files.join('\n')],
        ['webhook deliveries', delivered],
        ['delivery log', deliveryLog.text],
      ];
      for (const [where, text] of [['answers', answers.join('\n')] as [string, string], ...places]) {
        expect(text.includes(CANARY), `a canary in the ${where}`).toBe(false);
      }
      // The signing secret: in the answer that showed it, and nowhere else.
      const secret = hook.secret.slice('whsec_'.length);
      for (const [where, text] of places) {
        expect(text.includes(secret), `the webhook secret in the ${where}`).toBe(false);
      }
    });
  });
}
