// serve(): the HTTP/2 server on Node.js. One listener per call: plain TCP
// (h2c with prior knowledge, and HTTP/1.1 on the same port) or TLS (ALPN h2,
// and http/1.1). HTTP/2 connections run on the engine (host/engine/);
// HTTP/1.1 sockets are handed to Node's own http server (llhttp) with the
// same handler.

import * as net from 'node:net';
import * as tls from 'node:tls';
import { loadCore, type Core } from '../core/core.js';
import type { CodecName } from '../core/binding.js';
import { ServerConnection } from '../engine/server.js';
import { resolveOptions, type ResolvedOptions } from '../engine/options.js';
import type { EngineOptions, Log, StreamHandler } from '../engine/types.js';
import { fetchToStreamHandler, type FetchHandler } from '../http/fetch-handler.js';
import { createHttp1Server, handOffHttp1 } from './http1.js';
import { selfSignedCertificate } from './self-signed.js';
import { SocketTransport } from './socket-transport.js';
import { sniffProtocol } from './sniff.js';
import { CertificateSet } from './certificates.js';
import type { Registry } from 'prom-client';
import { admission } from '../engine/admission.js';
import { EngineMetrics, type MetricsSnapshot } from '../engine/metrics.js';
import { exposeMetrics, serveMetricsFrom, type MetricsEndpoint } from './metrics.js';
import { answerPrimary, isWorker, reportReady, Supervisor, workerCount } from './workers.js';

/** DEFAULT_MAX_CONNECTIONS bounds client connections in the process; over it new ones are closed at accept. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
}

export interface ServeOptions extends EngineOptions {
  /** A fetch-style handler (Workers, Deno, Bun, Hono's app.fetch). */
  fetch?: FetchHandler;
  /** The low-level stream handler; when given it serves both HTTP/2 and HTTP/1.1, and fetch is not used. */
  stream?: StreamHandler;
  /** Default 8080. 0 picks a free port (see H2Server.port). */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Serve TLS (ALPN h2 and http/1.1) with this certificate, or with one generated now. */
  tls?: TlsOptions | 'self-signed' | { certificates: TlsOptions[] };
  /** Which build of the wire core to run; default 'wasm' (falling back to 'js' with a warning where WebAssembly is missing). */
  codec?: CodecName;
  /** Share one loaded core between servers (its codec wins over `codec`). */
  core?: Core;
  /** Graceful shutdown's forced-close deadline in ms; default 5000; 0 waits for every stream. */
  shutdownTimeout?: number;
  /** Hand HTTP/1.1 requests to Node's http server; default true. */
  http1?: boolean;
  /** Client connections open at once in the whole process (HTTP/2 and HTTP/1.1); the next is closed at accept. Default 10,000. */
  maxConnections?: number;
  /** Serve the counters as Prometheus text on http://hostname:port/metrics (servers naming the same port share it). */
  metrics?: { port: number; hostname?: string; /** More metrics served after the engine's (a proxy's). */ registry?: Registry };
  /** Run this many worker processes (Node's cluster, round-robin), or 'auto' for one per core. The
   *  program is started again in each worker, where the same serve() call serves; in the primary
   *  serve() supervises them (restarts a crashed one, sums their metrics) and close() stops them.
   *  Default 1: this process serves. */
  workers?: number | 'auto';
}

/** H2Server is a listening server. */
export interface H2Server {
  readonly port: number;
  readonly hostname: string;
  readonly tls: boolean;
  readonly codec: CodecName;
  /** Open HTTP/2 connections. */
  readonly connections: number;
  /** The Prometheus endpoint's port, when the metrics option asked for one. */
  readonly metricsPort: number | null;
  /** metrics returns the server's counters now: connections, streams, bytes, GOAWAY and RST_STREAM by code, guard trips. */
  metrics(): MetricsSnapshot;
  /** close shuts down gracefully: no new connections, a double GOAWAY on each HTTP/2 connection,
   *  in-flight requests finish, and after shutdownTimeout whatever is left is closed. */
  close(): Promise<void>;
}

/** loadServerCore loads the requested core, falling back to the JS build with a warning where WebAssembly is unavailable. */
export async function loadServerCore(codec: CodecName, log: Log): Promise<Core> {
  if (codec === 'wasm' && typeof WebAssembly !== 'object') {
    log('warn', 'WebAssembly is not available here; using the JS build of the wire core', { codec: 'js' });
    return loadCore({ codec: 'js' });
  }
  if (codec === 'js') return loadCore({ codec });
  try {
    return await loadCore({ codec });
  } catch (e) {
    // A runtime that forbids compiling WebAssembly (a policy, a missing file) still serves, on the JS build.
    log('warn', 'the WebAssembly core did not load; using the JS build of the wire core', { codec: 'js', error: e instanceof Error ? e.message : String(e) });
    return loadCore({ codec: 'js' });
  }
}

