import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { REPO_ROOT } from './repo.js';

/**
 * The one place page tests get a browser from: a real headless Chromium driven by playwright-core.
 *
 * The binary comes from the npm registry like every other dependency: `@sparticuz/chromium` ships
 * a brotli-packed Chromium inside the package, unpacked on first use (~1–3 s) into a folder of the
 * temp directory named by the package version, and reused by every later test file and run.
 * `CHROMIUM_PATH` may point at another browser (a system Chromium) instead.
 */

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/@sparticuz/chromium/package.json'), 'utf8')) as {
    version: string;
  }
).version;
const UNPACKED = join(tmpdir(), `plugboard-chromium-${PACKAGE_VERSION}`);

/**
 * Unpacks the packaged Chromium once per machine. The package unpacks into `os.tmpdir()` itself
 * and takes any file already there as complete, so two test files unpacking at once (or a run
 * killed half-way) could launch a half-written binary. Instead a child process unpacks it with
 * TMPDIR set to a private staging folder, which is then renamed into place in one step: a reader
 * sees the whole folder or none, and the loser of a race drops its copy.
 */
async function unpackedChromium(): Promise<string> {
  const executable = join(UNPACKED, 'chromium');
  if (existsSync(executable)) return executable;
  const staging = mkdtempSync(join(tmpdir(), 'plugboard-chromium-staging-'));
  try {
    const script =
      "import('@sparticuz/chromium').then((m) => m.default.executablePath()).then((p) => process.stdout.write(p))";
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: staging },
    });
    if (stdout !== join(staging, 'chromium'))
      throw new Error(`@sparticuz/chromium unpacked to ${stdout}, not into ${staging}`);
    try {
      renameSync(staging, UNPACKED);
    } catch (e) {
      // Another test file got there first: its folder is complete, this one goes.
      if (!existsSync(executable)) throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return executable;
}

/**
 * The packaged flags are for AWS Lambda; a page test wants the browser's own security (same-origin
 * policy, mixed content, which the hosted pages' CSP and cookies rely on) and no traffic of its own
 * on a machine with a closed network.
 */
const DROPPED_FLAGS = new Set([
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--single-process',
]);
const QUIET_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--disable-gpu',
];

async function launchArgs(): Promise<string[]> {
  const { default: packaged } = await import('@sparticuz/chromium');
  packaged.setGraphicsMode = false;
  return [
    ...packaged.args.filter((a) => !DROPPED_FLAGS.has(a) && !a.startsWith('--headless')),
    ...QUIET_FLAGS,
  ];
}

/** Launches a headless Chromium (CHROMIUM_PATH, else the packaged one). */
export async function launchBrowser(): Promise<Browser> {
  const own = process.env['CHROMIUM_PATH'];
  if (own !== undefined && !existsSync(own)) throw new Error(`CHROMIUM_PATH=${own}: no such file`);
  const executablePath = own ?? (await unpackedChromium());
  return chromium.launch({ executablePath, headless: true, args: await launchArgs() });
}

/**
 * For a test file: one browser, launched before its tests and closed after them, also when a test
 * or a later hook fails. Call at the top level of the file; use the getter inside tests.
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser)
      throw new Error(
        'the browser is not running (useBrowser() must be called at the top level of the test file)',
      );
    return browser;
  };
}
