#!/usr/bin/env node
// Where the RSS of idle connections lives: starts a server target of the
// server benchmark (bench/server/targets.mjs) in its own process, opens N idle
// connections the way the benchmark does (bench/server/idle-connections.mjs:
// preface, SETTINGS, one GET, then quiet), and splits the growth of the
// server's RSS by kind of mapping, from /proc/PID/smaps:
//   malloc   the main thread's malloc heap ([heap]: Node's sockets, libuv, off-heap buffers)
//   arenas   other threads' malloc arenas (V8's helper threads: GC worklists, compile jobs)
//   wasm     the WebAssembly memory (the core's tables and slots; h2wasm only)
//   v8       V8's heap pages (256 KiB each: the JavaScript objects and the young generation)
//   code     file-backed pages (the node binary and libraries paged in)
//   other    every other anonymous mapping
//
//   node bench/server/idle-smaps.mjs [--target wasm|node|…] [--count 1000] [--rounds 3]
import { readFileSync } from 'node:fs';
import { openIdleConnections } from './idle-connections.mjs';
import { settledRss, startServer } from './targets.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const TARGET = opt('--target', 'wasm');
const N = Number(opt('--count', '1000'));
const ROUNDS = Number(opt('--rounds', '3'));
const GUARD_MIN = 4 * 2 ** 30;
const V8_PAGE = 256 * 1024;
const ARENA_ALIGN = 64 * 2 ** 20;

/** kinds sums the Rss of the server's mappings by kind (see the header). */
function kinds(pid) {
  const maps = [];
  let cur = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: parseInt(head[1], 16), end: parseInt(head[2], 16), perm: head[3], name: head[4], rss: 0 };
      maps.push(cur);
    } else if (cur && line.startsWith('Rss:')) {
      cur.rss = Number(line.split(/\s+/)[1]);
    }
  }
  const sum = { malloc: 0, arenas: 0, wasm: 0, v8: 0, code: 0, other: 0 };
  maps.forEach((m, i) => {
    const next = maps[i + 1];
    if (m.name === '[heap]') sum.malloc += m.rss;
    else if (m.name.startsWith('/')) sum.code += m.rss;
    // A WebAssembly memory is followed by its guard region: gigabytes reserved, never mapped in.
    else if (m.perm.startsWith('rw') && next && next.perm.startsWith('---') && next.end - next.start >= GUARD_MIN) sum.wasm += m.rss;
    else if (m.end - m.start === V8_PAGE) sum.v8 += m.rss;
    // glibc gives each thread's arena a 64 MiB-aligned region.
    else if (m.start % ARENA_ALIGN === 0 && m.start >= 2 ** 46) sum.arenas += m.rss;
    else sum.other += m.rss;
  });
  return sum;
}

const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  const server = await startServer(TARGET);
  try {
    // As the benchmark does: 16 connections open and close first, so first-use code and buffers are in place.
    const warm = await openIdleConnections({ port: server.port, count: 16, timeoutMs: 10_000 });
    await warm.close();
    const before = await settledRss(server.pid);
    const a = kinds(server.pid);
    const idle = await openIdleConnections({ port: server.port, count: N, timeoutMs: 60_000 });
    const after = await settledRss(server.pid);
    const b = kinds(server.pid);
    if (idle.ready < N) throw new Error(`${idle.ready}/${N} connections ready`);
    const row = { total: (after.kib - before.kib) / N };
    for (const k of Object.keys(a)) row[k] = (b[k] - a[k]) / N;
    rows.push(row);
    console.log(`round ${round}: ${Object.entries(row).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} KiB per connection`);
    await idle.close();
  } finally {
    await server.stop();
  }
}
const median = (xs) => xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(`\ntarget ${TARGET}, ${N} idle connections, median of ${ROUNDS} rounds, KiB per connection:`);
console.log(`| ${Object.keys(rows[0]).join(' | ')} |\n| ${Object.keys(rows[0]).map(() => '---:').join(' | ')} |`);
console.log(`| ${Object.keys(rows[0]).map((k) => median(rows.map((r) => r[k])).toFixed(2)).join(' | ')} |`);
