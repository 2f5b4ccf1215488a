#!/usr/bin/env node
// What an idle connection holds in h2wasm serve, without V8's young generation
// in the way: runs the server in this process (run with --expose-gc), opens N
// idle connections from a child process (bench/server/idle-connections.mjs:
// preface, SETTINGS, one GET, then quiet), and compares, per connection, heap
// snapshots (by constructor) and process.memoryUsage() after forced collections.
//
//   node --expose-gc bench/server/idle-census.mjs [--count 2000] [--codec wasm|js]
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { freePort } from './targets.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const N = Number(opt('--count', '2000'));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { runServe } = await import(`${ROOT}dist/host/node/cli-serve.js`);
const port = await freePort();
void runServe(['--host', '127.0.0.1', '--port', String(port), '--codec', opt('--codec', 'wasm')]);
await new Promise((r) => setTimeout(r, 300));

/** census counts a heap snapshot's nodes by kind (constructor for objects): [count, bytes]. */
function census() {
  const file = v8.writeHeapSnapshot();
  const s = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  const nf = s.snapshot.meta.node_fields.length;
  const types = s.snapshot.meta.node_types[0];
  const by = new Map();
  for (let i = 0; i < s.nodes.length; i += nf) {
    const t = types[s.nodes[i]];
    const name = t === 'object' || t === 'closure' || t === 'native' ? `${t} ${s.strings[s.nodes[i + 1]]}` : `(${t})`;
    const e = by.get(name) ?? [0, 0];
    e[0]++;
    e[1] += s.nodes[i + 3];
    by.set(name, e);
  }
  return by;
}
function usage() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage();
}

const u0 = usage();
const c0 = census();
const child = spawn(process.execPath, [`${ROOT}bench/server/idle-connections.mjs`, '--port', String(port), '--count', String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => child.stdout.once('data', r));
// Past the engine's idle tick (250 ms): idle connections have let go of what only busy ones need.
await new Promise((r) => setTimeout(r, 1500));
const u1 = usage();
const c1 = census();
const per = (k) => Math.round((u1[k] - u0[k]) / N);
console.log(`${N} idle connections, per connection: JS heap ${per('heapUsed')} B, external ${per('external')} B (of which ArrayBuffers ${per('arrayBuffers')} B), RSS ${per('rss')} B`);
console.log('| kind | per connection, B | count per connection |');
console.log('| --- | ---: | ---: |');
const rows = [];
for (const [k, [n, b]] of c1) {
  const [n0, b0] = c0.get(k) ?? [0, 0];
  if (b - b0 > N * 16) rows.push([k, (b - b0) / N, (n - n0) / N]);
}
rows.sort((a, b) => b[1] - a[1]);
for (const [k, b, n] of rows.slice(0, 20)) console.log(`| ${k} | ${b.toFixed(0)} | ${n.toFixed(2)} |`);
child.kill();
process.exit(0);
