import { afterAll, beforeAll, describe } from 'vitest';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { webhookSuite } from './webhook-suite.js';

let server: PgServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.close();
});

describe('webhooks on PostgreSQL', () => {
  webhookSuite({ databaseUrl: () => server.createDatabase() });
});
