// demoApp through an in-memory ServerStream: every route, HEAD, 405, backpressure, peer resets.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoApp } from '../../host/node/demo-app.js';
import { FakeStream, runOnFakeStream, settle, type FakeStreamInit } from '../helpers/fake-stream.js';

const app = demoApp();
const run = (init: FakeStreamInit) => runOnFakeStream(app, init);

describe('demoApp GET /', () => {
  it('answers hello world as text/plain with a content-length', async () => {
    const s = await run({ path: '/' });
    expect(s.status).toBe(200);
    expect(s.responseHeaders).toEqual([['content-type', 'text/plain'], ['content-length', '12']]);
    expect(s.text()).toBe('hello world\n');
    expect(s.ended).toBe(true);
  });

  it('answers HEAD with the fields only', async () => {
    const s = await run({ method: 'HEAD', path: '/' });
    expect([s.status, s.header('content-length'), s.chunks.length, s.ended]).toEqual([200, '12', 0, true]);
  });

  it('answers 405 with allow to other methods', async () => {
    for (const [method, path] of [['POST', '/'], ['DELETE', '/bytes?n=1'], ['PUT', '/slow?ms=0'], ['POST', '/trailers']]) {
      const s = await run({ method, path, body: ['x'] });
      expect([s.status, s.header('allow'), s.text()]).toEqual([405, 'GET, HEAD', 'method not allowed\n']);
    }
  });

  it('answers 404 elsewhere without a root, whatever the method', async () => {
    for (const method of ['GET', 'POST']) {
      const s = await run({ method, path: '/nope?x=1' });
      expect([s.status, s.text()]).toEqual([404, 'not found\n']);
    }
  });
});

describe('demoApp /echo', () => {
  it('streams each chunk back as it arrives', async () => {
    const stream = new FakeStream({ method: 'POST', path: '/echo', open: true, headers: [['content-type', 'text/csv'], ['x-thing', 'one'], ['x-thing', 'two']] });
    const done = app(stream);
    stream.push('a,b\n');
    await settle();
    expect(stream.status).toBe(200);
    expect(stream.text()).toBe('a,b\n');
    expect(stream.ended).toBe(false);
    stream.push('c,d\n');
    await settle();
    expect(stream.text()).toBe('a,b\nc,d\n');
    stream.finish();
    await done;
    expect(stream.ended).toBe(true);
    expect(stream.header('content-type')).toBe('text/csv');
    expect(stream.responseHeaders).toContainEqual(['x-echo-x-thing', 'one']);
    expect(stream.responseHeaders).toContainEqual(['x-echo-x-thing', 'two']);
    expect(stream.responseHeaders).toContainEqual(['x-echo-content-type', 'text/csv']);
    expect(stream.responseHeaders.some(([n]) => n.startsWith('x-echo-:'))).toBe(false);
  });

  it('skips connection-specific fields and defaults the content-type', async () => {
    const s = await run({ method: 'PUT', path: '/echo?q', body: [new Uint8Array([0, 1, 2])], headers: [['connection', 'keep-alive'], ['keep-alive', '5'], ['te', 'trailers'], ['accept', '*/*']] });
    expect(s.header('content-type')).toBe('application/octet-stream');
    expect(s.header('x-echo-connection')).toBeUndefined();
    expect(s.header('x-echo-keep-alive')).toBeUndefined();
    expect(s.header('x-echo-accept')).toBe('*/*');
    expect([...s.body()]).toEqual([0, 1, 2]);
  });

  it('answers a GET without a body with an empty body', async () => {
    const s = await run({ path: '/echo' });
    expect([s.status, s.chunks.length, s.ended]).toEqual([200, 0, true]);
  });

  it('reads the next chunk only after the last write settled', async () => {
    const stream = new FakeStream({ method: 'POST', path: '/echo', body: ['1', '2', '3'] });
    stream.holdWrites();
    const done = app(stream);
    await settle();
    expect([stream.reads, stream.heldWrites]).toEqual([1, 1]);
    stream.releaseWrites();
    await done;
    expect(stream.text()).toBe('123');
  });

  it('stops quietly when the peer resets', async () => {
    const stream = new FakeStream({ method: 'POST', path: '/echo', open: true });
    const done = app(stream);
    stream.push('x');
    await settle();
    stream.abort();
    await expect(done).resolves.toBeUndefined();
    expect(stream.resetCode).toBeUndefined();
  });
});

