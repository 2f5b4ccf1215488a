// `h2wasm proxy`: the reverse proxy as a command.
//
//   h2wasm proxy [--host 127.0.0.1] [--port 8080] [--tls-port 8443 (--tls-cert F --tls-key F | --tls-self-signed)]
//                --route '[HOST]/PREFIX=BACKEND[,BACKEND...]' ...   [--config FILE] [--metrics-port N]
//
// A --config file (TOML, or JSON when it ends in .json) holds the same and
// more: routes, several certificates, timeouts and limits. SIGHUP reads it
// again and applies its routes and timeouts without dropping a connection;
// SIGINT/SIGTERM shut down gracefully.

import { readFile } from 'node:fs/promises';
import { parse as parseToml } from 'smol-toml';
import type { CodecName } from '../core/binding.js';
import { defaultLog } from '../engine/options.js';
import type { TlsOptions } from './serve.js';
import { parseRoute } from '../proxy/routes.js';
import { proxy, type ProxyOptions } from './proxy/proxy.js';

export const PROXY_USAGE = `usage: h2wasm proxy [--host 127.0.0.1] [--port 8080]
                    [--tls-port 8443 (--tls-cert FILE --tls-key FILE | --tls-self-signed)]
                    --route '[HOST]/PREFIX=BACKEND[,BACKEND...]' ...  [--config FILE] [--metrics-port N]
                    [--codec wasm|js] [--backend-timeout MS] [--connect-timeout MS] [--shutdown-timeout MS]
  BACKEND is http://host:port (HTTP/1.1), h2c://host:port (HTTP/2, prior knowledge) or https://host:port (TLS, ALPN)`;

export class ProxyUsageError extends Error {}

/** ConfigFile is what --config holds (every key optional; flags given on the command line win). */
export interface ConfigFile {
  host?: string;
  port?: number;
  tls_port?: number;
  /** [[certificates]] with cert and key file paths; the first is the default, the others chosen by SNI. */
  certificates?: Array<{ cert: string; key: string }>;
  tls_self_signed?: boolean;
  /** Route strings, or tables { host, prefix, backends }. */
  routes?: Array<string | { host?: string; prefix: string; backends: string[] }>;
  metrics_port?: number;
  backend_timeout?: number;
  connect_timeout?: number;
  max_failures?: number;
  eject_ms?: number;
  shutdown_timeout?: number;
  max_connections?: number;
  codec?: CodecName;
  backend_tls?: { reject_unauthorized?: boolean; ca?: string };
}

interface ProxyArgs {
  host?: string;
  port?: number;
  tlsPort?: number;
  cert?: string;
  key?: string;
  selfSigned: boolean;
  routes: string[];
  config?: string;
  metricsPort?: number;
  codec?: CodecName;
  backendTimeout?: number;
  connectTimeout?: number;
  shutdownTimeout?: number;
}

function parseNumber(flag: string, v: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) throw new ProxyUsageError(`${flag} must be a whole number from 0 to ${max}, not ${v}`);
  return n;
}

/** parseProxyArgs reads the proxy's flags. */
export function parseProxyArgs(argv: string[]): ProxyArgs {
  const a: ProxyArgs = { selfSigned: false, routes: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new ProxyUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--host': a.host = value(); break;
      case '--port': a.port = parseNumber(flag, value(), 65535); break;
      case '--tls-port': a.tlsPort = parseNumber(flag, value(), 65535); break;
      case '--tls-cert': a.cert = value(); break;
      case '--tls-key': a.key = value(); break;
      case '--tls-self-signed': a.selfSigned = true; break;
      case '--route': a.routes.push(value()); break;
      case '--config': a.config = value(); break;
      case '--metrics-port': a.metricsPort = parseNumber(flag, value(), 65535); break;
      case '--backend-timeout': a.backendTimeout = parseNumber(flag, value()); break;
      case '--connect-timeout': a.connectTimeout = parseNumber(flag, value()); break;
      case '--shutdown-timeout': a.shutdownTimeout = parseNumber(flag, value()); break;
      case '--codec': {
        const v = value();
        if (v !== 'wasm' && v !== 'js') throw new ProxyUsageError(`--codec must be wasm or js, not ${v}`);
        a.codec = v;
        break;
      }
      default: throw new ProxyUsageError(`unknown option ${flag}`);
    }
  }
  if ((a.cert === undefined) !== (a.key === undefined)) throw new ProxyUsageError('--tls-cert and --tls-key go together');
  if (a.routes.length === 0 && a.config === undefined) throw new ProxyUsageError('at least one --route (or a --config with routes) is needed');
  return a;
}

