import { describe } from 'vitest';
import { webhookSuite } from './webhook-suite.js';

describe('webhooks on SQLite', () => {
  webhookSuite({ databaseUrl: async () => undefined });
});
