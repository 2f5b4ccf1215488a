// `h2wasm serve`: the demo server (the product's main job on Node).
//
//   h2wasm serve [--host 127.0.0.1] [--port 8080] [--tls-port 8443]
//                [--tls-cert F --tls-key F | --tls-self-signed] [--codec wasm|js] [--root DIR]
//                [--metrics-port N] [limits and timeouts: see SERVE_USAGE]
//
// The plain port speaks h2c with prior knowledge and HTTP/1.1; the TLS port
// (when a certificate is given or --tls-self-signed) speaks h2 and http/1.1 by
// ALPN. SIGINT/SIGTERM shut down gracefully (double GOAWAY, 5 s deadline); the
// process exits at the deadline + 1 s whatever is left, and at once on a second signal.

import { readFile } from 'node:fs/promises';
import type { CodecName } from '../core/binding.js';
import { defaultLog } from '../engine/options.js';
import { demoApp } from './demo-app.js';
import { loadServerCore, serve, type H2Server, type TlsOptions } from './serve.js';
import { answerPrimary, isWorker, reportReady, Supervisor, workerCount } from './workers.js';
import { serveMetricsFrom } from './metrics.js';

export const SERVE_USAGE = `usage: h2wasm serve [--host 127.0.0.1] [--port 8080] [--tls-port 8443]
                    [--tls-cert FILE --tls-key FILE | --tls-self-signed] [--codec wasm|js] [--root DIR]
                    [--workers N|auto] [--metrics-port N] [--shutdown-timeout MS]
                    [--max-connections N] [--max-streams-in-flight N] [--idle-timeout MS]
                    [--stream-idle-timeout MS] [--window-stall-timeout MS] [--headers-timeout MS] [--close-timeout MS]`;

/** NUMERIC_FLAGS maps serve's numeric tuning flags to the options they set (clamped by the engine). */
const NUMERIC_FLAGS = {
  '--shutdown-timeout': 'shutdownTimeout',
  '--max-connections': 'maxConnections',
  '--max-streams-in-flight': 'maxStreamsInFlight',
  '--idle-timeout': 'idleTimeout',
  '--stream-idle-timeout': 'streamIdleTimeout',
  '--window-stall-timeout': 'windowStallTimeout',
  '--headers-timeout': 'headersTimeout',
  '--close-timeout': 'closeTimeout',
} as const;
type NumericOption = (typeof NUMERIC_FLAGS)[keyof typeof NUMERIC_FLAGS];

interface ServeArgs {
  host: string;
  port: number;
  tlsPort: number | null;
  cert: string | null;
  key: string | null;
  selfSigned: boolean;
  codec: CodecName;
  root: string | undefined;
  metricsPort: number | null;
  /** Worker processes (1: this process serves). */
  workers: number;
  /** The numeric tuning flags given (engine and server options). */
  tuning: Partial<Record<NumericOption, number>>;
}

export class ServeUsageError extends Error {}

function parsePort(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ServeUsageError(`${flag} must be a port number (0..65535), not ${v}`);
  return n;
}

/** parseServeArgs reads serve's flags. */
export function parseServeArgs(argv: string[]): ServeArgs {
  const a: ServeArgs = { host: '127.0.0.1', port: 8080, tlsPort: null, cert: null, key: null, selfSigned: false, codec: 'wasm', root: undefined, metricsPort: null, workers: 1, tuning: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new ServeUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--host': a.host = value(); break;
      case '--port': a.port = parsePort(flag, value()); break;
      case '--tls-port': a.tlsPort = parsePort(flag, value()); break;
      case '--tls-cert': a.cert = value(); break;
      case '--tls-key': a.key = value(); break;
      case '--tls-self-signed': a.selfSigned = true; break;
      case '--root': a.root = value(); break;
      case '--metrics-port': a.metricsPort = parsePort(flag, value()); break;
      case '--workers': {
        const v = value();
        try {
          a.workers = workerCount(v);
        } catch (e) {
          throw new ServeUsageError(`--workers: ${(e as Error).message}`);
        }
        break;
      }
      case '--codec': {
        const v = value();
        if (v !== 'wasm' && v !== 'js') throw new ServeUsageError(`--codec must be wasm or js, not ${v}`);
        a.codec = v;
        break;
      }
      default: {
        const option = (NUMERIC_FLAGS as Record<string, NumericOption | undefined>)[flag];
        if (option === undefined) throw new ServeUsageError(`unknown option ${flag}`);
        const v = value();
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new ServeUsageError(`${flag} must be a number >= 0, not ${v}`);
        a.tuning[option] = n;
      }
    }
  }
  if ((a.cert === null) !== (a.key === null)) throw new ServeUsageError('--tls-cert and --tls-key go together');
  if (a.cert !== null && a.selfSigned) throw new ServeUsageError('--tls-self-signed or --tls-cert/--tls-key, not both');
  if ((a.cert !== null || a.selfSigned) && a.tlsPort === null) a.tlsPort = 8443;
  return a;
}

