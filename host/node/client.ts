// The HTTP/2 client on Node.js: connect() makes a session to one origin (h2c
// with prior knowledge for http:, TLS with ALPN h2 for https:), and
// createFetch() a pooled fetch over as many sessions per origin as the
// servers' SETTINGS_MAX_CONCURRENT_STREAMS call for.

import * as net from 'node:net';
import * as tls from 'node:tls';
import type { CodecName } from '../core/binding.js';
import type { Core } from '../core/core.js';
import { ClientConnection, type ClientRequest, type ClientRoleOptions } from '../engine/client.js';
import type { ClientStream } from '../engine/client-stream.js';
import { H2Error } from '../engine/h2-error.js';
import { resolveOptions, type ResolvedOptions } from '../engine/options.js';
import type { EngineOptions } from '../engine/types.js';
import { H2_CONNECT_ERROR } from '../../assembly/abi.js';
import { fetchOver, type ClientRequestInit, type ConnectionSource } from '../http/client-fetch.js';
import { sessionOver, type Dialed, type Session } from '../http/client-session.js';
import { loadServerCore } from './serve.js';
import { SocketTransport } from './socket-transport.js';

export { responseTrailers } from '../http/client-fetch.js';
export { H2Error };
export type { Session };

/** ClientTlsOptions are passed to tls.connect (ALPN is always h2). */
export interface ClientTlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  /** The SNI name and the name the certificate must carry; default the URL's host. */
  servername?: string;
  /** Default true: refuse a certificate that does not verify. */
  rejectUnauthorized?: boolean;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** ConnectOptions tune a client session (or every session of a pooled fetch). */
export interface ConnectOptions extends EngineOptions, ClientRoleOptions {
  tls?: ClientTlsOptions;
  /** Which build of the wire core to run; default 'wasm'. */
  codec?: CodecName;
  /** Share one loaded core between sessions (its codec wins over `codec`). */
  core?: Core;
  /** How long to wait for the TCP and TLS handshakes (ms); default 10 s. */
  connectTimeout?: number;
}

/** dial opens one TCP or TLS connection to url's origin and starts a ClientConnection on it. */
async function dial(url: URL, core: Core, engine: ResolvedOptions, options: ConnectOptions, onAvailable?: (c: ClientConnection) => void): Promise<Dialed> {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new TypeError(`h2wasm: connect() takes an http: or https: URL, not ${url.protocol}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (secure ? 443 : 80));
  const timeout = options.connectTimeout ?? 10_000;
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const t = options.tls ?? {};
    const s: net.Socket = secure
      ? tls.connect({
        host, port, ALPNProtocols: ['h2'], servername: t.servername ?? (net.isIP(host) ? undefined : host),
        ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: t.rejectUnauthorized ?? true,
      })
      : net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new H2Error(H2_CONNECT_ERROR, `h2wasm: connecting to ${url.origin} timed out after ${timeout} ms`, true));
    }, timeout);
    const fail = (e: Error) => {
      clearTimeout(timer);
      // RFC 7301 §3.2: a server that supports none of the offered protocols answers with the
      // no_application_protocol alert: it does not serve h2 over TLS (OpenSSL's text says little).
      if ((e as NodeJS.ErrnoException).code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') {
        reject(new H2Error(H2_CONNECT_ERROR, `h2wasm: ${url.origin} did not negotiate h2 by ALPN (it refused the offer with the no_application_protocol alert, as a server that speaks only http/1.1 does); it does not serve HTTP/2 over TLS`));
        return;
      }
      reject(new H2Error(H2_CONNECT_ERROR, `h2wasm: cannot connect to ${url.origin}: ${e.message}`, true));
    };
    s.once('error', fail);
    s.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      s.off('error', fail);
      if (secure && (s as tls.TLSSocket).alpnProtocol !== 'h2') {
        s.destroy();
        // RFC 9113 §3.2: "h2" is negotiated by ALPN; a server that picks http/1.1 does not speak HTTP/2 here.
        const picked = (s as tls.TLSSocket).alpnProtocol || 'no protocol';
        reject(new H2Error(H2_CONNECT_ERROR, `h2wasm: ${url.origin} did not negotiate h2 by ALPN (it chose ${picked}); it does not serve HTTP/2 over TLS`));
        return;
      }
      resolve(s);
    });
  });
  socket.setNoDelay(true);
  const transport = new SocketTransport(socket);
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => { closedResolve = r; });
  const connection = new ClientConnection(core, transport, engine, options, {
    closed: () => closedResolve(),
    available: onAvailable,
  });
  transport.attach(connection);
  // The server's SETTINGS names its MAX_CONCURRENT_STREAMS (a pool picks sessions by it); a peer that
  // sends none within connectTimeout (an HTTP/1.1 server on an h2c port) is not an HTTP/2 server.
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.peerPreface,
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no SETTINGS within ${timeout} ms`)), timeout); }),
    ]);
  } catch (e) {
    connection.destroy();
    throw new H2Error(H2_CONNECT_ERROR, `h2wasm: ${url.origin} did not open an HTTP/2 connection (${(e as Error).message}); is it an HTTP/2 server?`, true);
  } finally {
    clearTimeout(timer);
  }
  return { connection, closed };
}

