// describeMachine: what a benchmark ran on, one description for every part
// (codec, frames, server). The first three fields keep the names that
// docs/bench/codec.json has always had (`cpu`, `cores`, `node`) so old result
// files stay comparable; the rest were the server benchmark's.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
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

/** h2loadVersionSync returns e.g. "nghttp2/1.52.0", or null when h2load is not installed. */
export function h2loadVersionSync() {
  try {
    const out = execFileSync('h2load', ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /h2load\s+(\S+)/.exec(out);
    return m ? m[1] : out.trim() || null;
  } catch {
    return null;
  }
}

/**
 * describeMachine returns { cpu, cores, node, h2load, os, memoryMiB,
 * loadAverage, openFilesLimit, date }. h2load is the given version, or, when
 * none is given, looked up (null when h2load is not installed).
 */
export function describeMachine({ h2loadVersion } = {}) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    h2load: h2loadVersion === undefined ? h2loadVersionSync() : h2loadVersion,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    // The load average at start says whether something else was busy on the box.
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    openFilesLimit: openFilesLimit(),
    date: new Date().toISOString(),
  };
}

/** machineLine is the one-line description a report starts with. */
export function machineLine(m) {
  return `${m.date.slice(0, 10)} — ${m.cpu}, ${m.cores} cores, ${m.memoryMiB} MiB, ${m.os}, Node ${m.node}; load average ${m.loadAverage.join(' ')} at start`;
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
