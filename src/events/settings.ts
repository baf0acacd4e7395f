import type { DispatcherSettings } from './dispatcher.js';
import { DEFAULT_RETRY_SCHEDULE_MS } from './schedule.js';
import type { UrlRules } from './url-guard.js';

/** The `webhooks` section of the configuration, every key with its default filled in. */
export interface WebhookConfig extends DispatcherSettings, UrlRules {
  /** How long a rotated-out secret keeps signing beside the new one. */
  rotationOverlapMs: number;
}

export const WEBHOOK_DEFAULTS: WebhookConfig = {
  allowHttp: false,
  allowPrivateNetworks: false,
  timeoutMs: 15_000,
  retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
  disableAfterMs: 5 * 24 * 3_600_000,
  concurrency: 32,
  perEndpoint: 4,
  pollMs: 500,
  rotationOverlapMs: 24 * 3_600_000,
};
