// HTTP/1.1 over TLS: a TLS server offering h2 and http/1.1 by ALPN hands
// http/1.1 sockets to the same (non-listening) http.Server; no TLS-specific
// code is needed in createHttp1Server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp1Server } from '../../host/node/http1.js';
import { selfSignedCertificate } from '../../host/node/self-signed.js';
import { curl, listenTls, request } from '../helpers/http1.js';

describe('HTTP/1.1 over TLS (ALPN http/1.1)', () => {
  let listener: Awaited<ReturnType<typeof listenTls>>;
  beforeAll(async () => {
    const server = createHttp1Server({
      fetch: async (request) =>
        new Response(`${request.method} ${request.url} ${await request.text()}\n`, { headers: { 'content-type': 'text/plain' } }),
    });
    listener = await listenTls(server, selfSignedCertificate());
  });
  afterAll(() => listener.close());

  it('serves Node https (no ALPN offered) with an https URL', async () => {
    const reply = await request(listener.port, '/tls?x=1', { tls: true, method: 'POST', body: ['secret'] });
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe(`POST https://127.0.0.1:${listener.port}/tls?x=1 secret\n`);
    expect(listener.alpn).toContain(false);
  });

  it('serves curl --http1.1 -k (ALPN http/1.1)', async () => {
    const out = await curl('--http1.1', '-k', '-i', `https://localhost:${listener.port}/curl`);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out.endsWith(`\r\n\r\nGET https://localhost:${listener.port}/curl \n`)).toBe(true);
    expect(listener.alpn).toContain('http/1.1');
  });
});
