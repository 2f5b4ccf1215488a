// Backpressure end to end through `h2wasm proxy`: a client that stops reading
// holds a 256 MiB download back at the backend, and a backend that stops
// reading holds a 256 MiB upload back at the client; the proxy buffers only
// its caps meanwhile (its RSS is watched from outside), and every byte arrives
// once the slow side reads again. A client that resets its stream cuts the
// backend's response off too.

import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, defer, hashStream, pseudoRandom } from '../helpers/peers.js';
import { startProxyProcess } from '../helpers/proxy-process.js';
import { killAllServers, sampleProcess } from '../helpers/server-process.js';

afterAll(killAllServers);

const TOTAL = 256 << 20;
/** BOUND: what may pile up between the two ends (the client's and the backend's socket buffers and
 *  windows, the proxy's caps on both connections) — far below TOTAL. */
const BOUND = 32 << 20;

/** settled polls counter() every 250 ms until it has not moved for 1 s (at most 40 polls) and returns it. */
async function settled(counter: () => number): Promise<number> {
  let last = -1;
  let still = 0;
  for (let i = 0; i < 40 && still < 4; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = counter();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

/** ByteBackend is a backend of TOTAL-byte responses: what it has sent, and how many responses were cut short. */
interface ByteBackend {
  url: string;
  sent: () => number;
  aborted: () => number;
}

/** startByteBackend: GET /big streams TOTAL bytes with backpressure (counting what it handed to the
 *  socket); POST /sink reads nothing until release(), then counts the body and answers its length. */
async function startByteBackend(): Promise<ByteBackend & { release: () => void }> {
  let sent = 0;
  let aborted = 0;
  let release = () => {};
  const server = http.createServer((req, res) => {
    if (req.url === '/big') {
      const source = pseudoRandom(5, TOTAL);
      source.on('data', (c: Buffer) => { sent += c.length; });
      source.pipe(res);
      res.once('close', () => {
        if (!res.writableFinished) aborted++;
        source.destroy();
      });
      return;
    }
    req.pause();
    release = () => {
      let n = 0;
      req.on('data', (c: Buffer) => { n += c.length; });
      req.on('end', () => res.end(String(n)));
      req.resume();
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent: () => sent, aborted: () => aborted, release: () => release() };
}

/** startH2ByteBackend: an h2c backend whose every response is TOTAL bytes written with backpressure. */
async function startH2ByteBackend(): Promise<ByteBackend> {
  let sent = 0;
  let aborted = 0;
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    const source = pseudoRandom(5, TOTAL);
    source.on('data', (c: Buffer) => { sent += c.length; });
    source.pipe(stream);
    stream.once('close', () => {
      if (stream.rstCode !== 0) aborted++;
      source.destroy();
    });
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => { sessions.add(s); s.once('close', () => sessions.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise<void>((resolve) => { for (const s of sessions) s.destroy(); server.close(() => resolve()); }));
  return { url: `h2c://127.0.0.1:${(server.address() as AddressInfo).port}`, sent: () => sent, aborted: () => aborted };
}

describe('h2wasm proxy: backpressure both ways', () => {
  it.each([['HTTP/1.1', startByteBackend], ['h2c', startH2ByteBackend]])('a client that stops reading holds the %s backend back; the proxy buffers a bounded amount; all 256 MiB arrive after', async (_, start) => {
    const backend = await start();
    const p = await startProxyProcess(['--route', `/=${backend.url}`]);
    const session = await connect(p.h2c);
    const rssBefore = sampleProcess(p.pid).rss;
    const req = session.request({ ':path': '/big' });
    const hash = createHash('sha256');
    let got = 0;
    await new Promise<void>((resolve) => {
      req.on('data', (c: Buffer) => {
        hash.update(c);
        got += c.length;
        if (got >= 1 << 20 && got - c.length < 1 << 20) {
          req.pause();
          resolve();
        }
      });
    });
    const sentWhilePaused = await settled(backend.sent);
    const rssPaused = sampleProcess(p.pid).rss;
    expect(sentWhilePaused).toBeLessThan(BOUND);
    expect(rssPaused - rssBefore).toBeLessThan(BOUND);
    // Resumed: the rest arrives, byte for byte.
    await new Promise<void>((resolve, reject) => {
      req.on('end', resolve);
      req.on('error', reject);
      req.resume();
    });
    expect(got).toBe(TOTAL);
    expect(hash.digest('hex')).toBe((await hashStream(pseudoRandom(5, TOTAL))).sha256);
    expect(backend.sent()).toBe(TOTAL);
  }, 120_000);

  it('a backend that stops reading holds the client\'s upload back; the proxy buffers a bounded amount; the backend gets all 256 MiB after', async () => {
    const backend = await startByteBackend();
    const p = await startProxyProcess(['--route', `/=${backend.url}`, '--backend-timeout', '60000']);
    const session = await connect(p.h2c);
    const rssBefore = sampleProcess(p.pid).rss;
    const req = session.request({ ':method': 'POST', ':path': '/sink' });
    let pushed = 0;
    const body = pseudoRandom(6, TOTAL);
    body.on('data', (c: Buffer) => { pushed += c.length; });
    body.pipe(req);
    const pushedWhileStuck = await settled(() => pushed);
    const rssStuck = sampleProcess(p.pid).rss;
    expect(pushedWhileStuck).toBeLessThan(BOUND);
    expect(rssStuck - rssBefore).toBeLessThan(BOUND);
    backend.release();
    const reply = await new Promise<string>((resolve, reject) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => { text += c; });
      req.on('end', () => resolve(text));
      req.on('error', reject);
    });
    expect(reply).toBe(String(TOTAL));
  }, 120_000);

  it.each([['HTTP/1.1', startByteBackend], ['h2c', startH2ByteBackend]])('a client that resets its stream mid-download: the %s backend\'s response is cut off too, and the proxy goes on serving', async (_, start) => {
    const backend = await start();
    const p = await startProxyProcess(['--route', `/=${backend.url}`]);
    const session = await connect(p.h2c);
    const req = session.request({ ':path': '/big' });
    await new Promise<void>((resolve) => {
      let got = 0;
      req.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= 1 << 20) resolve();
      });
    });
    req.close(http2.constants.NGHTTP2_CANCEL);
    expect(await settled(backend.aborted)).toBe(1);
    expect(backend.sent()).toBeLessThan(TOTAL);
    // The same connection still carries a request.
    const next = session.request({ ':path': '/big' });
    const r = await hashStream(next);
    expect(r.bytes).toBe(TOTAL);
  }, 120_000);
});