/** readNamed reads a file a flag or the config file names; a file that cannot be read is a usage error. */
async function readNamed(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new ProxyUsageError(`${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** readConfig reads a TOML or JSON config file. */
export async function readConfig(path: string): Promise<ConfigFile> {
  const text = (await readNamed(path, 'config file')).toString('utf8');
  try {
    return (path.endsWith('.json') ? JSON.parse(text) : parseToml(text)) as ConfigFile;
  } catch (e) {
    throw new ProxyUsageError(`${path}: ${(e as Error).message}`);
  }
}

/** routeStrings turns a config file's routes into route strings. */
function routeStrings(c: ConfigFile): string[] {
  return (c.routes ?? []).map((r) => (typeof r === 'string' ? r : `${r.host ?? ''}${r.prefix}=${r.backends.join(',')}`));
}

/** optionsFrom merges the flags over the config file into proxy() options. */
async function optionsFrom(a: ProxyArgs, c: ConfigFile): Promise<ProxyOptions> {
  const certificates: TlsOptions[] = [];
  if (a.cert !== undefined && a.key !== undefined) certificates.push({ cert: await readNamed(a.cert, '--tls-cert'), key: await readNamed(a.key, '--tls-key') });
  for (const pair of c.certificates ?? []) certificates.push({ cert: await readNamed(pair.cert, 'certificate'), key: await readNamed(pair.key, 'certificate key') });
  const selfSigned = a.selfSigned || c.tls_self_signed === true;
  const tlsPort = a.tlsPort ?? c.tls_port;
  const tls = certificates.length > 0 ? { port: tlsPort ?? 8443, certificates } : selfSigned ? { port: tlsPort ?? 8443, certificates: 'self-signed' as const } : undefined;
  const routes = [...a.routes, ...routeStrings(c)];
  if (routes.length === 0) throw new ProxyUsageError('no routes: give --route or routes in the config file');
  for (const r of routes) {
    try {
      parseRoute(r);
    } catch (e) {
      throw new ProxyUsageError((e as Error).message);
    }
  }
  const metricsPort = a.metricsPort ?? c.metrics_port;
  return {
    hostname: a.host ?? c.host ?? '127.0.0.1',
    port: a.port ?? c.port ?? 8080,
    tls,
    routes,
    metrics: metricsPort !== undefined ? { port: metricsPort } : undefined,
    backendTimeout: a.backendTimeout ?? c.backend_timeout,
    connectTimeout: a.connectTimeout ?? c.connect_timeout,
    maxFailures: c.max_failures,
    ejectMs: c.eject_ms,
    shutdownTimeout: a.shutdownTimeout ?? c.shutdown_timeout,
    maxConnections: c.max_connections,
    codec: a.codec ?? c.codec,
    backendTls: c.backend_tls ? { rejectUnauthorized: c.backend_tls.reject_unauthorized, ca: c.backend_tls.ca ? await readNamed(c.backend_tls.ca, 'backend_tls ca') : undefined } : undefined,
    log: defaultLog,
  };
}

/** runProxy starts the proxy and resolves once it has shut down after a signal. */
export async function runProxy(argv: string[]): Promise<number> {
  const a = parseProxyArgs(argv);
  const log = defaultLog;
  const config = a.config !== undefined ? await readConfig(a.config) : {};
  const options = await optionsFrom(a, config);
  const server = await proxy(options);
  log('info', 'h2wasm proxying', {
    h2c: `http://${options.hostname}:${server.port}/ (h2c prior knowledge + HTTP/1.1)`,
    ...(server.tlsPort !== null ? { tls: `https://${options.hostname}:${server.tlsPort}/ (ALPN h2 + http/1.1)` } : {}),
    ...(server.metricsPort !== null ? { metrics: `http://${options.hostname}:${server.metricsPort}/metrics` } : {}),
    routes: options.routes,
  });
  const reload = () => {
    if (a.config === undefined) {
      log('info', 'SIGHUP: no --config to read again', {});
      return;
    }
    void readConfig(a.config).then(async (c) => {
      const next = await optionsFrom(a, c);
      server.reload(next);
    }).catch((e: unknown) => log('error', 'reload failed; the running configuration is kept', { error: (e as Error).message }));
  };
  process.on('SIGHUP', reload);
  const shutdownTimeout = options.shutdownTimeout ?? 5000;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('info', 'shutting down', { signal, deadlineMs: shutdownTimeout });
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.once('SIGINT', () => process.exit(1));
      process.once('SIGTERM', () => process.exit(1));
      if (shutdownTimeout > 0) setTimeout(() => process.exit(1), shutdownTimeout + 1000).unref();
      void server.close().then(() => resolve());
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.off('SIGHUP', reload);
  log('info', 'stopped', {});
  return 0;
}
