#!/usr/bin/env node
// Where one codec operation's time goes: runs it on one workload of the codec
// benchmark for a while under V8's CPU profiler and prints the functions by
// self time. The WebAssembly build is profiled through a build with names
// (asc --debug, same optimisation level), so its functions show by name.
//
//   node bench/profile-codec.mjs WORKLOAD [wasm|js] [decode|decodeCore|encode|encodeCore] [SECONDS]
//
// WORKLOAD is a substring of a workload name (bench/workloads.mjs). Nothing
// is written to docs/; the profile itself stays in a temporary folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const [only, codec = 'wasm', op = 'decode', seconds = '4'] = process.argv.slice(2);
if (!only) {
  console.error('usage: node bench/profile-codec.mjs WORKLOAD [wasm|js] [decode|decodeCore|encode|encodeCore] [SECONDS]');
  process.exit(2);
}

if (process.env.H2WASM_PROFILE_CHILD) {
  // The child: run the operation for SECONDS.
  const { readFileSync: read } = await import('node:fs');
  const { loadCore } = await import('../dist/host/index.js');
  const abi = await import('../dist/assembly/abi.js');
  const { STATIC_NAMES } = await import('../dist/host/core/static_table.js');
  const { codecWorkloads } = await import('./workloads.mjs');
  const { h2wasmCodec, prepareWorkload } = await import('./lib/codecs.mjs');
  const w = codecWorkloads({ quick: true }).find((x) => x.name.includes(only));
  if (!w) throw new Error(`no workload matches ${only}`);
  const core = await loadCore(codec === 'wasm' ? { module: new WebAssembly.Module(read(process.env.H2WASM_PROFILE_CHILD)) } : { codec: 'js' });
  const c = h2wasmCodec(core);
  const p = prepareWorkload(w, core, abi, Buffer, STATIC_NAMES);
  const arg = op.startsWith('encode') ? p.connections : p.blocks;
  const t0 = performance.now();
  let n = 0;
  do {
    c[op](arg, p.prepared);
    n++;
  } while (performance.now() - t0 < Number(seconds) * 1000);
  console.log(`${w.name}, ${codec} ${op}: ${(((performance.now() - t0) * 1e6) / n / p.nBlocks).toFixed(0)} ns/block (wall clock, under the profiler)`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'h2wasm-profile-'));
  const named = join(dir, 'h2core.named.wasm');
  execFileSync(join(root, 'node_modules/.bin/asc'), ['assembly/index.ts', '--config', 'asconfig.json', '--target', 'release', '--debug', '-o', named], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    env: { ...process.env, H2WASM_PROFILE_CHILD: named },
    stdio: 'inherit',
  });
  const prof = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))), 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? f.url.replace(/^.*\/(dist|bench|build)\//, '$1/') : ''}`.trim();
    const dt = prof.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  console.log('| self time | function |');
  console.log('| ---: | --- |');
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`| ${((t / total) * 100).toFixed(1)}% | ${k.replace(/\|/g, '\\|')} |`);
}
