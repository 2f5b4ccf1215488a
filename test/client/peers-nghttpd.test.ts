// Our client against nghttpd (nghttp2's server), h2c with prior knowledge and
// TLS with ALPN h2: file GETs (a 10 MB one sha256-checked), 200 requests at
// once on one session over nghttpd's MAX_CONCURRENT_STREAMS of 100 (they
// queue, none fails), a POST echoed by --echo-upload.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connect, type Session } from '../../host/node/index.js';
import { deterministicBytes, docRoot, startNghttpd, type ExternalServer } from '../helpers/external-servers.js';
import { defer } from '../helpers/peers.js';

const BIG = deterministicBytes(10 * 1000 * 1000, 7);
const SMALL = 'hello from nghttpd\n';

async function session(server: ExternalServer): Promise<Session> {
  const s = await connect(server.origin, server.ca === null ? {} : { tls: { ca: server.ca, servername: 'localhost' } });
  defer(() => s.destroy());
  return s;
}

async function sha256Of(res: Response): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
    h.update(c);
    bytes += c.length;
  }
  return { sha256: h.digest('hex'), bytes };
}

describe.each([
  { name: 'h2c', tls: false },
  { name: 'TLS', tls: true },
])('nghttpd over $name', ({ tls }) => {
  it('serves a small file, a 404 and a 10 MB file whose sha256 matches', async () => {
    const root = docRoot({ 'small.txt': SMALL, 'big.bin': BIG });
    const s = await session(await startNghttpd(root, { tls }));
    const small = await s.fetch('/small.txt');
    expect(small.status).toBe(200);
    expect(await small.text()).toBe(SMALL);
    const missing = await s.fetch('/nope');
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
    const big = await s.fetch('/big.bin');
    expect(big.status).toBe(200);
    expect(big.headers.get('content-length')).toBe(String(BIG.length));
    expect(await sha256Of(big)).toEqual({ sha256: root.files.get('big.bin')!.sha256, bytes: BIG.length });
    await s.close();
    expect(s.closed).toBe(true);
  }, 60_000);

  it('runs 200 requests at once on one session past MAX_CONCURRENT_STREAMS 100: they queue and all succeed', async () => {
    const body = 'x'.repeat(1000);
    const root = docRoot({ 'f.txt': body });
    const s = await session(await startNghttpd(root, { tls }));
    const results = await Promise.allSettled(Array.from({ length: 200 }, async (_, i) => {
      const res = await s.fetch(`/f.txt?i=${i}`);
      return { status: res.status, text: await res.text() };
    }));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    for (const r of results) expect((r as PromiseFulfilledResult<{ status: number; text: string }>).value).toEqual({ status: 200, text: body });
  }, 60_000);

  it('POSTs a 1 MB body to --echo-upload and gets it back', async () => {
    const root = docRoot({ 'index.html': 'index\n' });
    const s = await session(await startNghttpd(root, { tls, args: ['--echo-upload'] }));
    const payload = deterministicBytes(1 << 20, 3);
    const res = await s.fetch('/echo', { method: 'POST', body: payload, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(200);
    const back = new Uint8Array(await res.arrayBuffer());
    expect(back.length).toBe(payload.length);
    expect(Buffer.compare(Buffer.from(back), Buffer.from(payload))).toBe(0);
  }, 60_000);

  it('POSTs to a file path without --echo-upload: the exchange completes', async () => {
    const root = docRoot({ 'f.txt': SMALL });
    const s = await session(await startNghttpd(root, { tls }));
    const res = await s.fetch('/f.txt', { method: 'POST', body: 'a=1&b=2' });
    expect(res.status).toBeGreaterThanOrEqual(200);
    await res.arrayBuffer();
    const after = await s.fetch('/f.txt');
    expect(await after.text()).toBe(SMALL);
  }, 30_000);
});
