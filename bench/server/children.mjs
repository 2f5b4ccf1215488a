// Child processes of the server benchmark: every process it starts is
// registered here so that it is killed at the end, on error, on Ctrl-C or on
// SIGTERM. Nothing is killed by name: only the pids we spawned.
import { spawn } from 'node:child_process';

const live = new Set();

/**
 * start spawns a child, keeps the tail of its stderr (and of stdout unless
 * captureStdout is set, in which case all of stdout is kept) and registers it
 * for clean-up. The returned object has `child`, `exited` (a promise of
 * { code, signal }), `stdout()` and `stderrTail()`.
 */
export function start(cmd, args, { captureStdout = false, env } = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  live.add(child);
  let out = '';
  let errTail = '';
  const TAIL = 16 * 1024;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (s) => {
    out = captureStdout ? out + s : (out + s).slice(-TAIL);
  });
  child.stderr.on('data', (s) => {
    errTail = (errTail + s).slice(-TAIL);
  });
  const exited = new Promise((resolve) => {
    child.on('error', (err) => {
      errTail += `\nspawn error: ${err.message}`;
      live.delete(child);
      resolve({ code: null, signal: null, error: err });
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, exited, stdout: () => out, stderrTail: () => errTail };
}

/**
 * run starts a child and waits for it, killing it after timeoutMs. Resolves to
 * { code, signal, stdout, stderr, timedOut }.
 */
export async function run(cmd, args, { timeoutMs = 60_000 } = {}) {
  const p = start(cmd, args, { captureStdout: true });
  let timedOut = false;
  const t = setTimeout(() => {
    timedOut = true;
    p.child.kill('SIGKILL');
  }, timeoutMs);
  const { code, signal, error } = await p.exited;
  clearTimeout(t);
  return { code, signal, error, stdout: p.stdout(), stderr: p.stderrTail(), timedOut };
}

/** stop sends SIGTERM and waits up to graceMs for the exit, then SIGKILL. Resolves to whether it exited on its own. */
export async function stop(p, graceMs = 5000) {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return true;
  p.child.kill('SIGTERM');
  let t;
  const graceful = await Promise.race([p.exited.then(() => true), new Promise((r) => (t = setTimeout(() => r(false), graceMs)))]);
  clearTimeout(t);
  if (!graceful) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
  return graceful;
}

/** killAll SIGKILLs every child still alive; synchronous, so it may run in an 'exit' handler. */
export function killAll() {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
  live.clear();
}

/** liveCount reports how many children are still running. */
export const liveCount = () => live.size;

let installed = false;
/** installCleanup kills the children on exit and turns SIGINT/SIGTERM into a clean-up and exit. */
export function installCleanup(onSignal = () => {}) {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping ${live.size} child process(es)\n`);
      try {
        onSignal(sig);
      } finally {
        killAll();
        process.exit(130);
      }
    });
  }
}
