// node:http2 servers for the client tests: a server on 127.0.0.1 port 0 with a
// 'stream' handler, closed after the test, that remembers its sessions and how
// each stream ended (its RST_STREAM code), so a test can say what the server saw.

import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { connect, type ConnectOptions, type Session } from '../../host/node/index.js';
import { defer } from './peers.js';

/** StreamEnd is how a server stream closed. */
export interface StreamEnd {
  id: number;
  path: string;
  rstCode: number;
}

/** NodePeer is a running node:http2 server. */
export interface NodePeer {
  server: http2.Http2Server;
  origin: string;
  port: number;
  /** Every session the server accepted, in order. */
  sessions: http2.ServerHttp2Session[];
  /** Every stream that closed, in order. */
  ended: StreamEnd[];
  /** The TCP sockets under the sessions, in order (node:http2 will not let a test touch session.socket). */
  sockets: net.Socket[];
  /** waitEnded resolves once a stream of path has closed (bounded by timeoutMs). */
  waitEnded(path: string, timeoutMs?: number): Promise<StreamEnd>;
}

/** startNodePeer runs http2.createServer(settings) with handler on 'stream'. */
export async function startNodePeer(
  handler: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, session: http2.ServerHttp2Session) => void,
  options: http2.ServerOptions = {},
): Promise<NodePeer> {
  const server = http2.createServer(options);
  const sessions: http2.ServerHttp2Session[] = [];
  const ended: StreamEnd[] = [];
  const sockets: net.Socket[] = [];
  server.on('connection', (socket: net.Socket) => sockets.push(socket));
  const waiters: Array<() => void> = [];
  server.on('session', (s) => {
    sessions.push(s);
    s.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    stream.on('error', () => {});
    stream.on('close', () => {
      ended.push({ id: stream.id ?? 0, path, rstCode: stream.rstCode });
      for (const w of waiters.splice(0)) w();
    });
    handler(stream, headers, stream.session as http2.ServerHttp2Session);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise<void>((resolve) => {
    for (const s of sessions) s.destroy();
    server.close(() => resolve());
  }));
  const port = (server.address() as net.AddressInfo).port;
  return {
    server, port, origin: `http://127.0.0.1:${port}`, sessions, ended, sockets,
    async waitEnded(path, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = ended.find((x) => x.path === path);
        if (e !== undefined) return e;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no server stream for ${path} closed within ${timeoutMs} ms; closed: ${JSON.stringify(ended)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
    },
  };
}

/** openSession connects our client to origin; the session is destroyed after the test. */
export async function openSession(origin: string, options: ConnectOptions = {}): Promise<Session> {
  const s = await connect(origin, options);
  defer(() => s.destroy());
  return s;
}

/** within rejects with a clear message when p has not settled after ms (a hang fails, not times out the run). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms); }),
  ]);
}

/** readAll reads a response body to the end and returns its bytes. */
export async function readAll(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

/** fieldsOf lists a Headers' fields as an object (names lowercase). */
export function fieldsOf(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((value, name) => { out[name] = value; });
  return out;
}