/** serve starts one listener; it resolves once the listener is bound. */
export async function serve(options: ServeOptions): Promise<H2Server> {
  const workers = options.workers === undefined ? 1 : workerCount(options.workers);
  if (workers > 1 && !isWorker()) return superviseWorkers(options, workers);
  const server = await serveHere(options);
  if (workers > 1) {
    // A worker of a supervised serve(): say it serves, answer the primary, and leave when told to.
    reportReady({ h2c: server.port, tls: server.tls ? server.port : null, codec: server.codec });
    answerPrimary(
      () => [{ listener: `${server.tls ? 'tls' : 'h2c'}:${server.port}`, snapshot: server.metrics() }],
      () => void server.close().then(() => process.exit(0)),
    );
  }
  return server;
}

/** superviseWorkers is serve() in the primary of a multi-process server. */
async function superviseWorkers(options: ServeOptions, count: number): Promise<H2Server> {
  const log = resolveOptions({ log: options.log }).log;
  const supervisor = new Supervisor(count, log);
  const ports = await supervisor.start();
  const secure = options.tls !== undefined;
  let summed: MetricsSnapshot = new EngineMetrics().snapshot();
  const refresh = async () => {
    const total = new EngineMetrics();
    for (const m of (await supervisor.metrics()).values()) total.add(m.snapshot());
    summed = total.snapshot();
  };
  // server.metrics() is synchronous: it returns the workers' counters as of the last second.
  const poll = setInterval(() => void refresh(), 1000);
  poll.unref();
  const metricsEndpoint = options.metrics === undefined ? null : await serveMetricsFrom(
    async () => [...(await supervisor.metrics())].map(([listener, metrics]) => ({ listener, metrics })),
    options.metrics.port, options.metrics.hostname ?? options.hostname ?? '127.0.0.1',
  );
  const shutdownTimeout = Math.max(0, options.shutdownTimeout ?? 5000);
  let closing: Promise<void> | null = null;
  return {
    port: secure ? (ports.tls ?? ports.h2c) : ports.h2c,
    hostname: options.hostname ?? '127.0.0.1',
    tls: secure,
    codec: ports.codec as CodecName,
    get connections() {
      return summed.openConnections;
    },
    metricsPort: metricsEndpoint?.port ?? null,
    metrics: () => summed,
    close: () => {
      closing ??= supervisor.stop(shutdownTimeout > 0 ? shutdownTimeout + 500 : 2 ** 31 - 1).then(async () => {
        clearInterval(poll);
        await metricsEndpoint?.close();
      });
      return closing;
    },
  };
}

