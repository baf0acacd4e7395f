/**
 * The upstream engine as provider folders use it: build a client, describe requests, map a
 * provider's failures. Everything else in this folder is the engine's own.
 */
export { CallAborted } from './call-aborted.js';
export {
  createUpstreamClient,
  type UpstreamClient,
  type UpstreamClientOptions,
  type UpstreamResponse,
} from './client.js';
export { providerClientOptions, type AdapterDeps, type ProviderClientOptions } from './client-options.js';
export { upstreamError } from './errors.js';
export { path } from './path.js';
export type { UpstreamRequest } from './request.js';
export { retryAfterSeconds } from '../core/retry-after.js';
export type { UpstreamAuth, UpstreamFailure } from './retry.js';
export type { HeaderBag } from './transport.js';
