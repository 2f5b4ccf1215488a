// Our client against h2wasm's own server (serve() with demoApp), on both
// builds of the core for each side: GET /, a 1 MiB POST to /echo, /bytes
// checked byte by byte, /trailers with responseTrailers, HEAD, TLS with the
// self-signed certificate, and a pooled fetch.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFetch, demoApp, responseTrailers } from '../../host/node/index.js';
import { CODECS } from '../helpers/codecs.js';
import { deterministicBytes } from '../helpers/external-servers.js';
import { openSession, readAll, within } from '../helpers/node-h2-peer.js';
import { defer, sha256, startServer } from '../helpers/peers.js';

describe.each(CODECS)('h2wasm serve (%s core) with our client', (codec) => {
  const clientCodec = codec === 'wasm' ? 'js' : 'wasm';

  it(`GET /, HEAD /, /bytes, /echo and /trailers over h2c (client core ${clientCodec})`, async () => {
    const server = await startServer({ stream: demoApp(), codec });
    const session = await openSession(server.origin, { codec: clientCodec });
    const hello = await within(session.fetch('/'), 5000, 'GET /');
    expect(hello.status).toBe(200);
    expect(await hello.text()).toBe('hello world\n');
    const head = await session.fetch('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    const n = 3 * 65536 + 17;
    const bytes = await readAll(await session.fetch(`/bytes?n=${n}`));
    expect(bytes.length).toBe(n);
    expect(bytes.every((b, k) => b === (k & 0xff))).toBe(true);
    const payload = deterministicBytes(1 << 20, 31);
    const echo = await within(session.fetch('/echo', { method: 'POST', body: payload, headers: { 'x-thing': 'one' } }), 10_000, 'POST /echo');
    expect(echo.headers.get('x-echo-x-thing')).toBe('one');
    expect(sha256(await readAll(echo))).toBe(sha256(payload));
    const tr = await session.fetch('/trailers');
    const text = await tr.text();
    const trailers = await within(responseTrailers(tr), 5000, 'trailers');
    expect(trailers.get('x-checksum')).toBe(createHash('sha256').update(text).digest('hex'));
    expect(await (await session.fetch('/missing')).text()).toBe('not found\n');
    await within(session.close(), 5000, 'session close');
  });

  it('TLS with ALPN h2, trusting the self-signed certificate by rejectUnauthorized: false; 50 requests at once', async () => {
    const server = await startServer({ stream: demoApp(), codec, tls: 'self-signed' });
    const session = await openSession(server.origin, { codec, tls: { rejectUnauthorized: false } });
    const texts = await within(Promise.all(Array.from({ length: 50 }, async () => (await session.fetch('/')).text())), 10_000, '50 GETs');
    expect(new Set(texts)).toEqual(new Set(['hello world\n']));
  });

  it('createFetch against it: one session serves a burst', async () => {
    const server = await startServer({ stream: demoApp(), codec });
    const fetch = createFetch({ codec });
    defer(() => fetch.close());
    const statuses = await within(Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const r = await fetch(`${server.origin}/slow?ms=${i % 3}`);
      await r.arrayBuffer();
      return r.status;
    })), 10_000, '30 pooled GETs');
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(server.metrics().connectionsOpened).toBe(1);
  });
});