describe('demoApp /bytes', () => {
  it('sends n bytes with byte k = k mod 256, in 64 KiB writes', async () => {
    const n = 3 * 65536 + 1000;
    const s = await run({ path: `/bytes?n=${n}` });
    expect([s.status, s.header('content-type'), s.header('content-length')]).toEqual([200, 'application/octet-stream', String(n)]);
    expect(s.chunks.map((c) => c.length)).toEqual([65536, 65536, 65536, 1000]);
    const body = s.body();
    expect(body.length).toBe(n);
    expect(body.every((b, k) => b === (k & 0xff))).toBe(true);
  });

  it('sends exact multiples of the chunk size and zero bytes', async () => {
    expect((await run({ path: '/bytes?n=131072' })).chunks.map((c) => c.length)).toEqual([65536, 65536]);
    const empty = await run({ path: '/bytes?n=0' });
    expect([empty.status, empty.header('content-length'), empty.chunks.length, empty.ended]).toEqual([200, '0', 0, true]);
  });

  it('answers 400 to a missing or bad n', async () => {
    for (const path of ['/bytes', '/bytes?n=', '/bytes?n=-1', '/bytes?n=1e3', '/bytes?n=0x10', '/bytes?m=5']) {
      expect((await run({ path })).status).toBe(400);
    }
  });

  it('caps n at 2^40 (HEAD: the fields only)', async () => {
    const s = await run({ method: 'HEAD', path: `/bytes?n=${'9'.repeat(400)}` });
    expect([s.status, s.header('content-length'), s.chunks.length]).toEqual([200, String(2 ** 40), 0]);
  });

  it('waits for each write (backpressure) and stops when the peer resets', async () => {
    const stream = new FakeStream({ path: `/bytes?n=${2 ** 30}` });
    stream.holdWrites();
    const done = app(stream);
    await settle();
    expect([stream.chunks.length, stream.heldWrites]).toEqual([1, 1]);
    stream.abort();
    await expect(done).resolves.toBeUndefined();
    expect(stream.chunks.length).toBe(1);
  });
});

describe('demoApp /slow', () => {
  afterEach(() => void vi.useRealTimers());

  it('answers after the delay', async () => {
    const s = await run({ path: '/slow?ms=1' });
    expect([s.status, s.text()]).toEqual([200, 'slow 1\n']);
  });

  it('caps the delay at 60 s', async () => {
    vi.useFakeTimers();
    const stream = new FakeStream({ path: '/slow?ms=999999' });
    const done = app(stream);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(stream.status).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(stream.text()).toBe('slow 60000\n');
  });

  it('gives up without answering when the peer resets', async () => {
    vi.useFakeTimers();
    const stream = new FakeStream({ path: '/slow?ms=60000' });
    const done = app(stream);
    stream.abort();
    await done;
    expect(stream.status).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers 400 to a bad ms', async () => {
    expect((await run({ path: '/slow?ms=soon' })).status).toBe(400);
  });
});

describe('demoApp /trailers', () => {
  it('sends the body in several writes, then x-checksum = sha256(body), announced in trailer', async () => {
    const s = await run({ path: '/trailers' });
    expect(s.status).toBe(200);
    expect(s.header('trailer')).toBe('x-checksum');
    expect(s.chunks.length).toBeGreaterThan(1);
    expect(s.responseTrailers).toEqual([['x-checksum', createHash('sha256').update(s.body()).digest('hex')]]);
  });

  it('answers HEAD with the fields only', async () => {
    const s = await run({ method: 'HEAD', path: '/trailers' });
    expect([s.status, s.chunks.length, s.responseTrailers]).toEqual([200, 0, undefined]);
  });
});
