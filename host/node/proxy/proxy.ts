// proxy(): the reverse proxy on Node (Sōzu's job): fronts speaking h2c and
// HTTP/1.1 on one port and TLS with ALPN (several certificates chosen by SNI)
// on another, each request routed by :authority and path prefix to a set of
// backends (HTTP/1.1, h2c, or https with ALPN), streamed both ways with
// backpressure. A request whose :authority the connection's certificate does
// not cover is answered 421 (RFC 9113 §9.1.1, connection coalescing).

import { Counter, Registry } from 'prom-client';
import type { Core } from '../../core/core.js';
import { resolveOptions, type ResolvedOptions } from '../../engine/options.js';
import type { EngineOptions, Log, ServerStream } from '../../engine/types.js';
import { parseRoute, RouteTable, stripPort, type Route } from '../../proxy/routes.js';
import { CertificateSet, covers } from '../certificates.js';
import { clientCore } from '../client.js';
import { serve, type H2Server, type TlsOptions } from '../serve.js';
import { Backend, BackendSet, type BackendOptions } from './backends.js';
import { forward, type Outcome } from './forward.js';
import type { CodecName } from '../../core/binding.js';

/** ProxyOptions configure proxy() (and the CLI's --config file). */
export interface ProxyOptions extends EngineOptions {
  /** Routes: `[HOST]/PREFIX=BACKEND[,BACKEND...]` strings or parsed routes. */
  routes: Array<string | Route>;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** The h2c + HTTP/1.1 port; default 8080 (0 picks one). */
  port?: number;
  /** TLS front: its port (default 8443) and certificates (chosen by SNI; the first is the default), or a self-signed one. */
  tls?: { port?: number; certificates: TlsOptions[] | 'self-signed' };
  /** Prometheus text on this port. */
  metrics?: { port: number };
  /** How long a backend has to send a response head (ms); default 30 s, then 504. */
  backendTimeout?: number;
  /** Connecting to a backend (ms); default 5 s, then 502. */
  connectTimeout?: number;
  /** Consecutive failures that eject a backend (default 3), and for how long (ms, default 10 s). */
  maxFailures?: number;
  ejectMs?: number;
  /** HTTP/2 sessions per backend; default 4. */
  maxSessionsPerBackend?: number;
  /** TLS to https:// backends. */
  backendTls?: { rejectUnauthorized?: boolean; ca?: string | Buffer | Array<string | Buffer> };
  codec?: CodecName;
  shutdownTimeout?: number;
  maxConnections?: number;
}

/** ProxyServer is a running proxy. */
export interface ProxyServer {
  readonly port: number;
  readonly tlsPort: number | null;
  readonly metricsPort: number | null;
  /** reload applies new routes, backends and timeouts without dropping a connection. */
  reload(options: Pick<ProxyOptions, 'routes' | 'backendTimeout' | 'connectTimeout' | 'maxFailures' | 'ejectMs'>): void;
  close(): Promise<void>;
}

/** Routing is one generation of the configuration: the table and each route's backends. */
interface Routing {
  table: RouteTable;
  sets: Map<Route, BackendSet>;
  backendTimeout: number;
}

/** LATENCY_BUCKETS are the upper bounds (seconds) of the response-time histogram. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** RouteBackendFigures count one route's requests through one backend: plain fields on the hot
 *  path, turned into Prometheus series only when scraped (prom-client's inc() and observe()
 *  cost a measurable share of the proxy's CPU per request). */
interface RouteBackendFigures {
  route: string;
  backend: string;
  /** Requests by status class: 1xx..5xx at index 1..5. */
  byClass: number[];
  /** Response-time observations per bucket (not cumulative), the last one +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

/** ProxyMetrics are the per-route and per-backend figures. */
class ProxyMetrics {
  readonly registry = new Registry();
  private readonly errors = new Counter({ name: 'h2wasm_proxy_errors_total', help: 'Requests the proxy answered itself, by route, backend and kind (no_route, connect, timeout, reset, saturated, misdirected).', labelNames: ['route', 'backend', 'kind'], registers: [this.registry] });
  private readonly figures = new Map<string, RouteBackendFigures>();

  constructor() {
    const figures = this.figures;
    this.registry.registerMetric(scrapedMetric('h2wasm_proxy_requests_total', 'Requests forwarded, by route, backend and status class.', 'counter', () => {
      const values: MetricValue[] = [];
      for (const f of figures.values()) {
        for (let c = 1; c <= 5; c++) if (f.byClass[c] > 0) values.push({ labels: { route: f.route, backend: f.backend, class: `${c}xx` }, value: f.byClass[c] });
      }
      return values;
    }));
    this.registry.registerMetric(scrapedMetric('h2wasm_proxy_response_seconds', 'Time to the response head, by route and backend.', 'histogram', () => {
      const values: MetricValue[] = [];
      for (const f of figures.values()) {
        let cumulative = 0;
        for (let b = 0; b <= LATENCY_BUCKETS.length; b++) {
          cumulative += f.buckets[b];
          const le = b < LATENCY_BUCKETS.length ? String(LATENCY_BUCKETS[b]) : '+Inf';
          values.push({ metricName: 'h2wasm_proxy_response_seconds_bucket', labels: { le, route: f.route, backend: f.backend }, value: cumulative });
        }
        values.push({ metricName: 'h2wasm_proxy_response_seconds_sum', labels: { route: f.route, backend: f.backend }, value: f.sum });
        values.push({ metricName: 'h2wasm_proxy_response_seconds_count', labels: { route: f.route, backend: f.backend }, value: f.count });
      }
      return values;
    }));
  }

