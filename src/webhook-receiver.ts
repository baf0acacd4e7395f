import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/**
 * `npm run webhook-receiver -- --secret whsec_… [--port N] [--host H]`: a receiver for trying
 * webhooks on one machine. Every delivery is verified with the official `standardwebhooks` library
 * and printed (its id, type and data); it answers 204, or 400 when the signature does not verify.
 */

const USAGE =
  'usage: npm run webhook-receiver -- --secret whsec_… [--port 4020] [--host 127.0.0.1]   (or WEBHOOK_SECRET=whsec_…)';

function quit(line: string, code: number): never {
  (code === 0 ? process.stdout : process.stderr).write(`${line}\n`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    options: {
      secret: { type: 'string' },
      port: { type: 'string', default: '4020' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (e) {
  quit(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, 2);
}
if (args.values.help) quit(USAGE, 0);
const secret = args.values.secret ?? process.env['WEBHOOK_SECRET'];
if (!secret?.startsWith('whsec_')) quit(`the endpoint's signing secret (whsec_…) is needed\n${USAGE}`, 2);
const port = Number(args.values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) quit(`--port: must be 0-65535\n${USAGE}`, 2);

let webhook: Webhook;
try {
  webhook = new Webhook(secret);
} catch {
  quit(`--secret: not a whsec_ secret\n${USAGE}`, 2);
}

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => {
    body += c.toString('utf8');
  });
  req.on('end', () => {
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    try {
      const event = webhook.verify(body, headers) as { type: string; timestamp: string; data: unknown };
      process.stdout.write(
        `verified ${headers['webhook-id']} ${event.type} at ${event.timestamp}\n  ${JSON.stringify(event.data)}\n`,
      );
      res.writeHead(204).end();
    } catch (e) {
      const why = e instanceof WebhookVerificationError ? e.message : 'not a webhook';
      process.stdout.write(`refused ${req.method} ${req.url}: ${why}\n`);
      res.writeHead(400).end();
    }
  });
});
server.listen(port, args.values.host, () => {
  const a = server.address() as AddressInfo;
  process.stdout.write(
    `webhook receiver listening on http://${a.address}:${a.port}/ (verifying with standardwebhooks)\n`,
  );
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
