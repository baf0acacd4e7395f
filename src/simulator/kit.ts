import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { HttpBindings } from '../net.js';

/**
 * Shared machinery of the provider simulators: fault injection (a failure rate with a status,
 * latency, stalls, dropped connections, 429 + Retry-After), a record of requests for tests, and a
 * control API under `/__sim`. The provider-specific behaviour lives in each
 * `providers/<name>/simulator/`.
 */

export const FaultRule = z
  .object({
    /** HTTP method to match (any when absent). */
    method: z.string().optional(),
    /** Regular expression (source) the request path must match (any when absent). */
    path: z.string().optional(),
    /** How many matching requests this rule applies to; unlimited when absent. */
    times: z.number().int().positive().optional(),
    latencyMs: z.number().int().min(0).optional(),
    /**
     * Answer with this status (and `body`) instead; a 2xx with a `body` serves a malformed answer.
     * `body` is sent as JSON, except a string with a `content-type` in `headers`, which is sent as it
     * is (an HTML error page, a truncated document).
     */
    status: z.number().int().min(200).max(599).optional(),
    retryAfterSec: z.number().int().min(0).optional(),
    /** More headers on the injected answer (e.g. `x-ratelimit-reset`). */
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    /** Destroy the socket without an answer. */
    drop: z.boolean().optional(),
    /** Never answer: hold the request until the client gives up (or the simulator stops). */
    stall: z.boolean().optional(),
    /** Hold the request until `release()` (or `POST /__sim/release`), then carry it out and answer as usual. */
    hold: z.boolean().optional(),
    /** Carry the request out, then never answer (a lost answer: the change happened, the client cannot know). */
    stallAfter: z.boolean().optional(),
    /** Share (0–1) of matching requests the rule applies to, drawn from a seeded generator; all when absent. */
    rate: z.number().min(0).max(1).optional(),
    /** Seed of the rule's generator, so a run can be repeated; random when absent. */
    seed: z.number().int().optional(),
  })
  .strict();
export type FaultRule = z.infer<typeof FaultRule>;

/** mulberry32: a small, fast, seedable generator of floats in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
  random: () => number;
  /** Requests the rule was applied to. */
  applied: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}

/** The Hono environment of a simulator: Node's bindings, for the sockets faults drop or hold. */
export type SimEnv = { Bindings: HttpBindings };

export class SimulatorKit {
  readonly requests: RecordedRequest[] = [];
  #faults: ActiveFault[] = [];
  /** Sockets of stalled requests still open. */
  readonly #stalled = new Set<Duplex>();
  #stalls = 0;
  /** Requests held by a `hold` rule, each waiting for its release. */
  readonly #held = new Set<() => void>();

