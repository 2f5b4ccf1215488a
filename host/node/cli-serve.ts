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

export const SERVE_USAGE = `usage: h2wasm serve [--host 127.0.0.1] [--port 8080] [--tls-port 8443]
                    [--tls-cert FILE --tls-key FILE | --tls-self-signed] [--codec wasm|js] [--root DIR]
                    [--metrics-port N] [--shutdown-timeout MS]
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
  const a: ServeArgs = { host: '127.0.0.1', port: 8080, tlsPort: null, cert: null, key: null, selfSigned: false, codec: 'wasm', root: undefined, metricsPort: null, tuning: {} };
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
  const core = await loadServerCore(a.codec, log);
  const handler = demoApp({ root: a.root });
  const shutdownTimeout = a.tuning.shutdownTimeout ?? 5000;
  const common = {
    ...a.tuning, stream: handler, core, hostname: a.host, shutdownTimeout, log,
    ...(a.metricsPort !== null ? { metrics: { port: a.metricsPort } } : {}),
  };
  const servers: H2Server[] = [];
  servers.push(await serve({ ...common, port: a.port }));
  let tls: TlsOptions | 'self-signed' | null = null;
  if (a.cert !== null && a.key !== null) tls = { cert: await readFile(a.cert), key: await readFile(a.key) };
  else if (a.selfSigned) tls = 'self-signed';
  if (tls !== null && a.tlsPort !== null) servers.push(await serve({ ...common, port: a.tlsPort, tls }));
  log('info', 'h2wasm serving', {
    codec: core.codec,
    h2c: `http://${a.host}:${servers[0].port}/ (h2c prior knowledge + HTTP/1.1)`,
    ...(servers[1] ? { tls: `https://${a.host}:${servers[1].port}/ (ALPN h2 + http/1.1)` } : {}),
    ...(tls === 'self-signed' ? { certificate: 'self-signed, generated at start (clients must skip verification, e.g. curl -k)' } : {}),
    ...(a.root ? { root: a.root } : {}),
    ...(servers[0].metricsPort !== null ? { metrics: `http://${a.host}:${servers[0].metricsPort}/metrics` } : {}),
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
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
  });
  log('info', 'stopped', {});
  return 0;
}
