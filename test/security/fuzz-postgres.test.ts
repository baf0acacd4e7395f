import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { fuzzSuite } from './fuzz-suite.js';

/** The same fuzzing on PostgreSQL storage: what SQLite stores, PostgreSQL must store or refuse with a 4xx too (e.g. NUL in text). */
let server: PgServer;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.close();
});

fuzzSuite({ cases: 1000, database: async () => ({ databaseUrl: await server.createDatabase() }) });
