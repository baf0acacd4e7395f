/** The PostgreSQL backend's settings (config `database.*`); apart from the backend so that reading config loads no driver. */
export interface PostgresSettings {
  /** Connections the pool holds at most. */
  poolSize: number;
  /** How long to wait for a connection (a new one or a free pooled one) before the request fails with 503. */
  connectTimeoutMs: number;
  /** How long one statement may run (server-side `statement_timeout`, and the client's own wait). */
  statementTimeoutMs: number;
  /** The per-connection lock's lease: how long a replica that died holding it blocks the others. */
  lockLeaseMs: number;
  /** How long a request waits for a connection's lock before 409 `conflict`. */
  lockWaitMs: number;
}

export const POSTGRES_DEFAULTS: PostgresSettings = {
  poolSize: 10,
  connectTimeoutMs: 2_000,
  statementTimeoutMs: 5_000,
  lockLeaseMs: 15_000,
  lockWaitMs: 30_000,
};
