// Flow control and concurrency against Node's http2 client: peers with tiny
// windows (the server must never overrun one, and must wake on WINDOW_UPDATE),
// 100 concurrent streams with one held back, and 100 MB each way with a
// sha256 check, streamed (nothing holds 100 MB in memory).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { demoApp } from '../../../host/node/demo-app.js';
import type { StreamHandler } from '../../../host/engine/types.js';
import { collect, connect, gate, hashStream, outcome, pseudoRandom, request, sha256, startServer } from '../../helpers/peers.js';

const MB = 1 << 20;

/** watch records session-level trouble: an error or a GOAWAY from the server (e.g. FLOW_CONTROL_ERROR). */
function watch(session: http2.ClientHttp2Session): string[] {
  const trouble: string[] = [];
  session.on('error', (e: Error) => trouble.push(`error: ${e.message}`));
  session.on('goaway', (code: number) => trouble.push(`goaway ${code}`));
  session.on('frameError', (type: number, code: number, id: number) => trouble.push(`frameError type=${type} code=${code} stream=${id}`));
  return trouble;
}

describe('tiny peer windows', () => {
  it('initialWindowSize 1: /bytes?n=100000 and /trailers arrive whole, one byte per window', async () => {
    const server = await startServer({ stream: demoApp() });
    const reference = await request(await connect(server.origin), '/bytes?n=100000');
    expect(reference.body.length).toBe(100_000);

    const session = await connect(server.origin, { settings: { initialWindowSize: 1 } });
    const trouble = watch(session);
    const [bytes, trailers] = await Promise.all([request(session, '/bytes?n=100000'), request(session, '/trailers')]);
    expect(bytes.status).toBe(200);
    expect(bytes.body.length).toBe(100_000);
    expect(sha256(bytes.body)).toBe(sha256(reference.body));
    expect(trailers.status).toBe(200);
    expect(trailers.trailers?.['x-checksum']).toBe(sha256(trailers.body));
    expect(trouble).toEqual([]);
    expect(server.logs.errors()).toEqual([]);
  });

  it('the connection window binds (64 KiB shared by 8 downloads of 1 MB): every byte arrives', async () => {
    const server = await startServer({ stream: demoApp() });
    // Node's client keeps the connection receive window at 65535 unless told otherwise.
    const session = await connect(server.origin, { settings: { initialWindowSize: 65535 } });
    const trouble = watch(session);
    const replies = await Promise.all(Array.from({ length: 8 }, () => request(session, `/bytes?n=${MB}`)));
    expect(replies.map((r) => [r.status, r.body.length])).toEqual(Array.from({ length: 8 }, () => [200, MB]));
    expect(new Set(replies.map((r) => sha256(r.body))).size).toBe(1);
    expect(trouble).toEqual([]);
  });

  it('a server whose own stream window is 1 KiB still takes a 1 MB upload (it sends WINDOW_UPDATE as it reads)', async () => {
    const server = await startServer({ stream: demoApp(), settings: { initialWindowSize: 1024, connectionWindowSize: 65535 } });
    const session = await connect(server.origin);
    const trouble = watch(session);
    // The client has applied the server's SETTINGS before it sends a byte.
    if (session.remoteSettings.initialWindowSize !== 1024) await once(session, 'remoteSettings');
    const r = await request(session, '/echo', { body: pseudoRandom(7, MB) });
    expect(r.status).toBe(200);
    expect(sha256(r.body)).toBe((await hashStream(pseudoRandom(7, MB))).sha256);
    expect(trouble).toEqual([]);
  });

  it('DATA sent before the server\'s smaller SETTINGS_INITIAL_WINDOW_SIZE arrived is not a FLOW_CONTROL_ERROR', async () => {
    // RFC 9113 §6.5.3/§6.9.2: until the client acknowledges our SETTINGS it may use the default
    // window of 65535; the client below sends 60000 bytes in the same write as its HEADERS.
    const server = await startServer({ stream: demoApp(), settings: { initialWindowSize: 1024 } });
    const session = await connect(server.origin);
    const body = Buffer.alloc(60_000, 0x5a);
    const r = await request(session, '/echo', { body });
    expect(r.status).toBe(200);
    expect(r.body.equals(body)).toBe(true);
  });
});

describe('100 concurrent streams on one connection', () => {
  it('99 complete while one is held by its handler; the held one completes when released', async () => {
    const release = gate();
    const handler: StreamHandler = async (s) => {
      if (s.path === '/hold') await release.promise;
      s.respond(200, { 'content-type': 'text/plain' });
      await s.end(s.path);
    };
    const server = await startServer({ stream: handler });
    const session = await connect(server.origin);
    let heldAnswered = false;
    const heldReq = session.request({ ':path': '/hold' });
    heldReq.on('response', () => { heldAnswered = true; });
    const held = collect(heldReq);
    const others = await Promise.all(Array.from({ length: 99 }, (_, i) => request(session, `/n/${i}`)));
    expect(others.map((r) => r.body.toString())).toEqual(Array.from({ length: 99 }, (_, i) => `/n/${i}`));
    expect(heldAnswered).toBe(false);
    release.open();
    const h = await held;
    expect([h.status, h.body.toString()]).toEqual([200, '/hold']);
  });

  it('demo app: 99 GET / complete while /slow is pending; the slow one is then cancelled cleanly', async () => {
    const server = await startServer({ stream: demoApp() });
    const session = await connect(server.origin);
    const slowReq = session.request({ ':path': '/slow?ms=30000' });
    let slowDone = false;
    slowReq.on('end', () => { slowDone = true; });
    const slow = outcome(slowReq);
    const others = await Promise.all(Array.from({ length: 99 }, () => request(session, '/')));
    expect(others.every((r) => r.status === 200 && r.body.toString() === 'hello world\n')).toBe(true);
    expect(slowDone).toBe(false);
    slowReq.close(http2.constants.NGHTTP2_CANCEL);
    await slow;
    expect((await request(session, '/')).status).toBe(200);
    expect(server.logs.errors()).toEqual([]);
  });
});

describe('100 MB each way, streamed, sha256-checked', () => {
  const SIZE = 100 * MB;
  const big = { settings: { initialWindowSize: 8 * MB } };

  it('up: 100 MB of pseudo-random data through /echo comes back identical', async () => {
    const server = await startServer({ stream: demoApp() });
    const session = await connect(server.origin, big);
    session.setLocalWindowSize(32 * MB);
    const req = session.request({ ':method': 'POST', ':path': '/echo' });
    pseudoRandom(42, SIZE).pipe(req);
    const [back, expected] = await Promise.all([hashStream(req), hashStream(pseudoRandom(42, SIZE))]);
    expect(back).toEqual(expected);
  });

  it('down: /bytes?n=104857600 is byte k = k mod 256 throughout (the demo app\'s pattern)', async () => {
    const server = await startServer({ stream: demoApp() });
    const session = await connect(server.origin, big);
    session.setLocalWindowSize(32 * MB);
    const req = session.request({ ':path': `/bytes?n=${SIZE}` });
    const got = await hashStream(req as AsyncIterable<Buffer>);
    const pattern = Uint8Array.from({ length: 64 << 10 }, (_, k) => k & 0xff);
    const expected = createHash('sha256');
    for (let left = SIZE; left > 0; left -= pattern.length) expected.update(pattern.subarray(0, Math.min(left, pattern.length)));
    expect(got).toEqual({ sha256: expected.digest('hex'), bytes: SIZE });
  });
});
