import createApiKey from './api-keys/create.js';
import revokeApiKey from './api-keys/delete.js';
import listApiKeys from './api-keys/list.js';
import createConnectSession from './connect-sessions/create.js';
import revokeConnectSession from './connect-sessions/delete.js';
import getConnectSession from './connect-sessions/get.js';
import listConnectSessions from './connect-sessions/list.js';
import createConnection from './connections/create.js';
import deleteConnection from './connections/delete.js';
import getConnection from './connections/get.js';
import listJobs from './connections/jobs.js';
import listConnections from './connections/list.js';
import patchConnection from './connections/patch.js';
import putConnection from './connections/put.js';
import testConnection from './connections/test.js';
import docs from './ops/docs.js';
import listAllEvents from './ops/events.js';
import healthz from './ops/healthz.js';
import metrics from './ops/metrics.js';
import listProviders from './ops/providers.js';
import readyz from './ops/readyz.js';
import createOrganization from './organizations/create.js';
import deleteOrganization from './organizations/delete.js';
import listEvents from './organizations/events.js';
import getOrganization from './organizations/get.js';
import listOrganizations from './organizations/list.js';
import patchOrganization from './organizations/patch.js';
import type { RouteModule } from './route.js';
import createWebhook from './webhooks/create.js';
import deleteWebhook from './webhooks/delete.js';
import listWebhookDeliveries from './webhooks/deliveries.js';
import getWebhook from './webhooks/get.js';
import listWebhooks from './webhooks/list.js';
import patchWebhook from './webhooks/patch.js';
import retryWebhookDelivery from './webhooks/retry.js';
import rotateWebhookSecret from './webhooks/rotate-secret.js';
import testWebhook from './webhooks/test.js';

/** Routes that need no caller key. */
export const publicRoutes: RouteModule[] = [healthz, readyz, metrics, docs];

/** `/v1` routes: every one needs `Authorization: Bearer`. */
export const v1Routes: RouteModule[] = [
  listProviders,
  createOrganization,
  listOrganizations,
  getOrganization,
  patchOrganization,
  deleteOrganization,
  listEvents,
  listConnections,
  createConnection,
  getConnection,
  patchConnection,
  putConnection,
  deleteConnection,
  testConnection,
  listJobs,
  createConnectSession,
  listConnectSessions,
  getConnectSession,
  revokeConnectSession,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  listAllEvents,
  createWebhook,
  listWebhooks,
  getWebhook,
  patchWebhook,
  deleteWebhook,
  rotateWebhookSecret,
  testWebhook,
  listWebhookDeliveries,
  retryWebhookDelivery,
];