  /** Adds a fault; the newest matching rule wins (a rule with a `rate` that does not fire lets older rules be tried). */
  fault(rule: FaultRule): void {
    const parsed = FaultRule.parse(rule);
    this.#faults.unshift({
      rule: parsed,
      remaining: parsed.times ?? Number.POSITIVE_INFINITY,
      random: seeded(parsed.seed ?? randomBytes(4).readUInt32LE()),
      applied: 0,
    });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** The faults in force, newest first, with how often each was applied and how many uses are left. */
  faults(): Array<FaultRule & { applied: number; remaining: number | null }> {
    return this.#faults.map((f) => ({
      ...f.rule,
      applied: f.applied,
      remaining: Number.isFinite(f.remaining) ? f.remaining : null,
    }));
  }

  /** Stalled requests: how many there were, and how many of their sockets the clients have not closed yet. */
  stalls(): { total: number; open: number } {
    return { total: this.#stalls, open: this.#stalled.size };
  }

  /** Holds a stalled request's socket until the client hangs up (or the simulator stops). */
  async #hold(socket: Duplex): Promise<void> {
    this.#stalls += 1;
    this.#stalled.add(socket);
    await new Promise<void>((r) => {
      if (socket.destroyed) r();
      // The client hung up (half-open: only its side ended) or the socket is gone.
      else socket.once('end', () => r()).once('close', () => r());
    });
    socket.destroy();
    this.#stalled.delete(socket);
  }

  /** How many requests a `hold` rule is holding now. */
  held(): number {
    return this.#held.size;
  }

  /** Lets every held request go on to be answered. */
  release(): void {
    for (const go of this.#held) go();
    this.#held.clear();
  }

  /** Closes the sockets of stalled requests (the simulator is stopping). */
  releaseStalls(): void {
    for (const socket of this.#stalled) socket.destroy();
  }

  /** Requests seen so far that match method and a path regex. */
  count(method: string, pathPattern: RegExp): number {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path)).length;
  }

  /** Whether a request seen so far carried `text` in a header or its body. */
  received(text: string): boolean {
    return this.requests.some(
      (r) => r.body.includes(text) || Object.values(r.headers).some((v) => v.includes(text)),
    );
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  /** Records requests and applies faults; mount before the provider's routes. */
  middleware(): MiddlewareHandler<SimEnv> {
    return async (c, next) => {
      const url = new URL(c.req.url);
      if (url.pathname.startsWith('/__sim')) return next();
      const body = ['GET', 'HEAD', 'DELETE'].includes(c.req.method) ? '' : await c.req.raw.clone().text();
      this.requests.push({
        method: c.req.method,
        path: url.pathname,
        query: url.search,
        headers: Object.fromEntries(c.req.raw.headers),
        body,
      });
      const active = this.#faults.find(
        (f) =>
          f.remaining > 0 &&
          (!f.rule.method || f.rule.method.toUpperCase() === c.req.method) &&
          (!f.rule.path || new RegExp(f.rule.path).test(url.pathname)) &&
          (f.rule.rate === undefined || f.random() < f.rule.rate),
      );
      if (!active) return next();
      active.remaining -= 1;
      active.applied += 1;
      const rule = active.rule;
      if (rule.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
      if (rule.hold) await new Promise<void>((r) => this.#held.add(r));
      if (rule.stall || rule.stallAfter) {
        if (rule.stallAfter) await next();
        await this.#hold(c.env.incoming.socket);
        return c.body(null, 500);
      }
      if (rule.drop) {
        c.env.incoming.socket.destroy();
        return c.body(null, 500);
      }
      if (rule.status) {
        const headers: Record<string, string> = { ...rule.headers };
        if (rule.retryAfterSec !== undefined) headers['retry-after'] = String(rule.retryAfterSec);
        const contentType = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
        if (typeof rule.body === 'string' && contentType !== undefined)
          return c.body(rule.body, rule.status as 500, headers);
        return c.json((rule.body ?? { error: 'injected fault' }) as object, rule.status as 500, headers);
      }
      return next();
    };
  }

  /** `/__sim/faults` (POST a rule, GET them, DELETE all) and `/__sim/requests` for users of `npm run simulate`. */
  controlRoutes(): Hono<SimEnv> {
    const app = new Hono<SimEnv>();
    app.get('/faults', (c) => c.json({ faults: this.faults(), stalls: this.stalls(), held: this.held() }));
    app.post('/release', (c) => {
      const released = this.held();
      this.release();
      return c.json({ released });
    });
    app.post('/faults', async (c) => {
      const parsed = FaultRule.safeParse(await c.req.json().catch(() => null));
      if (!parsed.success) return c.json({ error: 'invalid fault rule', issues: parsed.error.issues }, 400);
      this.fault(parsed.data);
      return c.json({ ok: true }, 201);
    });
    app.delete('/faults', (c) => {
      this.clearFaults();
      return c.body(null, 204);
    });
    app.get('/requests', (c) => c.json(this.requests.map(({ headers: _h, body: _b, ...r }) => r)));
    return app;
  }
}
