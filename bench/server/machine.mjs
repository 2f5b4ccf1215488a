// describeMachine: what the server benchmark ran on. The first three fields
// have the names bench/codec.mjs writes in docs/bench/codec.json (`cpu`,
// `cores`, `node`), so both reports read the same way; codec.mjs keeps its
// inline copy (importing it would run that benchmark).
import os from 'node:os';
import { readFileSync } from 'node:fs';

/** openFilesLimit returns the soft RLIMIT_NOFILE of this process (children inherit it), or null. */
export function openFilesLimit() {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return null;
  }
}

export function describeMachine({ h2loadVersion = null } = {}) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    h2load: h2loadVersion,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    // The load average at start says whether something else was busy on the box.
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    openFilesLimit: openFilesLimit(),
    date: new Date().toISOString(),
  };
}

/** cpuTimes reads the aggregate "cpu" line of /proc/stat: { busy, total } in jiffies, or null. */
function cpuTimes() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
    const idle = f[3] + (f[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * backgroundCpu measures, over ms milliseconds while the benchmark itself is
 * quiet, the share of all cores that something else keeps busy (0..1), or
 * null where /proc/stat is not there. Other work on the box is the largest
 * source of noise on a 2-core machine, so each round records it.
 */
export async function backgroundCpu(ms = 1000) {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return null;
  return (b.busy - a.busy) / (b.total - a.total);
}
