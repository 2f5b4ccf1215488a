// Backends for the proxy tests, each on 127.0.0.1 and closed after the test:
// a node:http (HTTP/1.1 keep-alive) backend that reports what it was sent,
// echoes bodies, sends trailers, stalls or waits on a gate; a node:http2 h2c
// backend for trailers both ways; and a dead port.

import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { freePort } from './external-servers.js';
import { defer, gate, type Gate } from './peers.js';

/** Seen is one request as the backend received it. */
export interface Seen {
  method: string;
  url: string;
  httpVersion: string;
  headers: http.IncomingHttpHeaders;
}

/** HttpBackend is a running node:http backend. */
export interface HttpBackend {
  readonly port: number;
  /** http://127.0.0.1:PORT, as a route names it. */
  readonly url: string;
  /** Every request received, in order. */
  readonly seen: Seen[];
  /** Responses to GET /hold wait for this gate. */
  readonly held: Gate;
  /** Resolves when a GET /hold arrives. */
  readonly holding: Promise<void>;
}

/** startHttpBackend runs a node:http backend named name (its responses carry x-backend: name):
 * by the path's last segment:
 *    /echo     the request body back, streamed
 *    /trailers a chunked body and trailers x-checksum and x-count, after a trailer field and a
 *              hop-by-hop response field (connection: x-hop, x-hop: 1)
 *    /stall    never answers
 *    /hold     answers "held\n" once held is opened
 *    else      200 with the request as JSON. */
export async function startHttpBackend(name: string): Promise<HttpBackend> {
  const seen: Seen[] = [];
  const held = gate();
  const arrived = gate();
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', httpVersion: req.httpVersion, headers: req.headers });
    res.setHeader('x-backend', name);
    const full = (req.url ?? '/').split('?')[0];
    const path = full.slice(full.lastIndexOf('/')); // the last segment: routes keep their prefix
    if (path === '/echo') {
      res.setHeader('content-type', 'application/octet-stream');
      req.pipe(res);
      return;
    }
    req.resume();
    if (path === '/stall') return;
    req.once('end', () => {
      if (path === '/hold') {
        arrived.open();
        void held.promise.then(() => res.end('held\n'));
      } else if (path === '/trailers') {
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum, x-count', connection: 'x-hop', 'x-hop': '1' });
        res.write('one\n');
        res.write('two\n');
        res.addTrailers({ 'x-checksum': 'abc123', 'x-count': '2' });
        res.end();
      } else {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(seen[seen.length - 1]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise<void>((resolve) => {
    held.open();
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://127.0.0.1:${port}`, seen, held, holding: arrived.promise };
}

/** H2Backend is a running node:http2 h2c backend. */
export interface H2Backend {
  readonly port: number;
  /** h2c://127.0.0.1:PORT, as a route names it. */
  readonly url: string;
}

/** startH2Backend runs an h2c node:http2 backend: /stall never answers; otherwise it echoes the
 *  request body and answers the request's trailers with trailers (x-got-<name>: value) and
 *  x-backend-trailer: yes. */
export async function startH2Backend(): Promise<H2Backend> {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    if (headers[':path'] === '/stall') return;
    const got: Record<string, string> = {};
    stream.on('trailers', (t: http2.IncomingHttpHeaders) => {
      for (const [k, v] of Object.entries(t)) if (!k.startsWith(':')) got[`x-got-${k}`] = String(v);
    });
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ ...got, 'x-backend-trailer': 'yes' }));
    stream.pipe(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => { sessions.add(s); s.once('close', () => sessions.delete(s)); });
  defer(() => new Promise<void>((resolve) => {
    for (const s of sessions) s.destroy();
    server.close(() => resolve());
  }));
  const port = (server.address() as AddressInfo).port;
  return { port, url: `h2c://127.0.0.1:${port}` };
}

/** deadBackend returns an http:// URL on a port nothing listens on. */
export async function deadBackend(scheme: 'http' | 'h2c' = 'http'): Promise<string> {
  return `${scheme}://127.0.0.1:${await freePort()}`;
}
