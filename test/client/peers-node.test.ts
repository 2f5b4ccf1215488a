// Our client against node:http2's server: a GET, a 300 KB POST echoed,
// response trailers (responseTrailers), request trailers, 103 Early Hints before the final
// response, 1-byte flow-control windows each way, and createFetch's pool
// (sessions reused per origin, spread past a server's stream limit, closed
// when idle).
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { createFetch, responseTrailers } from '../../host/node/index.js';
import { deterministicBytes } from '../helpers/external-servers.js';
import { fieldsOf, openSession, readAll, startNodePeer, within } from '../helpers/node-h2-peer.js';
import { defer, sha256 } from '../helpers/peers.js';

/** echo answers with the request body, its fields as x-seen-*, and any request trailers as response trailers. */
function echoHandler(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => {
    if (stream.destroyed) return;
    stream.respond({ ':status': 200, 'content-type': String(headers['content-type'] ?? 'application/octet-stream'), 'x-seen-method': String(headers[':method']), 'x-seen-path': String(headers[':path']), 'x-seen-authority': String(headers[':authority']), 'x-seen-te': String(headers.te), 'x-seen-connection': String(headers.connection) });
    stream.end(Buffer.concat(chunks));
  });
}

describe('node:http2 server', () => {
  it('answers a GET with its fields; :authority, :path with the query and :method are what we sent; te keeps only trailers', async () => {
    const peer = await startNodePeer(echoHandler);
    const session = await openSession(peer.origin);
    const res = await within(session.fetch('/a/b?q=1&r=%20x', { headers: { 'x-custom': 'yes', cookie: 'a=1; b=2', te: 'gzip, trailers', connection: 'keep-alive' } }), 10_000, 'GET');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-seen-method')).toBe('GET');
    expect(res.headers.get('x-seen-path')).toBe('/a/b?q=1&r=%20x');
    expect(res.headers.get('x-seen-authority')).toBe(`127.0.0.1:${peer.port}`);
    expect(res.headers.get('x-seen-te')).toBe('trailers');
    expect(res.headers.get('x-seen-connection')).toBe('undefined');
    expect(await res.text()).toBe('');
    expect(await responseTrailers(res)).toEqual(new Headers());
    await session.close();
  });

  it('POSTs 300 KB (bytes, a string, a ReadableStream, an async iterable) and reads the echo back intact', async () => {
    const peer = await startNodePeer(echoHandler);
    const session = await openSession(peer.origin);
    const payload = deterministicBytes(300 * 1024, 5);
    const want = sha256(payload);
    const asText = Buffer.from(payload).toString('base64');
    const bodies: Array<[string, () => unknown, string]> = [
      ['bytes', () => payload, want],
      ['string', () => asText, sha256(asText)],
      ['ReadableStream', () => new ReadableStream<Uint8Array>({
        start(c) {
          for (let at = 0; at < payload.length; at += 10_000) c.enqueue(payload.subarray(at, at + 10_000));
          c.close();
        },
      }), want],
      ['async iterable', () => (async function* () {
        for (let at = 0; at < payload.length; at += 7_777) yield payload.subarray(at, at + 7_777);
      })(), want],
    ];
    for (const [name, body, digest] of bodies) {
      const res = await within(session.fetch('/echo', { method: 'POST', body: body() as never }), 20_000, `POST of ${name}`);
      expect(res.status, name).toBe(200);
      expect(sha256(await readAll(res)), name).toBe(digest);
    }
  }, 60_000);

  it('reads response trailers after the body; a response without them gives empty Headers', async () => {
    const peer = await startNodePeer((stream, headers) => {
      if (headers[':path'] === '/plain') {
        stream.respond({ ':status': 200 });
        stream.end('no trailers');
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'text/plain', trailer: 'x-checksum, x-count' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc123', 'x-count': '3' }));
      stream.write('one\n');
      stream.write('two\n');
      stream.end('three\n');
    });
    const session = await openSession(peer.origin);
    const res = await within(session.fetch('/trailers'), 10_000, 'GET /trailers');
    expect(await res.text()).toBe('one\ntwo\nthree\n');
    const t = await within(responseTrailers(res), 5000, 'trailers');
    expect(fieldsOf(t)).toEqual({ 'x-checksum': 'abc123', 'x-count': '3' });
    const plain = await session.fetch('/plain');
    expect(await plain.text()).toBe('no trailers');
    expect(fieldsOf(await responseTrailers(plain))).toEqual({});
  });

  it('sends request trailers after a body and after none (the h2wasm trailers init field); node:http2 sees them', async () => {
    const seen: Array<{ path: string; body: string; trailers: Record<string, unknown> }> = [];
    const peer = await startNodePeer((stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('trailers', (t) => {
        seen.push({ path: String(headers[':path']), body: Buffer.concat(chunks).toString(), trailers: { 'x-sum': t['x-sum'], 'x-n': t['x-n'] } });
      });
      stream.on('end', () => { stream.respond({ ':status': 200 }); stream.end('ok'); });
    });
    const session = await openSession(peer.origin);
    const withBody = await within(session.fetch('/with-body', { method: 'POST', body: 'payload', trailers: { 'x-sum': 'abc', 'x-n': '7' } }), 5000, 'POST with trailers');
    expect(await withBody.text()).toBe('ok');
    const streamed = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new TextEncoder().encode('streamed')); c.close(); } });
    const fromStream = await within(session.fetch('/streamed', { method: 'POST', body: streamed, trailers: [['x-sum', 'def'], ['x-n', '8']] }), 5000, 'streamed POST with trailers');
    expect(await fromStream.text()).toBe('ok');
    const noBody = await within(session.fetch('/no-body', { method: 'POST', trailers: { 'x-sum': 'ghi', 'x-n': '0' } }), 5000, 'POST of trailers only');
    expect(await noBody.text()).toBe('ok');
    expect(seen).toEqual([
      { path: '/with-body', body: 'payload', trailers: { 'x-sum': 'abc', 'x-n': '7' } },
      { path: '/streamed', body: 'streamed', trailers: { 'x-sum': 'def', 'x-n': '8' } },
      { path: '/no-body', body: '', trailers: { 'x-sum': 'ghi', 'x-n': '0' } },
    ]);
  });

  it('takes 103 Early Hints (twice) before the final response: the final head and body arrive whole', async () => {
    const peer = await startNodePeer((stream) => {
      stream.additionalHeaders({ ':status': 103, link: '</style.css>; rel=preload; as=style' });
      stream.additionalHeaders({ ':status': 103, link: '</app.js>; rel=preload; as=script' });
      setTimeout(() => {
        stream.respond({ ':status': 200, 'content-type': 'text/html' });
        stream.end('<p>after hints</p>');
      }, 20);
    });
    const session = await openSession(peer.origin);
    const res = await within(session.fetch('/'), 10_000, 'GET after 103');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('link')).toBeNull();
    expect(await res.text()).toBe('<p>after hints</p>');
    // The session goes on serving.
    expect((await session.fetch('/again')).status).toBe(200);
  });

  it('uploads 100 KB into 1-byte stream windows (server initialWindowSize 1)', async () => {
    const peer = await startNodePeer(echoHandler, { settings: { initialWindowSize: 1 } });
    const session = await openSession(peer.origin);
    const payload = deterministicBytes(100 * 1024, 9);
    const res = await within(session.fetch('/up', { method: 'POST', body: payload }), 60_000, '100 KB upload into 1-byte windows');
    expect(sha256(await within(readAll(res), 60_000, 'echo'))).toBe(sha256(payload));
  }, 90_000);

  it('downloads 100 KB through our 1-byte stream window (client initialWindowSize 1)', async () => {
    const payload = deterministicBytes(100 * 1024, 10);
    const peer = await startNodePeer((stream) => {
      stream.respond({ ':status': 200, 'content-length': String(payload.length) });
      stream.end(payload);
    });
    const session = await openSession(peer.origin, { settings: { initialWindowSize: 1 } });
    const res = await within(session.fetch('/down'), 10_000, 'head');
    expect(sha256(await within(readAll(res), 60_000, '100 KB through 1-byte windows'))).toBe(sha256(payload));
  }, 90_000);
});

