// The HTTP/2 client on Workers: connect() makes a session to one origin over
// a socket from 'cloudflare:sockets'. That connect() cannot negotiate ALPN,
// so an http: (or h2c:) origin gets h2c with prior knowledge over plain TCP,
// and an https: origin gets HTTP/2 over TLS started without ALPN, which only
// origins that accept HTTP/2 without ALPN take (see README, "At the edge").

import { connect as connectSocket } from 'cloudflare:sockets';
import { H2_CONNECT_ERROR } from '../../assembly/abi.js';
import type { Core } from '../core/core.js';
import { loadCore } from '../core/core.js';
import { ClientConnection, type ClientRoleOptions } from '../engine/client.js';
import { H2Error } from '../engine/h2-error.js';
import { resolveOptions, type ResolvedOptions } from '../engine/options.js';
import type { EngineOptions } from '../engine/types.js';
import { sessionOver, type Dialed, type Session } from '../http/client-session.js';
import { WorkersSocketTransport } from './socket-transport.js';
// A compiled module: wrangler (and the tests' bundler) import .wasm files as WebAssembly.Module,
// since Workers cannot compile bytes at run time. In dist/, scripts/build.mjs puts a copy at the same relative path.
import h2coreWasm from '../../build/h2core.wasm';

export { responseTrailers } from '../http/client-fetch.js';
export type { ClientRequestInit, BodySource } from '../http/client-fetch.js';
export { H2Error };
export type { Session };

/** EdgeConnectOptions tune a client session on Workers. */
export interface EdgeConnectOptions extends EngineOptions, ClientRoleOptions {
  /** Share one loaded core between sessions; default one core per isolate, made on first use. */
  core?: Core;
  /** How long to wait for the TCP (and TLS) handshake (ms); default 10 s. */
  connectTimeout?: number;
}

let isolateCore: Promise<Core> | null = null;

/** edgeCore returns the isolate's core: instantiated once, from the compiled module the bundle carries.
 *  A core is plain memory, not an I/O object, so every request of the isolate may use it. */
export function edgeCore(): Promise<Core> {
  if (isolateCore === null) {
    isolateCore = loadCore({ module: h2coreWasm });
    isolateCore.catch(() => { isolateCore = null; });
  }
  return isolateCore;
}

/** originAddress reads an origin URL: h2c: and http: are plain TCP, https: is TLS (without ALPN). */
export function originAddress(url: URL): { hostname: string; port: number; secure: boolean } {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:' && url.protocol !== 'h2c:') {
    throw new TypeError(`h2wasm: connect() takes an http:, h2c: or https: URL, not ${url.protocol}`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { hostname, port: Number(url.port || (secure ? 443 : 80)), secure };
}

/** dial opens one socket to url's origin and starts a ClientConnection on it. */
async function dial(url: URL, core: Core, engine: ResolvedOptions, options: EdgeConnectOptions): Promise<Dialed> {
  const { hostname, port, secure } = originAddress(url);
  const timeout = options.connectTimeout ?? 10_000;
  const socket = connectSocket({ hostname, port }, { secureTransport: secure ? 'on' : 'off', allowHalfOpen: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      socket.opened,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new H2Error(H2_CONNECT_ERROR, `h2wasm: connecting to ${url.host} timed out after ${timeout} ms`, true)), timeout);
      }),
    ]);
  } catch (e) {
    socket.close().catch(() => {});
    if (e instanceof H2Error) throw e;
    throw new H2Error(H2_CONNECT_ERROR, `h2wasm: cannot connect to ${url.host}: ${e instanceof Error ? e.message : String(e)}`, true);
  } finally {
    clearTimeout(timer);
  }
  const transport = new WorkersSocketTransport(socket, `${hostname}:${port}`);
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => { closedResolve = r; });
  const connection = new ClientConnection(core, transport, engine, options, { closed: () => closedResolve() });
  transport.attach(connection);
  return { connection, closed };
}

/** connect opens a session to origin: "http://host:port" or "h2c://host:port" for h2c with prior
 *  knowledge, "https://host:port" for HTTP/2 over TLS without ALPN. The session's sockets belong to
 *  the request that opened them (workerd forbids I/O objects shared across requests): open one per
 *  request, or keep it in a Durable Object. */
export async function connect(origin: string | URL, options: EdgeConnectOptions = {}): Promise<Session> {
  const given = new URL(origin);
  // fetch's URL rules and :scheme know http: and https:; h2c: is how the gateway's ORIGIN says "plain".
  const url = given.protocol === 'h2c:' ? new URL(`http://${given.host}${given.pathname}`) : given;
  const core = options.core ?? (await edgeCore());
  const engine = resolveOptions(options);
  return sessionOver(url, await dial(url, core, engine, options), () => dial(url, core, engine, options), engine.log);
}
