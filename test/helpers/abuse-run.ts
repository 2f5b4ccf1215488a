// AbuseRun is the frame of every abuse test (test/abuse/): an `h2wasm serve` in its own process,
// watched from outside while an attack runs, and the four checks every attack must pass, made as
// soft assertions so that a failing test names every broken guarantee at once:
//   - RSS growth over the attack (peak against the baseline after a warm-up request) < 64 MiB;
//   - CPU back to idle afterwards (< 10% of a core within 5 s);
//   - a well-behaved client (Node's http2, GET / → 200 "hello world\n") served DURING the attack
//     (serveDuring, started by the test while the attack connection is busy or blocked) and AFTER;
//   - SIGTERM ends the process (stop() SIGKILLs and rejects after 10 s).

import { afterEach, expect } from 'vitest';
import { killAllServers, sampleProcess, startServerProcess, waitForIdleCpu, type ServerProcess } from './server-process.js';
import { tryHello, type Outcome } from './good-client.js';
import { concatBytes } from '../../host/bytes.js';
import { FloodClient, closeAllFloodClients, headersFrame, preface, repeat, requestBlock, type PumpResult } from './flood-client.js';

/** MAX_RSS_GROWTH is the memory an attack may cost the server process. */
export const MAX_RSS_GROWTH = 64 << 20;
/** IDLE_CPU_SHARE is what counts as idle: a tenth of one core. */
export const IDLE_CPU_SHARE = 0.1;
/** GOOD_CLIENT_TIMEOUT_MS bounds each well-behaved request (a wedged server fails it). */
export const GOOD_CLIENT_TIMEOUT_MS = 5000;

/** COMMON_FLAGS shorten the shutdown deadline so SIGTERM is quick when nothing is wrong. */
const COMMON_FLAGS = ['--shutdown-timeout', '2000'];

const runs = new Set<AbuseRun>();

/** disposeAllRuns stops every run's sampler and kills its process unless it was stopped (afterEach). */
export function disposeAllRuns(): void {
  for (const r of [...runs]) r.dispose();
}

/** AbuseRun is one server under one attack. */
export class AbuseRun {
  private readonly during: Array<Promise<Outcome>> = [];
  private peakRss: number;
  private readonly watch: ReturnType<typeof setInterval>;
  private finished = false;

  private constructor(readonly server: ServerProcess, readonly label: string, readonly baselineRss: number) {
    this.peakRss = baselineRss;
    this.watch = setInterval(() => this.sampleRss(), 100);
    runs.add(this);
  }

  /** start runs `h2wasm serve` with flags, warms it up with one request and takes the RSS baseline. */
  static async start(label: string, flags: string[] = []): Promise<AbuseRun> {
    const server = await startServerProcess([...COMMON_FLAGS, ...flags]);
    const warm = await tryHello(server.port, GOOD_CLIENT_TIMEOUT_MS);
    if (!warm.ok) throw new Error(`${label}: the server did not serve a first request: ${warm.error}`);
    return new AbuseRun(server, label, sampleProcess(server.pid).rss);
  }

  /** port is the server's h2c port. */
  get port(): number {
    return this.server.port;
  }

  /** serveDuring starts a well-behaved request now; finish() checks its outcome. */
  serveDuring(): Promise<Outcome> {
    const p = tryHello(this.port, GOOD_CLIENT_TIMEOUT_MS);
    this.during.push(p);
    return p;
  }

  /** peakRssGrowth is the largest RSS growth over the baseline so far, bytes. */
  peakRssGrowth(): number {
    this.sampleRss();
    return this.peakRss - this.baselineRss;
  }

  /** logTail is the server's last log lines, for failure messages. */
  logTail(n = 6): string {
    return this.server.log.slice(-n).map((e) => JSON.stringify(e)).join('\n');
  }

  /** logSummary counts the server's log messages after its boot line, for the run's report line. */
  logSummary(): string {
    const counts = new Map<string, number>();
    for (const e of this.server.log.slice(this.server.log.indexOf(this.server.boot) + 1)) {
      // A connection error is told by its code and reason, the rest by their message.
      const key = e.msg === 'connection error' ? `connection error ${String(e.code)}: ${String(e.reason)}` : String(e.msg);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([k, n]) => (n > 1 ? `"${k}" ×${n}` : `"${k}"`)).join(', ') || 'nothing';
  }

  /** logged reports whether the server logged a line whose msg contains text. */
  logged(text: string): boolean {
    return this.server.log.some((e) => typeof e.msg === 'string' && e.msg.includes(text));
  }

