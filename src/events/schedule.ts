/**
 * When a failed delivery is tried again (contract §9.2): after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
 * 14 h, 20 h, 24 h (the Standard Webhooks example), each ±10%; a `Retry-After` that asks for longer
 * is honoured. After the last, the delivery has failed.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
];

/** Milliseconds until the next attempt after `attemptsMade` failed ones, or null when none is left. */
export function retryDelay(
  attemptsMade: number,
  schedule: readonly number[],
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | null {
  const base = schedule[attemptsMade - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (0.9 + 0.2 * random()));
  return Math.max(jittered, retryAfterMs ?? 0);
}
