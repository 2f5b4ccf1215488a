// Every core: N worker processes (Node's cluster) that share the listening
// sockets, supervised by the primary. The primary forks them, restarts one
// that crashes, forwards SIGINT/SIGTERM as a graceful shutdown, and serves
// the workers' counters summed on the metrics port.
//
// Scheduling: cluster.SCHED_RR, the primary accepts and hands connections out
// in turn. HTTP/2 connections are few and long-lived, so accepting costs the
// primary little, and round-robin spreads them evenly; with SCHED_NONE the
// kernel wakes whichever worker it likes, and on Linux a few workers end up
// with most connections (Node's cluster docs say as much).

import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import type { Log } from '../engine/types.js';
import { EngineMetrics, type MetricsSnapshot } from '../engine/metrics.js';

/** WorkerPorts is what a worker reports once its listeners are bound. */
export interface WorkerPorts {
  h2c: number;
  tls: number | null;
  /** The build of the core the worker runs. */
  codec: string;
}

type ToPrimary =
  | { h2wasm: 'ready'; ports: WorkerPorts }
  | { h2wasm: 'metrics'; id: number; sources: Array<{ listener: string; snapshot: MetricsSnapshot }> };
type ToWorker = { h2wasm: 'metrics'; id: number } | { h2wasm: 'shutdown' };

/** workerCount turns --workers N|auto into a count (auto: the cores Node may use). */
export function workerCount(spec: string | number | undefined): number {
  if (spec === undefined) return 1;
  if (spec === 'auto') return Math.max(1, os.availableParallelism());
  const n = Number(spec);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new RangeError(`workers must be a whole number from 1 to 1024, or auto, not ${String(spec)}`);
  return n;
}

/** isWorker reports whether this process is a worker of a supervised server. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/** reportReady tells the primary this worker is serving (a no-op outside a cluster). */
export function reportReady(ports: WorkerPorts): void {
  process.send?.({ h2wasm: 'ready', ports } satisfies ToPrimary);
}

/** answerPrimary makes this worker answer the primary: its counters when asked, and a graceful
 *  shutdown (the same as a signal's, sent by message so that a Ctrl-C reaching every process of the
 *  group does not count as a second signal in the workers). */
export function answerPrimary(sources: () => Array<{ listener: string; snapshot: MetricsSnapshot }>, shutdown: () => void): void {
  process.on('message', (m: ToWorker) => {
    if (m?.h2wasm === 'shutdown') shutdown();
    if (m?.h2wasm !== 'metrics') return;
    process.send?.({ h2wasm: 'metrics', id: m.id, sources: sources() } satisfies ToPrimary);
  });
}

/** MAX_RESTARTS_PER_MINUTE: a worker crashing faster than this is not restarted (a crash loop). */
const MAX_RESTARTS_PER_MINUTE = 10;

/** Supervisor runs in the primary. */
export class Supervisor {
  private readonly workers = new Set<Worker>();
  private stopping = false;
  private restarts: number[] = [];
  private nextQuery = 1;
  private readonly pending = new Map<number, { left: number; got: Array<{ listener: string; snapshot: MetricsSnapshot }>; done: () => void }>();
  /** The ports the first worker reported (all share them). */
  ports: WorkerPorts | null = null;
  /** Resolves when every worker has exited after stop(). */
  private allExited: Promise<void> | null = null;

  constructor(private readonly count: number, private readonly log: Log) {}

  /** start forks the workers and resolves with their ports once all are serving. */
  async start(): Promise<WorkerPorts> {
    cluster.schedulingPolicy = cluster.SCHED_RR;
    const ready = Array.from({ length: this.count }, () => this.fork());
    const ports = await Promise.all(ready);
    this.ports = ports[0];
    return ports[0];
  }

  /** fork starts one worker; resolves with its ports when it reports ready. */
  private fork(): Promise<WorkerPorts> {
    const worker = cluster.fork();
    this.workers.add(worker);
    const ready = new Promise<WorkerPorts>((resolve, reject) => {
      worker.on('message', (m: ToPrimary) => {
        if (m?.h2wasm === 'ready') resolve(m.ports);
        else if (m?.h2wasm === 'metrics') this.metricsReply(m);
      });
      worker.once('exit', (code, signal) => {
        reject(new Error(`worker ${worker.process.pid} exited (${signal ?? code}) before serving`));
        this.workers.delete(worker);
        // A scrape in progress no longer waits for this worker.
        for (const p of this.pending.values()) if (--p.left <= 0) p.done();
        if (!this.stopping) this.restart(worker, code, signal);
      });
    });
    ready.catch(() => {});
    return ready;
  }

  /** restart replaces a worker that died while the server runs, unless workers crash in a loop. */
  private restart(worker: Worker, code: number | null, signal: string | null): void {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    if (this.restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      this.log('error', 'worker crashed; too many restarts in a minute, not restarted', { pid: worker.process.pid, code, signal, workers: this.workers.size });
      return;
    }
    this.restarts.push(now);
    this.log('warn', 'worker crashed; restarting it', { pid: worker.process.pid, code, signal });
    void this.fork().catch((e: unknown) => this.log('error', 'restarted worker failed', { error: String(e) }));
  }

  /** metrics asks every worker for its counters and sums them per listener. */
  async metrics(): Promise<Map<string, EngineMetrics>> {
    const id = this.nextQuery++;
    const got: Array<{ listener: string; snapshot: MetricsSnapshot }> = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), 1000); // a busy or dying worker is left out of this scrape
      const finish = () => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve();
      };
      this.pending.set(id, { left: this.workers.size, got, done: finish });
      for (const w of this.workers) w.send({ h2wasm: 'metrics', id } satisfies ToWorker);
      if (this.workers.size === 0) finish();
    });
    const sums = new Map<string, EngineMetrics>();
    for (const { listener, snapshot } of got) {
      let m = sums.get(listener);
      if (m === undefined) sums.set(listener, (m = new EngineMetrics()));
      m.add(snapshot);
    }
    return sums;
  }

  private metricsReply(m: Extract<ToPrimary, { h2wasm: 'metrics' }>): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    p.got.push(...m.sources);
    if (--p.left <= 0) p.done();
  }

  /** stop asks every worker to shut down gracefully and resolves when all have exited; after
   *  deadlineMs whatever is left is killed. */
  stop(deadlineMs: number): Promise<void> {
    if (this.allExited !== null) return this.allExited;
    this.stopping = true;
    const exits = [...this.workers].map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve();
      w.once('exit', () => resolve());
      w.send({ h2wasm: 'shutdown' } satisfies ToWorker);
    }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const w of this.workers) if (!w.isDead()) w.process.kill('SIGKILL');
        resolve();
      }, deadlineMs);
      timer.unref();
    });
    this.allExited = Promise.race([Promise.all(exits).then(() => undefined), forced]).finally(() => clearTimeout(timer));
    return this.allExited;
  }

  /** The number of workers alive. */
  get size(): number {
    return this.workers.size;
  }
}