describe('createFetch pool (node:http2 servers)', () => {
  it('keeps one session per origin across many requests to three origins', async () => {
    const peers = await Promise.all([0, 1, 2].map(() => startNodePeer((stream, headers) => {
      stream.respond({ ':status': 200 });
      stream.end(String(headers[':path']));
    })));
    const fetch = createFetch();
    defer(() => fetch.close());
    for (let round = 0; round < 3; round++) {
      const all = await Promise.all(peers.flatMap((p, i) => Array.from({ length: 10 }, async (_, k) => {
        const res = await fetch(`${p.origin}/o${i}/r${round}/${k}`);
        return res.text();
      })));
      expect(all).toEqual(peers.flatMap((_, i) => Array.from({ length: 10 }, (__, k) => `/o${i}/r${round}/${k}`)));
    }
    expect(peers.map((p) => p.sessions.length)).toEqual([1, 1, 1]);
    await within(fetch.close(), 5000, 'pool close');
  });

  it('opens more sessions when the server allows 2 streams each, up to maxSessionsPerOrigin', async () => {
    const held: http2.ServerHttp2Stream[] = [];
    const peer = await startNodePeer((stream) => {
      held.push(stream);
      if (held.length === 6) for (const s of held) { s.respond({ ':status': 200 }); s.end('ok'); }
    }, { settings: { maxConcurrentStreams: 2 } });
    const fetch = createFetch({ maxSessionsPerOrigin: 3 });
    defer(() => fetch.close());
    // The first request makes the first session (its SETTINGS say 2); the next ones spread.
    const first = fetch(`${peer.origin}/0`);
    await new Promise((r) => setTimeout(r, 100));
    const rest = Array.from({ length: 5 }, (_, i) => fetch(`${peer.origin}/${i + 1}`));
    const texts = await within(Promise.all([first, ...rest].map(async (p) => (await p).text())), 10_000, 'six requests over a limit of 2 per session');
    expect(texts).toEqual(Array(6).fill('ok'));
    expect(peer.sessions.length).toBe(3);
  });

  it('closes a session idle for idleTimeout and opens a new one for the next request', async () => {
    const peer = await startNodePeer((stream) => {
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    const fetch = createFetch({ idleTimeout: 300 });
    defer(() => fetch.close());
    expect(await (await fetch(`${peer.origin}/a`)).text()).toBe('ok');
    const first = peer.sessions[0];
    await within(new Promise<void>((resolve) => { if (first.closed || first.destroyed) resolve(); else first.once('close', () => resolve()); }), 5000, 'idle session close');
    expect(await (await fetch(`${peer.origin}/b`)).text()).toBe('ok');
    expect(peer.sessions.length).toBe(2);
  });
});
