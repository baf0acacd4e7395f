import { describe, expect, it } from 'vitest';
import { CursorCodec } from '../../src/core/cursor.js';
import { GatewayError } from '../../src/core/errors.js';
import { KeyedMutex } from '../../src/storage/keyed-mutex.js';

describe('cursor codec', () => {
  const codec = new CursorCodec('secret-a');
  it('round-trips within its scope only', () => {
    const c = codec.encode('list', { p: 'leen', c: '50' });
    expect(codec.decode('list', c)).toEqual({ p: 'leen', c: '50' });
    expect(() => codec.decode('other', c)).toThrow(GatewayError);
  });
  it('rejects forged, truncated and foreign cursors', () => {
    const c = codec.encode('list', { n: 1 });
    const [body, tag] = c.split('.') as [string, string];
    const forgedBody = Buffer.from(JSON.stringify({ n: 2 })).toString('base64url');
    for (const bad of [
      `${forgedBody}.${tag}`,
      body,
      `${body}.`,
      `${body}.${tag}.x`,
      'garbage',
      new CursorCodec('secret-b').encode('list', { n: 1 }),
    ]) {
      expect(() => codec.decode('list', bad)).toThrow(/cursor/i);
    }
  });
});

describe('keyed mutex', () => {
  it('runs one key at a time in arrival order, other keys in parallel', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const a = mutex.run('k', async () => {
      events.push('a-start');
      await gate;
      events.push('a-end');
    });
    const b = mutex.run('k', async () => {
      events.push('b');
    });
    const other = mutex.run('x', async () => {
      events.push('x');
    });
    await other;
    expect(events).toEqual(['a-start', 'x']);
    release();
    await Promise.all([a, b]);
    expect(events).toEqual(['a-start', 'x', 'a-end', 'b']);
  });
  it('releases the lock when the holder throws', async () => {
    const mutex = new KeyedMutex();
    await expect(
      mutex.run('k', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(mutex.run('k', async () => 'ok')).resolves.toBe('ok');
  });
});
