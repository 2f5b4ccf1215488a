// ProxyProcess: `h2wasm proxy` (bin/h2wasm.js over dist/) in its own process, started on
// 127.0.0.1 with --port 0 and read from its boot line ("h2wasm proxying"), stopped after the
// test. The proxy tests drive it from outside with real clients, as users would.

import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defer } from './peers.js';
import { portOf, startCommandProcess, type LogEntry, type ServerProcess } from './server-process.js';

/** ProxyProcess is a running `h2wasm proxy`. */
export interface ProxyProcess extends ServerProcess {
  /** The Prometheus port (--metrics-port), when asked for. */
  readonly metricsPort: number | null;
  /** h2c is http://127.0.0.1:PORT (h2c prior knowledge and HTTP/1.1). */
  readonly h2c: string;
  /** tls is https://127.0.0.1:TLSPORT, when a TLS front was asked for. */
  readonly tls: string | null;
  /** waitForLog resolves with the first log entry (from index `from` on) whose msg is msg; it rejects after timeoutMs. */
  waitForLog(msg: string, options?: { from?: number; timeoutMs?: number }): Promise<LogEntry>;
}

/** startProxyProcess runs `h2wasm proxy --host 127.0.0.1 --port 0 ARGS`; it is stopped (SIGTERM,
 *  then SIGKILL) after the test. */
export async function startProxyProcess(args: string[]): Promise<ProxyProcess> {
  const p = await startCommandProcess('proxy', 'h2wasm proxying', args);
  defer(() => p.stop().then(() => undefined, () => p.kill()));
  const waitForLog = async (msg: string, options: { from?: number; timeoutMs?: number } = {}): Promise<LogEntry> => {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const hit = p.log.slice(options.from ?? 0).find((e) => e.msg === msg);
      if (hit !== undefined) return hit;
      if (Date.now() > deadline) throw new Error(`h2wasm proxy logged no ${JSON.stringify(msg)} within ${options.timeoutMs ?? 10_000} ms: ${JSON.stringify(p.log.slice(-10))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return Object.assign(p, {
    metricsPort: p.boot.metrics !== undefined ? portOf(p.boot.metrics) : null,
    h2c: `http://127.0.0.1:${p.port}`,
    tls: p.tlsPort !== null ? `https://127.0.0.1:${p.tlsPort}` : null,
    waitForLog,
  });
}

/** tempFiles writes files (name → contents) into a fresh temp dir removed after the test, and returns their paths. */
export function tempFiles(files: Record<string, string | Uint8Array>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'h2wasm-proxy-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], text, { mode: 0o600 });
  }
  return paths;
}

/** metricValue finds one sample in Prometheus text: the metric name and every label given must match; 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
