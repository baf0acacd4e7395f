import { describe, expect, it } from 'vitest';
import { cancellationOf, Trigger } from '../../src/core/cancellation.js';

describe('Trigger: "the caller went away" without an AbortSignal per call', () => {
  it('calls each listener once when fired, not one taken back, not one added after', () => {
    const t = new Trigger();
    const heard: string[] = [];
    t.onAbort(() => heard.push('a'));
    const takeBack = t.onAbort(() => heard.push('b'));
    takeBack();
    expect(t.aborted).toBe(false);
    t.fire();
    t.fire();
    t.onAbort(() => heard.push('late'));
    expect(heard).toEqual(['a']);
    expect(t.aborted).toBe(true);
  });

  it('gives an AbortSignal for an API that takes one: made when asked, aborted with it (or already)', () => {
    const before = new Trigger();
    const signal = before.signal;
    expect(signal.aborted).toBe(false);
    before.fire();
    expect(signal.aborted).toBe(true);
    const after = new Trigger();
    after.fire();
    expect(after.signal.aborted).toBe(true);
  });

  it("a context's Cancellation: its own, else one on its AbortSignal, else none", () => {
    const own = new Trigger();
    expect(cancellationOf({ cancel: own })).toBe(own);
    const controller = new AbortController();
    const onSignal = cancellationOf({ signal: controller.signal });
    const heard: number[] = [];
    onSignal?.onAbort(() => heard.push(1));
    const takeBack = onSignal?.onAbort(() => heard.push(2));
    takeBack?.();
    controller.abort();
    expect(onSignal?.aborted).toBe(true);
    expect(heard).toEqual([1]);
    expect(cancellationOf({})).toBeUndefined();
  });
});
