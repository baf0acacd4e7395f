import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { buildDist } from '../helpers/process.js';
import { REPO_ROOT } from '../helpers/repo.js';

/** `npm run webhook-receiver`: prints each delivery that verifies with the official library, refuses the rest. */

const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
let child: ReturnType<typeof spawn>;
let out = '';
let url = '';

beforeAll(async () => {
  await buildDist();
  child = spawn(process.execPath, ['dist/webhook-receiver.js', '--port', '0'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', WEBHOOK_SECRET: SECRET },
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  url = await vi.waitFor(() => {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
    if (!m) throw new Error(`not listening: ${out}`);
    return m[1] as string;
  });
}, 60_000);
afterAll(() => {
  child?.kill('SIGTERM');
});

describe('npm run webhook-receiver', () => {
  it('answers 204 to a delivery signed with its secret and prints it; 400 to anything else', async () => {
    const body = JSON.stringify({
      type: 'webhook.test',
      timestamp: '2026-12-03T10:00:00Z',
      data: { webhook_id: 'wh_1' },
    });
    const at = new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'ev_receiver_test',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(SECRET).sign('ev_receiver_test', at, body),
    };
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(204);
    expect((await fetch(url, { method: 'POST', headers, body: `${body} ` })).status).toBe(400);
    expect((await fetch(url, { method: 'POST', body })).status).toBe(400);
    await vi.waitFor(() =>
      expect(out).toContain('verified ev_receiver_test webhook.test at 2026-12-03T10:00:00Z'),
    );
    expect(out).toContain('refused POST /: No matching signature found');
    expect(out).toContain('refused POST /: Missing required headers');
  });
});
