// Prometheus text for the engine's counters, through prom-client (the Node
// standard). The engine counts in plain fields (host/engine/metrics.ts); the
// collectors here read them only when scraped, so a request pays no
// prom-client call. One endpoint per port serves every server registered on it.

import * as http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { errorCodeName } from '../engine/error-codes.js';
import { ERROR_CODE_SLOTS, GUARD_NAMES, type EngineMetrics } from '../engine/metrics.js';
import type { Log } from '../engine/types.js';

/** MetricsSource is one server's counters under a listener label (e.g. "h2c:8080", "tls:8443"). */
export interface MetricsSource {
  listener: string;
  metrics: EngineMetrics;
}

/** metricsRegistry makes a prom-client registry whose collectors read the sources when scraped. */
export function metricsRegistry(sources: Set<MetricsSource>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'h2wasm_' });
  const each = (f: (s: MetricsSource) => void) => { for (const s of sources) f(s); };
  /** counter registers a counter whose value, per listener (and more labels), is read from the fields. */
  const counter = (name: string, help: string, labelNames: string[], read: (s: MetricsSource, set: (labels: Record<string, string>, v: number) => void) => void) => {
    new Counter({
      name, help, labelNames: ['listener', ...labelNames], registers: [registry],
      collect() {
        this.reset();
        each((s) => read(s, (labels, v) => { if (v > 0) this.inc({ listener: s.listener, ...labels }, v); }));
      },
    });
  };
  const gauge = (name: string, help: string, read: (m: EngineMetrics) => number) => {
    new Gauge({
      name, help, labelNames: ['listener'], registers: [registry],
      collect() {
        this.reset();
        each((s) => this.set({ listener: s.listener }, read(s.metrics)));
      },
    });
  };
  const byCode = (values: number[], set: (labels: Record<string, string>, v: number) => void) => {
    for (let c = 0; c < ERROR_CODE_SLOTS; c++) set({ code: c === ERROR_CODE_SLOTS - 1 ? 'OTHER' : errorCodeName(c) }, values[c]);
  };
  counter('h2wasm_connections_total', 'HTTP/2 connections opened.', [], (s, set) => set({}, s.metrics.connectionsOpened));
  gauge('h2wasm_connections_open', 'HTTP/2 connections open now.', (m) => m.openConnections);
  counter('h2wasm_streams_total', 'Request streams opened.', [], (s, set) => set({}, s.metrics.streamsOpened));
  gauge('h2wasm_streams_open', 'Request streams open now.', (m) => m.openStreams);
  counter('h2wasm_received_bytes_total', 'Bytes read from HTTP/2 connections.', [], (s, set) => set({}, s.metrics.bytesIn));
  counter('h2wasm_sent_bytes_total', 'Bytes written to HTTP/2 connections.', [], (s, set) => set({}, s.metrics.bytesOut));
  counter('h2wasm_goaway_sent_total', 'GOAWAY frames sent, by error code.', ['code'], (s, set) => byCode(s.metrics.goawaySent, set));
  counter('h2wasm_goaway_received_total', 'GOAWAY frames received, by error code.', ['code'], (s, set) => byCode(s.metrics.goawayReceived, set));
  counter('h2wasm_rst_stream_sent_total', 'RST_STREAM frames sent, by error code.', ['code'], (s, set) => byCode(s.metrics.rstSent, set));
  counter('h2wasm_rst_stream_received_total', 'RST_STREAM frames received, by error code.', ['code'], (s, set) => byCode(s.metrics.rstReceived, set));
  counter('h2wasm_guard_trips_total', 'Times each abuse guard tripped (docs/security.md).', ['guard'], (s, set) => {
    for (const g of GUARD_NAMES) set({ guard: g }, s.metrics.guards[g]);
  });
  return registry;
}

/** metricsHandler answers /metrics (and /) with the registry's text, after refresh() when given. */
function metricsHandler(registry: Registry, refresh?: () => Promise<void>): http.RequestListener {
  return (req, res) => {
    if (req.url !== '/metrics' && req.url !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    (refresh ?? (() => Promise.resolve()))().then(() => registry.metrics()).then(
      async (text) => {
        // Registries added to this one (a proxy's per-route metrics) follow the engine's.
        for (const extra of extraRegistries.get(registry) ?? []) text += await extra.metrics();
        return text;
      },
    ).then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(e)}\n`),
    );
  };
}

/** listen binds server to port on host. */
function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** serveMetricsFrom serves the counters that collect() gathers at each scrape (a supervisor's
 *  workers, summed); it resolves with the bound port and a close(). */
export async function serveMetricsFrom(collect: () => Promise<MetricsSource[]>, port: number, host: string): Promise<{ port: number; close(): Promise<void> }> {
  const sources = new Set<MetricsSource>();
  const registry = metricsRegistry(sources);
  const server = http.createServer(metricsHandler(registry, async () => {
    const now = await collect();
    sources.clear();
    for (const s of now) sources.add(s);
  }));
  await listen(server, port, host);
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** extraRegistries: registries served after an endpoint's own (addRegistry). */
const extraRegistries = new WeakMap<Registry, Registry[]>();

interface Endpoint {
  server: http.Server;
  registry: Registry;
  sources: Set<MetricsSource>;
  ready: Promise<void>;
}

/** endpoints: one HTTP listener per metrics port, shared by the servers that name it. */
const endpoints = new Map<string, Endpoint>();

/** MetricsEndpoint is a server's registration on a metrics port; release() unregisters it. */
export interface MetricsEndpoint {
  readonly port: number;
  release(): Promise<void>;
}

/** exposeMetrics serves Prometheus text on http://host:port/metrics for source, sharing the
 *  listener with other servers on the same port. */
export async function exposeMetrics(source: MetricsSource, port: number, host: string, log: Log, extra?: Registry): Promise<MetricsEndpoint> {
  const key = `${host}:${port}`;
  let ep = endpoints.get(key);
  if (ep === undefined) {
    const sources = new Set<MetricsSource>();
    const registry = metricsRegistry(sources);
    const server = http.createServer(metricsHandler(registry));
    const ready = listen(server, port, host);
    ep = { server, registry, sources, ready };
    endpoints.set(key, ep);
    ready.catch(() => endpoints.delete(key));
  }
  await ep.ready;
  ep.sources.add(source);
  if (extra !== undefined) {
    const list = extraRegistries.get(ep.registry) ?? [];
    if (!list.includes(extra)) list.push(extra);
    extraRegistries.set(ep.registry, list);
  }
  const bound = (ep.server.address() as { port: number }).port;
  log('info', 'metrics served', { url: `http://${host}:${bound}/metrics`, listener: source.listener });
  const endpoint = ep;
  return {
    port: bound,
    release: async () => {
      endpoint.sources.delete(source);
      if (endpoint.sources.size > 0) return;
      endpoints.delete(key);
      await new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
    },
  };
}
