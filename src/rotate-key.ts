import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfigFile } from './config.js';
import { Sealer } from './core/crypto.js';
import { rotateCredentials, type RotationReport } from './core/connections/key-rotation.js';
import { rotateWebhookSecrets } from './core/services/webhooks.js';
import { definitions } from './providers/registry.js';
import { openStorage } from './storage/open.js';

/**
 * `npm run rotate-key [-- --dry-run] [--batch-size N]`: re-seals every stored credential (and every
 * webhook signing secret) under
 * `encryption.key`, opening each with the key it was sealed with (`encryption.previousKeys`). It reads
 * the gateway's own configuration (GATEWAY_CONFIG and the same environment) and prints counts and
 * ids, never a secret. Exit 0: every stored credential is under the current key (the previous keys
 * may be removed); 1: some are not (listed), or the configuration or database is wrong; 2: usage.
 */

const USAGE = 'usage: GATEWAY_CONFIG=path/to/config.json npm run rotate-key [-- --dry-run] [--batch-size N]';

function quit(line: string, code: number): never {
  (code === 0 ? process.stdout : process.stderr).write(`${line}\n`);
  process.exit(code);
}

const counts = (m: Map<string, number>, current: string) => {
  const total = [...m.values()].reduce((a, b) => a + b, 0);
  const parts = [...m].map(([id, n]) => `${id}${id === current ? ' (current)' : ''}: ${n}`);
  return `${total} sealed row(s)${parts.length > 0 ? ` — by key id: ${parts.join(', ')}` : ''}`;
};

function print(report: RotationReport, dryRun: boolean): boolean {
  const { currentKeyId: current } = report;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`current key id: ${current}`);
  out(`before: ${counts(report.before, current)}`);
  out(`${dryRun ? 'would re-seal' : 're-sealed'}: ${report.resealed}`);
  out(`already under the current key: ${report.before.get(current) ?? 0}`);
  if (!dryRun) out(`rewritten by a gateway meanwhile (left as written): ${report.changedMeanwhile}`);
  out(`cannot be opened: ${report.unopenable.length}`);
  for (const u of report.unopenable)
    process.stderr.write(`  - ${u.detail} (organization ${u.organizationId})\n`);
  if (dryRun) return report.unopenable.length === 0;
  out(`after: ${counts(report.after, current)}`);
  const left = [...report.after].filter(([id]) => id !== current).reduce((n, [, c]) => n + c, 0);
  if (left === 0) {
    out(
      'done: every stored credential is sealed under the current key; the previous keys may be removed from encryption.previousKeys.',
    );
    return true;
  }
  process.stderr.write(
    `not done: ${left} stored credential(s) are still sealed under other keys; keep the previous keys configured.${
      report.unopenable.length < left
        ? ' Rows were rewritten under another key while this ran: is a gateway still running with the old key as encryption.key? Restart it with the new key, then run this again.'
        : ''
    }\n`,
  );
  return false;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        'dry-run': { type: 'boolean' },
        'batch-size': { type: 'string', default: '100' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    quit(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, 2);
  }
  if (args.values.help) quit(USAGE, 0);
  const batchSize = Number(args.values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    quit(`--batch-size: must be an integer 1-10000\n${USAGE}`, 2);
  const file = process.env['GATEWAY_CONFIG'];
  if (!file)
    quit(
      `rotate-key: GATEWAY_CONFIG is not set; it works on the database and keys of a configured gateway (the sandbox keeps its own key).\n${USAGE}`,
      2,
    );

  let config;
  try {
    config = loadConfigFile(file, process.env, definitions);
  } catch (e) {
    quit(
      e instanceof ConfigError ? e.message : `rotate-key: ${e instanceof Error ? e.message : String(e)}`,
      1,
    );
  }
  const sealer = Sealer.fromConfig(config.encryption);
  if (!sealer)
    quit(
      'rotate-key: encryption.key is not set (or GATEWAY_ENCRYPTION_KEY): there is no key to seal with.',
      1,
    );
  let storage;
  try {
    storage = await openStorage(config.database, pino({ level: 'warn' }, pino.destination(2)), {
      mustExist: true,
    });
  } catch (e) {
    quit(`rotate-key: cannot open database.url (${e instanceof Error ? e.message : String(e)})`, 1);
  }
  try {
    const dryRun = args.values['dry-run'] === true;
    const credentialsOk = print(await rotateCredentials(storage, sealer, { batchSize, dryRun }), dryRun);
    const hooks = await rotateWebhookSecrets(storage, sealer, new Date(), dryRun);
    process.stdout.write(
      `webhook signing secrets ${dryRun ? 'that would be re-sealed' : 're-sealed'}: ${hooks.resealed}${dryRun ? '' : `, rewritten meanwhile: ${hooks.changedMeanwhile}`}, cannot be opened: ${hooks.unopenable.length}\n`,
    );
    for (const u of hooks.unopenable) process.stderr.write(`  - ${u}\n`);
    const ok = credentialsOk && hooks.unopenable.length === 0 && hooks.changedMeanwhile === 0;
    await storage.close();
    process.exit(ok ? 0 : 1);
  } catch (e) {
    await storage.close();
    // Storage errors (a locked database, a full disk) carry no secret; the re-sealed batches so far are committed.
    quit(
      `rotate-key: stopped: ${e instanceof Error ? e.message : String(e)}; batches already written are kept, run it again to go on.`,
      1,
    );
  }
}

void main();
