import type { CallContext } from '../core/adapter.js';
import { cancellationOf } from '../core/cancellation.js';
import { CallAborted } from './call-aborted.js';
import type { UpstreamPolicy } from './policy.js';
import { attemptHeaders, type EncodedBody, type UpstreamRequest } from './request.js';
import { TransportError, type TransportResponse } from './transport.js';

/** Where a call goes: the provider's origin and the path with its query (below the base path). */
export interface CallTarget {
  origin: string;
  path: string;
}

const ms = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/**
 * One HTTP attempt, with its log line (`upstream call`: method, path, attempt, request id, status
 * or outcome, duration; an answered attempt may ride on its request's line instead, see
 * AttemptLines) and its count in the attempts metric. Resolves with any answer; rejects
 * with the TransportError of no answer, or CallAborted when the caller went away.
 */
export async function attempt(
  policy: UpstreamPolicy,
  ctx: CallContext,
  req: UpstreamRequest,
  target: CallTarget,
  encoded: EncodedBody,
  auth: Record<string, string>,
  timeoutMs: number,
  n: number,
): Promise<TransportResponse> {
  const started = performance.now();
  const line = { method: req.method, path: req.path, attempt: n, request_id: ctx.requestId };
  try {
    const res = await policy.transport.request({
      origin: target.origin,
      path: target.path,
      method: req.method,
      headers: attemptHeaders(ctx, auth, encoded),
      body: encoded.body,
      timeoutMs,
      cancel: cancellationOf(ctx),
    });
    const duration = ms(started);
    const write = () =>
      policy.log.info({ ...line, status: res.status, duration_ms: duration }, 'upstream call');
    const fields = {
      provider: policy.providerId,
      method: req.method,
      path: req.path,
      attempt: n,
      status: res.status,
      duration_ms: duration,
    };
    if (!ctx.attempts?.take(fields, write)) write();
    if (policy.metrics) policy.metrics.attempts.labels(policy.providerId, String(res.status)).inc();
    return res;
  } catch (e) {
    const outcome = !(e instanceof TransportError)
      ? 'network'
      : e.kind === 'aborted'
        ? 'caller_gone'
        : e.kind;
    policy.log.warn({ ...line, status: null, outcome, duration_ms: ms(started) }, 'upstream call');
    if (policy.metrics) policy.metrics.attempts.labels(policy.providerId, outcome).inc();
    if (e instanceof TransportError && e.kind === 'aborted') throw new CallAborted();
    throw e;
  }
}