/** serveHere serves in this process. */
async function serveHere(options: ServeOptions): Promise<H2Server> {
  const engine = resolveOptions(options);
  const log = engine.log;
  const handler = options.stream ?? (options.fetch !== undefined ? fetchToStreamHandler(options.fetch, { log }) : undefined);
  if (handler === undefined) throw new TypeError('h2wasm: serve() needs a fetch or a stream handler');
  const core = options.core ?? (await loadServerCore(options.codec ?? 'wasm', log));
  // The same handler on both protocols: the stream handler when given (the faster path), else fetch.
  const http1Handlers = options.stream !== undefined ? { stream: options.stream, log } : { fetch: options.fetch, log };
  const http1 = options.http1 === false ? null : createHttp1Server(http1Handlers);
  http1?.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    // Bytes that are neither an HTTP/2 preface nor an HTTP/1.1 request line (an unknown method)
    // are not HTTP at all: close without an HTTP/1.1 answer, as an HTTP/2 endpoint does for an
    // invalid preface (RFC 9113 §3.4). A malformed HTTP/1.1 request gets the usual 400.
    if (err.code !== 'HPE_INVALID_METHOD' && socket.writable && !socket.writableEnded) {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    }
    socket.destroySoon?.();
    if (err.code === 'HPE_INVALID_METHOD') socket.destroy();
  });
  const connections = new Set<ServerConnection>();
  const http1Sockets = new Set<net.Socket>();

  const events = { closed: (c: ServerConnection) => connections.delete(c) };
  const maxConnections = Math.max(1, Math.floor(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS));
  /** admit counts a client connection against the process-wide cap; over it the socket is closed at once. */
  const admit = (socket: net.Socket): boolean => {
    if (admission.connections >= maxConnections) {
      engine.metrics.guards.maxConnections++;
      socket.destroy();
      return false;
    }
    admission.connections++;
    // 'on', not 'once': a socket closes once, and once() would wrap the listener (about 200 bytes a socket).
    socket.on('close', releaseConnection);
    return true;
  };
  const startH2 = (socket: net.Socket, first: Buffer | null): void => {
    const transport = new SocketTransport(socket);
    const conn = new ServerConnection(core, transport, engine, handler, events);
    connections.add(conn);
    transport.attach(conn);
    if (first !== null) conn.receive(first);
  };
  const startHttp1 = (socket: net.Socket, first: Buffer | null): void => {
    if (http1 === null) {
      socket.destroy();
      return;
    }
    http1Sockets.add(socket);
    socket.once('close', () => http1Sockets.delete(socket));
    handOffHttp1(http1, socket, first ?? undefined);
  };

  let server: net.Server;
  let secure = false;
  if (options.tls !== undefined) {
    secure = true;
    const t = options.tls;
    // Several certificates: each handshake gets the first one whose names cover its SNI server name.
    const set = t !== 'self-signed' && 'certificates' in t ? new CertificateSet(t.certificates) : null;
    const creds = t === 'self-signed' ? selfSignedCertificate() : 'certificates' in t ? t.certificates[0] : t;
    server = tls.createServer({
      cert: creds.cert,
      key: creds.key,
      ...(set !== null ? { SNICallback: (name: string, cb: (e: Error | null, ctx?: tls.SecureContext) => void) => cb(null, set.contextFor(name)) } : {}),
      // RFC 9113 §3.2: "h2" over TLS, negotiated with ALPN; §9.2: TLS 1.2 or later.
      ALPNProtocols: ['h2', 'http/1.1'],
      minVersion: 'TLSv1.2',
    });
    // The cap applies at accept, before the handshake: handshakes cost too.
    server.on('connection', admit);
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      socket.setNoDelay(true);
      if (socket.alpnProtocol === 'h2') startH2(socket, null);
      else startHttp1(socket, null);
    });
    server.on('tlsClientError', () => { /* a failed handshake is the peer's business: stay quiet */ });
  } else {
    server = net.createServer((socket) => {
      if (!admit(socket)) return;
      socket.setNoDelay(true);
      // h2c with prior knowledge (RFC 9113 §3.3) or HTTP/1.1: the first bytes tell.
      sniffProtocol(socket, (protocol, first) => {
        if (protocol === 'h2') startH2(socket, first);
        else startHttp1(socket, first);
      });
    });
  }
  server.on('error', (e) => log('error', 'listener error', { error: e.message }));

  const hostname = options.hostname ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  const shutdownTimeout = Math.max(0, options.shutdownTimeout ?? 5000);

  let metricsEndpoint: MetricsEndpoint | null = null;
  if (options.metrics !== undefined) {
    const source = { listener: `${secure ? 'tls' : 'h2c'}:${address.port}`, metrics: engine.metrics };
    try {
      metricsEndpoint = await exposeMetrics(source, options.metrics.port, options.metrics.hostname ?? hostname, log, options.metrics.registry);
    } catch (e) {
      server.close();
      throw e;
    }
  }

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= gracefulClose(server, connections, http1Sockets, http1, shutdownTimeout).then(() => metricsEndpoint?.release());
    return closing;
  };
  return {
    port: address.port,
    hostname,
    tls: secure,
    codec: core.codec,
    get connections() {
      return connections.size;
    },
    metricsPort: metricsEndpoint?.port ?? null,
    metrics: () => engine.metrics.snapshot(),
    close,
  };
}

/** gracefulClose stops listening, drains every connection, and forces what is left after the deadline. */
async function gracefulClose(
  server: net.Server,
  connections: Set<ServerConnection>,
  http1Sockets: Set<net.Socket>,
  http1: ReturnType<typeof createHttp1Server> | null,
  deadline: number,
): Promise<void> {
  const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const c of connections) c.shutdown();
  http1?.closeIdleConnections();
  const allDone = async () => {
    while (connections.size > 0 || http1Sockets.size > 0) {
      http1?.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  if (deadline > 0) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const c of connections) c.destroy();
        for (const s of http1Sockets) s.destroy();
        resolve();
      }, deadline);
    });
    await Promise.race([allDone(), forced]);
    clearTimeout(timer);
  } else {
    await allDone();
  }
  await listenerClosed;
}

export type { ResolvedOptions };

/** releaseConnection is a closed socket's 'close' listener: one shared function, no closure per socket. */
function releaseConnection(): void {
  admission.connections--;
}
