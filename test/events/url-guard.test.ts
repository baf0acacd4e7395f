import { describe, expect, it } from 'vitest';
import { WebhookSender } from '../../src/events/sender.js';
import { isPublicAddress, WebhookUrlGuard } from '../../src/events/url-guard.js';
import { TestReceiver } from '../helpers/receiver.js';

/** URL safety (OWASP API7, SSRF): when a URL is set, and again on the address each attempt connects to. */

describe('isPublicAddress', () => {
  it.each([
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['198.18.0.1', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fc00::1', false],
    ['fd12:3456::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['64:ff9b::a00:1', false],
    ['2001:db8::1', false],
    ['not-an-ip', false],
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['172.32.0.1', true],
    ['2606:4700:4700::1111', true],
    ['::ffff:8.8.8.8', true],
  ])('%s → %s', (ip, pub) => {
    expect(isPublicAddress(ip)).toBe(pub);
  });
});

describe('WebhookUrlGuard.check', () => {
  const guard = (
    rules: { allowHttp?: boolean; allowPrivateNetworks?: boolean },
    answers: Record<string, string[]> = {},
  ) =>
    new WebhookUrlGuard({ allowHttp: false, allowPrivateNetworks: false, ...rules }, async (host) => {
      const a = answers[host];
      if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return a;
    });

  it('takes https on hosts that resolve to public addresses only', async () => {
    const g = guard(
      {},
      {
        'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
        'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
      },
    );
    expect(await g.check('https://hooks.example.com/x')).toBeNull();
    expect(await g.check('https://8.8.8.8/x')).toBeNull();
    expect(await g.check('http://hooks.example.com/x')).toBe('must be an https:// URL');
    expect(await g.check('https://u:p@hooks.example.com/x')).toMatch(/user-info/);
    expect(await g.check('https://mixed.example.com/x')).toMatch(
      /10\.0\.0\.7, which is not a public address/,
    );
    expect(await g.check('https://127.0.0.1/x')).toMatch(/not a public address/);
    expect(await g.check('https://[::1]/x')).toMatch(/not a public address/);
    expect(await g.check('https://nowhere.example.com/x')).toBe(
      'its host nowhere.example.com does not resolve',
    );
    expect(await g.check('file:///etc/passwd')).toBe('must be an https:// URL');
  });

  it('allows http and private networks only when told (the sandbox)', async () => {
    const g = guard({ allowHttp: true, allowPrivateNetworks: true }, { localhost: ['127.0.0.1'] });
    expect(await g.check('http://localhost:8080/x')).toBeNull();
    expect(await g.check('https://u:p@localhost/x')).toMatch(/user-info/);
  });
});

describe('WebhookSender: the address is checked again when each attempt connects', () => {
  it('a host that resolved to a public address when the URL was set, and to loopback now, is never reached', async () => {
    const r = await TestReceiver.start();
    try {
      const port = new URL(r.url).port;
      // At check time the (stubbed) resolver says public; at connect time the system resolves localhost to loopback.
      const g = new WebhookUrlGuard({ allowHttp: true, allowPrivateNetworks: false }, async () => [
        '93.184.216.34',
      ]);
      expect(await g.check(`http://localhost:${port}/hook`)).toBeNull();
      const sender = new WebhookSender(g, 2_000, 'plugboard/test');
      const res = await sender.post(`http://localhost:${port}/hook`, {}, '{}');
      expect(res.status).toBeNull();
      expect(res.error).toMatch(
        /^refused: localhost resolves to (127\.0\.0\.1|::1), which is not a public address/,
      );
      // A literal address is checked before the request.
      expect((await sender.post(`http://127.0.0.1:${port}/hook`, {}, '{}')).error).toMatch(/^refused: /);
      expect(r.received).toEqual([]);
      await sender.close();
      // With private networks allowed, the same URL is reached.
      const open = new WebhookSender(
        new WebhookUrlGuard({ allowHttp: true, allowPrivateNetworks: true }),
        2_000,
        'plugboard/test',
      );
      expect((await open.post(`http://localhost:${port}/hook`, {}, '{}')).status).toBe(204);
      expect(r.received).toHaveLength(1);
      await open.close();
    } finally {
      await r.close();
    }
  });

  it('a receiver that does not answer in time is a timeout; one that refuses the connection says so', async () => {
    const r = await TestReceiver.start();
    r.otherwise = 'hold';
    const sender = new WebhookSender(
      new WebhookUrlGuard({ allowHttp: true, allowPrivateNetworks: true }),
      200,
      'plugboard/test',
    );
    try {
      expect((await sender.post(`${r.url}/slow`, {}, '{}')).error).toBe('timeout after 200 ms');
      const closed = new URL(r.url);
      await r.close();
      expect((await sender.post(`http://127.0.0.1:${closed.port}/x`, {}, '{}')).error).toBe(
        'connection refused',
      );
    } finally {
      await sender.close();
    }
  });
});
