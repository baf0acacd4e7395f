/** Between two passes of the connection monitor, unless `monitor.intervalMs` says otherwise (0: no monitor). */
export const DEFAULT_MONITOR_INTERVAL_MS = 300_000;
/** The sandbox's: changes made at a simulator show within seconds. */
export const SANDBOX_MONITOR_INTERVAL_MS = 10_000;