  /** finish makes the after-attack checks (call it once the attack connections are closed).
   *  options.noDuring names why this attack has no well-behaved client during it (it is expected
   *  to be refused, as with --max-connections at its limit). */
  async finish(options: { noDuring?: string } = {}): Promise<void> {
    const label = this.label;
    const during = await Promise.all(this.during);
    if (options.noDuring === undefined) {
      expect.soft(during.length, `${label}: the test must start a well-behaved client during the attack`).toBeGreaterThan(0);
    }
    during.forEach((o, i) => {
      expect.soft(o.ok ? `${o.reply.status} ${JSON.stringify(o.reply.body)}` : o.error,
        `${label}: well-behaved client #${i + 1} during the attack\nserver log:\n${this.logTail()}`).toBe('200 "hello world\\n"');
    });

    const cpu = await waitForIdleCpu(this.server.pid, { maxShare: IDLE_CPU_SHARE, windowMs: 500, timeoutMs: 5000 });
    expect.soft(cpu, `${label}: server CPU (share of a core) 5 s after the attack\nserver log:\n${this.logTail()}`).toBeLessThan(IDLE_CPU_SHARE);

    const after = await tryHello(this.port, GOOD_CLIENT_TIMEOUT_MS);
    expect.soft(after.ok ? `${after.reply.status} ${JSON.stringify(after.reply.body)}` : after.error,
      `${label}: well-behaved client after the attack\nserver log:\n${this.logTail()}`).toBe('200 "hello world\\n"');

    this.sampleRss();
    clearInterval(this.watch);
    const growth = this.peakRss - this.baselineRss;
    expect.soft(growth, `${label}: server RSS growth (bytes) over the attack`).toBeLessThan(MAX_RSS_GROWTH);

    let exit: string;
    try {
      exit = `exit ${await this.server.stop(10_000)}`;
    } catch (e) {
      exit = (e as Error).message;
    }
    expect.soft(exit, `${label}: SIGTERM must end the process\nserver log:\n${this.logTail()}`).toBe('exit 0');
    this.finished = true;
    console.log(`[abuse] ${label}: RSS +${(growth / 2 ** 20).toFixed(1)} MiB (peak ${(this.peakRss / 2 ** 20).toFixed(0)} MiB), `
      + `CPU after ${(cpu * 100).toFixed(0)}%, during ${during.map((o) => (o.ok ? `${o.reply.status} in ${o.reply.ms.toFixed(0)} ms` : 'FAILED')).join(', ')}, `
      + `after ${after.ok ? `${after.reply.status} in ${after.reply.ms.toFixed(0)} ms` : 'FAILED'}, SIGTERM: ${exit}; server log: ${this.logSummary()}`);
  }

  /** dispose stops the sampler and kills the process if finish() did not stop it (afterEach). */
  dispose(): void {
    runs.delete(this);
    clearInterval(this.watch);
    if (!this.finished) this.server.kill();
  }

  private sampleRss(): void {
    try {
      this.peakRss = Math.max(this.peakRss, sampleProcess(this.server.pid).rss);
    } catch {
      // The process is gone: stop() or a crash, which the other checks report.
    }
  }
}

/** StreamLoopResult is how a stream-opening loop ended. */
export interface StreamLoopResult extends PumpResult {
  /** Streams the attacker opened. */
  streams: number;
  /** The server closed the connection (within 5 s of the loop's end). */
  closedByServer: boolean;
}

/** openAndFollow is the loop of the reset attacks: on a fresh attacker connection, open streams on
 *  /slow (END_STREAM; the handler waits 10 s, so each stays open) and follow each, in the same write,
 *  with follow(id) — our RST_STREAM (Rapid Reset) or a frame that makes the server reset it
 *  (MadeYouReset) — 20 pairs a write, a well-behaved client served from the first write, until the
 *  server stops it or the bounds run out. The attacker is closed before it resolves. */
export async function openAndFollow(run: AbuseRun, follow: (streamId: number) => Uint8Array): Promise<{ attacker: FloodClient; result: StreamLoopResult }> {
  const attacker = await FloodClient.connect(run.port);
  attacker.send(preface());
  const block = requestBlock('GET', '/slow?ms=10000', attacker.authority);
  let id = 1;
  const pair = () => {
    const s = id;
    id += 2;
    return concatBytes([headersFrame(s, block, { endStream: true }), follow(s)]);
  };
  const pumped = await attacker.pump((i) => {
    if (i === 0) void run.serveDuring();
    return repeat(20, pair);
  }, { maxWrites: 5000, maxMs: 10_000 });
  const closedByServer = await attacker.waitClosed(5000);
  attacker.close();
  return { attacker, result: { ...pumped, streams: (id - 1) / 2, closedByServer } };
}

/** cleanUpAfterEach ends, after each test of the file, every attacker connection, abuse run and
 *  server process it left (a failed test must not leave a server spinning for the next). */
export function cleanUpAfterEach(): void {
  afterEach(() => {
    closeAllFloodClients();
    disposeAllRuns();
    killAllServers();
  });
}