/** runServe starts the demo server and resolves once it has shut down after a signal. */
export async function runServe(argv: string[]): Promise<number> {
  const a = parseServeArgs(argv);
  const log = defaultLog;
  if (a.workers > 1 && !isWorker()) return runSupervisor(a, log);
  const inWorker = isWorker();
  const core = await loadServerCore(a.codec, log);
  const handler = demoApp({ root: a.root });
  const shutdownTimeout = a.tuning.shutdownTimeout ?? 5000;
  const common = {
    ...a.tuning, stream: handler, core, hostname: a.host, shutdownTimeout, log,
    // Under a supervisor the primary serves the metrics, summed over the workers.
    ...(a.metricsPort !== null && !inWorker ? { metrics: { port: a.metricsPort } } : {}),
  };
  const servers: H2Server[] = [];
  servers.push(await serve({ ...common, port: a.port }));
  let tls: TlsOptions | 'self-signed' | null = null;
  if (a.cert !== null && a.key !== null) tls = { cert: await readFile(a.cert), key: await readFile(a.key) };
  else if (a.selfSigned) tls = 'self-signed';
  if (tls !== null && a.tlsPort !== null) servers.push(await serve({ ...common, port: a.tlsPort, tls }));
  if (inWorker) {
    reportReady({ h2c: servers[0].port, tls: servers[1]?.port ?? null, codec: core.codec });
  }
  log('info', inWorker ? 'worker serving' : 'h2wasm serving', {
    ...(inWorker ? { pid: process.pid } : {}),
    codec: core.codec,
    h2c: `http://${a.host}:${servers[0].port}/ (h2c prior knowledge + HTTP/1.1)`,
    ...(servers[1] ? { tls: `https://${a.host}:${servers[1].port}/ (ALPN h2 + http/1.1)` } : {}),
    ...(tls === 'self-signed' ? { certificate: 'self-signed, generated at start (clients must skip verification, e.g. curl -k)' } : {}),
    ...(a.root ? { root: a.root } : {}),
    ...(servers[0].metricsPort !== null ? { metrics: `http://${a.host}:${servers[0].metricsPort}/metrics` } : {}),
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log('info', 'shutting down', { signal, deadlineMs: shutdownTimeout });
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // A second signal ends the process at once.
      process.once('SIGINT', forceExit);
      process.once('SIGTERM', forceExit);
      if (shutdownTimeout > 0) {
        // The liveness invariant's last line: whatever is left, the process is gone at the deadline + 1 s.
        setTimeout(() => forceExit('deadline'), shutdownTimeout + 1000).unref();
      }
      void Promise.all(servers.map((s) => s.close())).then(() => resolve());
    };
    const forceExit = (why: string) => {
      log('warn', 'shutdown forced, exiting', { why });
      process.exit(1);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (inWorker) {
      answerPrimary(() => servers.map((s) => ({ listener: `${s.tls ? 'tls' : 'h2c'}:${s.port}`, snapshot: s.metrics() })), () => stop('shutdown'));
    }
  });
  log('info', 'stopped', {});
  // A worker's IPC channel would keep it alive: it is done.
  if (inWorker) process.exit(0);
  return 0;
}

/** runSupervisor forks the workers (they share the listening sockets), prints the boot line once all
 *  serve, serves their summed counters on the metrics port, restarts a worker that crashes, and on
 *  SIGINT/SIGTERM shuts them down gracefully. */
async function runSupervisor(a: ServeArgs, log: typeof defaultLog): Promise<number> {
  const shutdownTimeout = a.tuning.shutdownTimeout ?? 5000;
  const supervisor = new Supervisor(a.workers, log);
  const ports = await supervisor.start();
  const metrics = a.metricsPort === null ? null : await serveMetricsFrom(
    async () => [...(await supervisor.metrics())].map(([listener, m]) => ({ listener, metrics: m })),
    a.metricsPort, a.host,
  );
  log('info', 'h2wasm serving', {
    codec: ports.codec,
    workers: a.workers,
    scheduling: 'round-robin (cluster.SCHED_RR)',
    h2c: `http://${a.host}:${ports.h2c}/ (h2c prior knowledge + HTTP/1.1)`,
    ...(ports.tls !== null ? { tls: `https://${a.host}:${ports.tls}/ (ALPN h2 + http/1.1)` } : {}),
    ...(a.selfSigned ? { certificate: 'self-signed, generated at start by each worker (clients must skip verification, e.g. curl -k)' } : {}),
    ...(metrics !== null ? { metrics: `http://${a.host}:${metrics.port}/metrics` } : {}),
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('info', 'shutting down', { signal, deadlineMs: shutdownTimeout, workers: supervisor.size });
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.once('SIGINT', () => process.exit(1));
      process.once('SIGTERM', () => process.exit(1));
      // The workers have the deadline; the supervisor kills what is left just after it.
      void supervisor.stop(shutdownTimeout > 0 ? shutdownTimeout + 500 : 2 ** 31 - 1).then(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await metrics?.close();
  log('info', 'stopped', {});
  return 0;
}
