// HTTP/1.1 test plumbing: a listener that sniffs each connection and hands it
// to a (non-listening) http.Server the way the transport does, and small
// clients (Node's http/https, raw sockets, curl).

import { execFile } from 'node:child_process';
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { handOffHttp1 } from '../../host/node/http1.js';

/** Listener is a running front door on 127.0.0.1. */
export interface Listener {
  port: number;
  /** How many connections were handed to the HTTP/1.1 server. */
  handedOff: number;
  close(): Promise<void>;
}

/** listenPlain accepts TCP connections, reads the first chunk (as a protocol sniffer would, to tell
 *  the HTTP/2 preface from HTTP/1.1) and hands the connection off with that chunk pushed back. */
export async function listenPlain(server: http.Server): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      listener.handedOff++;
      handOffHttp1(server, socket, first);
    });
  });
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  const listener: Listener = {
    port: (front.address() as net.AddressInfo).port,
    handedOff: 0,
    close: () => closeAll(front, sockets, server),
  };
  return listener;
}

/** listenTls terminates TLS offering h2 and http/1.1 by ALPN, and hands http/1.1 (or no ALPN) sockets off as they are. */
export async function listenTls(server: http.Server, cert: { cert: string; key: string }): Promise<Listener & { alpn: Array<string | false> }> {
  const sockets = new Set<net.Socket>();
  const alpn: Array<string | false> = [];
  const front = tls.createServer({ ...cert, ALPNProtocols: ['h2', 'http/1.1'] }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    alpn.push(socket.alpnProtocol ?? false);
    if (socket.alpnProtocol === 'h2') {
      socket.destroy(); // the HTTP/2 engine's job, not this test's
      return;
    }
    listener.handedOff++;
    handOffHttp1(server, socket);
  });
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  const listener = {
    port: (front.address() as net.AddressInfo).port,
    handedOff: 0,
    alpn,
    close: () => closeAll(front, sockets, server),
  };
  return listener;
}

async function closeAll(front: net.Server, sockets: Set<net.Socket>, server: http.Server): Promise<void> {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => front.close(() => resolve()));
  // Stops the http.Server's connection-checking timer; it never listened, so close reports that.
  server.close(() => {});
}

/** Reply is what a client received. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  trailers: NodeJS.Dict<string>;
}

/** RequestOptions describe one request made with Node's client. */
export interface RequestOptions {
  method?: string;
  headers?: http.OutgoingHttpHeaders | string[];
  body?: Array<string | Buffer>;
  trailers?: Record<string, string>;
  tls?: boolean;
  agent?: http.Agent;
}

/** request makes one HTTP/1.1 request with Node's http (or https, trusting any certificate) client. */
export async function request(port: number, path: string, options: RequestOptions = {}): Promise<Reply> {
  const module = options.tls ? https : http;
  const req = module.request({
    host: '127.0.0.1',
    port,
    path,
    method: options.method ?? 'GET',
    headers: options.headers,
    agent: options.agent ?? false,
    rejectUnauthorized: false,
  });
  if (options.trailers) req.addTrailers(options.trailers);
  for (const chunk of options.body ?? []) req.write(chunk);
  req.end();
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { status: res.statusCode!, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks), trailers: res.trailers };
}

/** rawExchange writes bytes on a plain connection and returns everything the server sends until it closes. */
export async function rawExchange(port: number, ...pieces: string[]): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  for (const p of pieces) {
    socket.write(p);
    // Let each piece arrive on its own, so the sniffer sees only the first.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const chunks: Buffer[] = [];
  for await (const c of socket) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

/** curl runs the curl command line and returns its stdout (the -i response head included when asked). */
export function curl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '30', ...args], { encoding: 'latin1', maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      error ? reject(new Error(`curl failed: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}
