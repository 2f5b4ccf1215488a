// ServerProcess: `h2wasm serve` (bin/h2wasm.js over dist/) in its own process, watched from the
// outside. Liveness and abuse tests use it: a wedge inside the server must fail a test (no new
// connection served, CPU pinned, SIGTERM ignored), not freeze the test runner as an in-process
// server would.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** BIN is the command run: this checkout's bin/h2wasm.js, or env H2WASM_BIN (another build's
 *  bin/h2wasm.js, e.g. to show that a test fails on an older engine). */
export const BIN = process.env.H2WASM_BIN || fileURLToPath(new URL('../../bin/h2wasm.js', import.meta.url));

/** LogEntry is one JSON log line of the server (stderr). */
export type LogEntry = Record<string, unknown>;

/** ServerProcess is a running `h2wasm serve`. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The h2c (+ HTTP/1.1) port. */
  readonly port: number;
  /** The TLS port, when started with a certificate. */
  readonly tlsPort: number | null;
  /** Every log line so far, parsed (a line that is not JSON is kept as { msg: line }). */
  readonly log: LogEntry[];
  /** The boot line ("h2wasm serving"). */
  readonly boot: LogEntry;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** stop sends SIGTERM and waits for the exit; after timeoutMs it SIGKILLs and rejects (a wedge). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** kill ends the process at once (cleanup). */
  kill(): void;
}

const started = new Set<ServerProcess>();

/** killAllServers ends every server this process started (an afterAll/afterEach safety net). */
export function killAllServers(): void {
  for (const s of started) s.kill();
  started.clear();
}

/** portOf reads the port out of a boot-line URL such as "http://127.0.0.1:41234/ (…)". */
export function portOf(url: unknown): number {
  const m = /:(\d+)\//.exec(String(url));
  if (m === null) throw new Error(`no port in ${String(url)}`);
  return Number(m[1]);
}

/** startServerProcess runs `h2wasm serve --host 127.0.0.1 --port 0 ARGS` and resolves at its boot line. */
export function startServerProcess(args: string[] = [], options: { bootTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ServerProcess> {
  return startCommandProcess('serve', 'h2wasm serving', args, options);
}

/** startCommandProcess runs `h2wasm COMMAND --host 127.0.0.1 --port 0 ARGS` and resolves at the log
 *  line whose msg is bootMsg (its h2c and tls fields name the ports). */
export function startCommandProcess(command: string, bootMsg: string, args: string[], options: { bootTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, command, '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: options.env ?? process.env,
  });
  const log: LogEntry[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`h2wasm ${command} printed no boot line within ${options.bootTimeoutMs ?? 15_000} ms: ${JSON.stringify(log)}`));
    }, options.bootTimeoutMs ?? 15_000);
    let buffered = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      buffered += text;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let entry: LogEntry;
        try {
          entry = JSON.parse(line) as LogEntry;
        } catch {
          entry = { msg: line };
        }
        log.push(entry);
        if (entry.msg === bootMsg) {
          clearTimeout(timer);
          const server: ServerProcess = {
            child,
            pid: child.pid!,
            port: portOf(entry.h2c),
            tlsPort: entry.tls !== undefined ? portOf(entry.tls) : null,
            log,
            boot: entry,
            exited,
            stop: (timeoutMs = 10_000) => stopProcess(child, exited, timeoutMs),
            kill: () => {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            },
          };
          started.add(server);
          void exited.then(() => started.delete(server));
          resolve(server);
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`h2wasm ${command} exited (${code}) before its boot line: ${JSON.stringify(log)}`));
    });
  });
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), timeoutMs); });
  const r = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (r === 'late') {
    child.kill('SIGKILL');
    throw new Error(`h2wasm serve (pid ${child.pid}) ignored SIGTERM for ${timeoutMs} ms: killed`);
  }
  return r;
}

/** ProcessSample is what /proc says of a process at one instant. */
export interface ProcessSample {
  /** Resident set size, bytes. */
  rss: number;
  /** User + system CPU time so far, ms. */
  cpuMs: number;
  /** When it was taken (performance.now(), ms). */
  at: number;
}

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** sampleProcess reads RSS and CPU time of pid from /proc (Linux). */
export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return { rss: m ? Number(m[1]) * 1024 : 0, cpuMs: ((utime + stime) * 1000) / TICKS_PER_SECOND, at: performance.now() };
}

/** cpuShare is the CPU the process used between two samples, as a share of one core (1 = 100%). */
export function cpuShare(a: ProcessSample, b: ProcessSample): number {
  const wall = b.at - a.at;
  return wall > 0 ? (b.cpuMs - a.cpuMs) / wall : 0;
}

/** waitForIdleCpu samples pid over windows of windowMs until it uses under maxShare of a core,
 *  or timeoutMs passes; it returns the last window's share (the caller asserts on it). */
export async function waitForIdleCpu(pid: number, options: { maxShare?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const maxShare = options.maxShare ?? 0.1;
  const windowMs = options.windowMs ?? 500;
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  let share = Infinity;
  while (performance.now() < deadline) {
    const a = sampleProcess(pid);
    await new Promise((r) => setTimeout(r, windowMs));
    share = cpuShare(a, sampleProcess(pid));
    if (share < maxShare) return share;
  }
  return share;
}
