// Our client against h2o (TLS, ALPN offering h2 and http/1.1): file GETs over
// the h2 it negotiated, and an https origin that speaks only http/1.1, which
// connect() refuses with an H2Error that says so.
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connect, H2Error, selfSignedCertificate } from '../../host/node/index.js';
import { deterministicBytes, docRoot, startH2o } from '../helpers/external-servers.js';
import { defer, sha256 } from '../helpers/peers.js';

describe('h2o over TLS', () => {
  it('negotiates h2 by ALPN (as a plain TLS client offering h2 sees) and serves files to our client', async () => {
    const big = deterministicBytes(3 * 1000 * 1000, 11);
    const root = docRoot({ 'index.html': '<p>h2o</p>\n', 'big.bin': big });
    const server = await startH2o(root);
    // What h2o picks when offered h2 first, as connect() offers it.
    const alpn = await new Promise<string | false | null>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: server.port, ALPNProtocols: ['h2', 'http/1.1'], ca: server.ca!, servername: 'localhost' }, () => {
        resolve(s.alpnProtocol);
        s.destroy();
      });
      s.once('error', reject);
    });
    expect(alpn).toBe('h2');
    const session = await connect(server.origin, { tls: { ca: server.ca!, servername: 'localhost' } });
    defer(() => session.destroy());
    const res = await session.fetch('/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toBe('<p>h2o</p>\n');
    const many = await Promise.all(Array.from({ length: 20 }, async () => {
      const r = await session.fetch('/big.bin');
      return sha256(new Uint8Array(await r.arrayBuffer()));
    }));
    expect(new Set(many)).toEqual(new Set([root.files.get('big.bin')!.sha256]));
    const missing = await session.fetch('/missing');
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
    await session.close();
  }, 60_000);

  it('trusts nothing it was not told to: an unknown certificate fails connect() with an H2Error', async () => {
    const server = await startH2o(docRoot({ 'index.html': 'x' }));
    const failure = await connect(server.origin).then(() => null, (e: unknown) => e);
    expect(failure).toBeInstanceOf(H2Error);
    expect(String((failure as Error).message)).toMatch(/cannot connect|certificate/i);
    // rejectUnauthorized: false accepts it.
    const session = await connect(server.origin, { tls: { rejectUnauthorized: false } });
    defer(() => session.destroy());
    expect(await (await session.fetch('/index.html')).text()).toBe('x');
  }, 30_000);
});

describe.each([
  { name: 'ALPN http/1.1 only (it refuses h2 with an alert)', alpn: ['http/1.1'], says: /did not negotiate h2.*no_application_protocol/ },
  // node:https offers http/1.1 by default; a bare TLS server that ignores ALPN stands for older HTTP/1.1 servers.
  { name: 'no ALPN at all (it picks nothing)', alpn: null, says: /did not negotiate h2.*chose no protocol/ },
])('an https origin that speaks only http/1.1: $name', ({ alpn, says }) => {
  it('connect() rejects with an H2Error that says the origin does not serve h2', async () => {
    const { cert, key } = selfSignedCertificate(['localhost', '127.0.0.1']);
    const server = alpn !== null
      ? https.createServer({ cert, key, ALPNProtocols: alpn }, (_req, res) => res.end('h1 only\n'))
      : tls.createServer({ cert, key }, (socket) => socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => { (server as https.Server).closeAllConnections?.(); server.close(() => resolve()); }));
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const failure = await connect(origin, { tls: { ca: cert, servername: 'localhost' } }).then(() => null, (e: unknown) => e);
    expect(failure).toBeInstanceOf(H2Error);
    expect((failure as Error).message).toMatch(says);
    expect((failure as H2Error).code).toBe(0xa); // CONNECT_ERROR
  }, 30_000);
});

describe('an http origin that speaks only HTTP/1.1 (h2c with prior knowledge meets node:http)', () => {
  it('connect() rejects with an H2Error: no SETTINGS came, so it is not an HTTP/2 server', async () => {
    const server = http.createServer((_req, res) => res.end('h1 only\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const failure = await connect(origin, { connectTimeout: 3000 }).then(() => null, (e: unknown) => e);
    expect(failure).toBeInstanceOf(H2Error);
    expect((failure as Error).message).toMatch(/did not open an HTTP\/2 connection/);
  }, 30_000);
});
