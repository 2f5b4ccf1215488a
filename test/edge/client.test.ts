// h2wasm/edge's connect() in workerd (miniflare): the HTTP/2 client over a
// 'cloudflare:sockets' socket, against a real node:http2 h2c server.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { startWorker } from './bundle.js';
import { startH2cOrigin, startResettingOrigin, type Origin } from './origins.js';

let origin: Origin & { sessions: number };
let mf: Miniflare;
let base: URL;

beforeAll(async () => {
  origin = await startH2cOrigin();
  ({ mf, url: base } = await startWorker('test/edge/client-worker.ts', { ORIGIN: `h2c://127.0.0.1:${origin.port}` }));
});

afterAll(async () => {
  await mf?.dispose();
  await origin?.close();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('connect() from h2wasm/edge in workerd, against node:http2 (h2c)', () => {
  it('GETs', async () => {
    const out = await (await fetch(new URL('/get', base))).json();
    expect(out).toEqual({ status: 200, type: 'text/plain', text: 'hello from node:http2\n' });
  });

  it('POSTs 300 KB and reads it back', async () => {
    const body = randomBytes(300 * 1024);
    const out = (await (await fetch(new URL('/echo', base), { method: 'POST', body })).json()) as Record<string, unknown>;
    expect(out).toEqual({ status: 200, sent: sha(body), received: sha(body), length: body.length });
  });

  it('streams a 300 KB body through both ways', async () => {
    const body = randomBytes(300 * 1024);
    const res = await fetch(new URL('/stream-echo', base), { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(body));
  });

  it('reads trailers with responseTrailers()', async () => {
    const out = await (await fetch(new URL('/trailers', base))).json();
    expect(out).toEqual({ status: 200, text: 'with trailers\n', trailers: { 'x-checksum': 'abc123', 'x-count': '2' } });
  });

  it.each([[''], ['&close']])('fails the body when the origin sends GOAWAY mid-body (%s)', async (close) => {
    const out = (await (await fetch(new URL(`/partial?path=/goaway${close}`, base))).json()) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 200, text: 'partial body\n' });
    expect(out.ended).toMatch(/closed/);
  });

  it('fails the body when the origin resets the stream mid-body', async () => {
    const rst = await startResettingOrigin();
    const { mf: mf2, url } = await startWorker('test/edge/client-worker.ts', { ORIGIN: `h2c://127.0.0.1:${rst.port}` });
    try {
      const out = (await (await fetch(new URL('/partial?path=/x', url))).json()) as Record<string, unknown>;
      // What the application had not read when the reset came is dropped (RFC 9113 §8.1: a message
      // cut off by a reset is not complete), so the text is all, part or none of the message.
      expect(out.status).toBe(200);
      expect('\0\0\0\0\x07\n\x05first'.startsWith(out.text as string)).toBe(true);
      expect(out.ended).toMatch(/reset by the peer \(INTERNAL_ERROR\)/);
    } finally {
      await mf2.dispose();
      await rst.close();
    }
  });

  it('documents whether a session may serve a later request of the isolate', async () => {
    const first = (await (await fetch(new URL('/reuse', base))).json()) as Record<string, unknown>;
    expect(first).toMatchObject({ first: true, status: 200 });
    const second = (await (await fetch(new URL('/reuse', base))).json()) as Record<string, unknown>;
    // workerd ties I/O objects to the request that made them: the socket went with the first request,
    // so a session cannot be kept in the isolate (the gateway opens one per request).
    expect(second).toMatchObject({ error: expect.stringMatching(/closed/) });
  });
});