/** processCores holds one core per codec for the sessions of the process that bring none: a core
 *  serves any number of connections (createFetch's pool shares one), and a fresh WebAssembly
 *  instance per connect() cost more CPU (its memory, and the collector's) than the connection. */
const processCores = new Map<CodecName, Promise<Core>>();

/** clientCore returns the core a client runs on: the one given, or the process's for the codec. */
export function clientCore(options: ConnectOptions): Promise<Core> {
  if (options.core !== undefined) return Promise.resolve(options.core);
  const codec = options.codec ?? 'wasm';
  let core = processCores.get(codec);
  if (core === undefined) {
    core = loadServerCore(codec, resolveOptions({ log: options.log }).log);
    processCores.set(codec, core);
    core.catch(() => processCores.delete(codec));
  }
  return core;
}

/** connect opens a session to origin ("http://host:port" for h2c with prior knowledge, "https://…"
 *  for TLS with ALPN h2). A session whose connection went away (GOAWAY, a reset) opens a new one for
 *  its next request; close() ends it for good. */
export async function connect(origin: string | URL, options: ConnectOptions = {}): Promise<Session> {
  const url = new URL(origin);
  const core = await clientCore(options);
  const engine = resolveOptions(options);
  return sessionOver(url, await dial(url, core, engine, options), () => dial(url, core, engine, options), engine.log);
}

/** PoolOptions tune createFetch's pool. */
export interface PoolOptions extends ConnectOptions {
  /** Sessions per origin at most; default 4. A request waits when all are at their peer's limit. */
  maxSessionsPerOrigin?: number;
}

/** PooledFetch is a fetch over pooled HTTP/2 sessions, with close() to end them all. */
export interface PooledFetch {
  (input: string | URL, init?: ClientRequestInit): Promise<Response>;
  /** close closes every session gracefully. */
  close(): Promise<void>;
}

/** createFetch returns a fetch that keeps HTTP/2 sessions per origin: a request goes to a session with
 *  a free stream under the server's SETTINGS_MAX_CONCURRENT_STREAMS, another session is opened when all
 *  are saturated (up to maxSessionsPerOrigin, then requests wait on the least loaded), and sessions idle
 *  for idleTimeout close themselves (GOAWAY). */
export function createFetch(options: PoolOptions = {}): PooledFetch {
  const pools = new Map<string, OriginPool>();
  let corePromise: Promise<Core> | null = null;
  const engine = resolveOptions({ idleTimeout: 60_000, ...options });
  const max = Math.max(1, options.maxSessionsPerOrigin ?? 4);
  const fetch = async (input: string | URL, init?: ClientRequestInit): Promise<Response> => {
    const url = new URL(input);
    let pool = pools.get(url.origin);
    if (pool === undefined) {
      // Made at once (no await before the set): requests to a new origin made together share one pool.
      corePromise ??= clientCore(options);
      pool = new OriginPool(url, corePromise, engine, options, max);
      pools.set(url.origin, pool);
    }
    return fetchOver(pool, url, init);
  };
  return Object.assign(fetch, {
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.close()));
    },
  });
}

/** OriginPool holds the sessions of one origin. */
export class OriginPool implements ConnectionSource {
  private readonly sessions: Dialed[] = [];
  private dialing: Promise<Dialed> | null = null;

  constructor(
    private readonly url: URL,
    private readonly core: Promise<Core>,
    private readonly engine: ResolvedOptions,
    private readonly options: ConnectOptions,
    private readonly max: number,
  ) {}

  async open(_url: URL, request: ClientRequest): Promise<ClientStream> {
    for (;;) {
      // Drop sessions that can take no more requests (GOAWAY, closed, idle-closed).
      for (let i = this.sessions.length - 1; i >= 0; i--) if (!this.sessions[i].connection.usable) this.sessions.splice(i, 1);
      // Each pass picks and opens without an await in between, so the next request sees this stream.
      const free = this.sessions.find((d) => d.connection.canOpen);
      if (free !== undefined) return free.connection.request(request);
      if (this.dialing === null && this.sessions.length < this.max) {
        this.dialing = this.core.then((core) => dial(this.url, core, this.engine, this.options)).then((d) => {
          this.sessions.push(d);
          return d;
        }).finally(() => { this.dialing = null; });
      }
      if (this.dialing !== null) {
        await this.dialing;
        continue;
      }
      // Every session is at its peer's limit: the request waits on the least loaded one.
      let best = this.sessions[0];
      for (const d of this.sessions) if (d.connection.load < best.connection.load) best = d;
      return best.connection.request(request);
    }
  }

  async close(): Promise<void> {
    const all = this.sessions.splice(0);
    for (const d of all) d.connection.close();
    await Promise.all(all.map((d) => d.closed));
  }
}