  record(route: string, o: Outcome): void {
    const backend = o.backend?.label ?? 'none';
    if (o.error !== 'none') this.errors.inc({ route, backend, kind: o.error });
    if (o.status > 0) {
      const key = `${route}\n${backend}`;
      let f = this.figures.get(key);
      if (f === undefined) {
        f = { route, backend, byClass: [0, 0, 0, 0, 0, 0], buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
        this.figures.set(key, f);
      }
      f.byClass[Math.min(5, Math.floor(o.status / 100))]++;
      let b = 0;
      while (b < LATENCY_BUCKETS.length && o.seconds > LATENCY_BUCKETS[b]) b++;
      f.buckets[b]++;
      f.sum += o.seconds;
      f.count++;
    }
  }

  error(route: string, kind: string): void {
    this.errors.inc({ route, backend: 'none', kind });
  }
}

/** MetricValue is one sample of a scraped metric, as prom-client's registry formats it. */
interface MetricValue {
  labels: Record<string, string>;
  value: number;
  metricName?: string;
}

/** scrapedMetric is a metric whose samples are made when the registry is scraped. */
function scrapedMetric(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): Parameters<Registry['registerMetric']>[0] {
  const metric = { name, help, type, aggregator: 'sum', get: () => ({ name, help, type, aggregator: 'sum', values: values() }) };
  return metric as unknown as Parameters<Registry['registerMetric']>[0];
}

const TEXT = { 'content-type': 'text/plain' };

/** proxy starts the fronts and resolves once they listen. */
export async function proxy(options: ProxyOptions): Promise<ProxyServer> {
  const engine: ResolvedOptions = resolveOptions(options);
  const log: Log = engine.log;
  const corePromise: Promise<Core> = clientCore({ codec: options.codec, log });
  const core = await corePromise;
  const backends = new Map<string, Backend>();
  const metrics = new ProxyMetrics();
  // Backends use the client engine with the same limits, their own counters.
  const backendEngine = resolveOptions({ log, idleTimeout: 60_000 });

  const backendOptions = (o: ProxyOptions): BackendOptions => ({
    maxFailures: Math.max(1, o.maxFailures ?? 3),
    ejectMs: Math.max(0, o.ejectMs ?? 10_000),
    maxSessions: Math.max(1, o.maxSessionsPerBackend ?? 4),
    connectTimeout: Math.max(100, o.connectTimeout ?? 5000),
    tls: { rejectUnauthorized: o.backendTls?.rejectUnauthorized ?? true, ca: o.backendTls?.ca },
  });

  /** routing builds a configuration generation; backends named before are kept (their pools too). */
  const routing = (o: Pick<ProxyOptions, 'routes' | 'backendTimeout'>, bo: BackendOptions): Routing => {
    const routes = o.routes.map((r) => (typeof r === 'string' ? parseRoute(r) : r));
    const sets = new Map<Route, BackendSet>();
    const used = new Set<string>();
    for (const r of routes) {
      sets.set(r, new BackendSet(r.backends.map((url) => {
        used.add(url);
        let b = backends.get(url);
        if (b === undefined) backends.set(url, (b = new Backend(url, corePromise, backendEngine, bo)));
        return b;
      })));
    }
    // Backends no route names any more finish what they carry, then close.
    for (const [url, b] of backends) {
      if (!used.has(url)) {
        backends.delete(url);
        setTimeout(() => void b.close(), 30_000).unref();
      }
    }
    return { table: new RouteTable(routes), sets, backendTimeout: Math.max(100, o.backendTimeout ?? 30_000) };
  };
  let current = routing(options, backendOptions(options));

  const certificates = options.tls === undefined || options.tls.certificates === 'self-signed' ? null : new CertificateSet(options.tls.certificates);

  const handler = async (s: ServerStream): Promise<void> => {
    const r = current;
    const authority = s.authority;
    // RFC 9113 §9.1.1: a connection may carry requests for any authority its certificate covers; for
    // one it does not, "the server can ... respond with a 421 (Misdirected Request) status code".
    if (certificates !== null && s.scheme === 'https' && !covers(certificates.namesFor(s.servername), stripPort(authority))) {
      metrics.error('none', 'misdirected');
      s.respond(421, TEXT);
      await s.end('misdirected request: this connection\'s certificate does not cover that authority\n');
      return;
    }
    const route = r.table.match(authority, s.path);
    if (route === null) {
      metrics.error('none', 'no_route');
      s.respond(404, TEXT);
      await s.end('no route\n');
      return;
    }
    const outcome = await forward(s, r.sets.get(route)!, { backendTimeout: r.backendTimeout, log });
    metrics.record(route.spec, outcome);
  };

  const { tls: _tls, routes: _routes, metrics: _metrics, port: _port, ...engineOptions } = options;
  const common = {
    ...engineOptions,
    stream: handler,
    core,
    hostname: options.hostname ?? '127.0.0.1',
    log,
  };
  const withMetrics = options.metrics !== undefined ? { metrics: { port: options.metrics.port, registry: metrics.registry } } : {};
  const servers: H2Server[] = [await serve({ ...common, ...withMetrics, port: options.port ?? 8080 })];
  if (options.tls !== undefined) {
    const tls = options.tls.certificates === 'self-signed' ? 'self-signed' as const : { certificates: options.tls.certificates };
    servers.push(await serve({ ...common, ...withMetrics, port: options.tls.port ?? 8443, tls }));
  }
  return {
    port: servers[0].port,
    tlsPort: servers[1]?.port ?? null,
    metricsPort: servers[0].metricsPort,
    reload(next) {
      current = routing(next, backendOptions({ ...options, ...next }));
      log('info', 'proxy configuration reloaded', { routes: current.table.routes.length, backends: backends.size });
    },
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      await Promise.all([...backends.values()].map((b) => b.close()));
    },
  };
}
