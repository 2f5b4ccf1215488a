#!/usr/bin/env node
// HPACK codec benchmark: h2wasm's WebAssembly build and JS build (same
// source) against hpack.js and hpack from npm, on the same blocks, in one
// run. Most decode workloads are blocks other encoders made (the
// hpack-test-case folders, literal-heavy shapes, browser-like requests):
// what a server meets. Rounds alternate between codecs to cancel drift;
// medians reported, every round's figure kept.
//
//   node bench/codec.mjs [--quick] [--only NAME] [--json FILE] [--md FILE]
//                        [--build DIR] [--label TEXT] [--before FILE.json] [--clock wall|cpu]
//
// --build DIR   measure the h2wasm build in DIR (a copy of a checkout's dist/ and build/),
//               e.g. the tree before a change, instead of this checkout's
// --before F    a JSON file of an earlier run (e.g. of --build): its ratios are shown beside these
// --clock cpu   time by the process's CPU time instead of the wall clock: on a machine other work
//               keeps busy, wall-clock rounds include the time this process waited for a core
// --rounds N, --round-ms MS, --warm-ms MS   override the defaults (7, 200, 400; --quick 3, 60, 60)
//
// For h2wasm it also splits each operation into time inside the core and
// time at the boundary (copying bytes in, making strings out). The codec
// operations are bench/lib/codecs.mjs's, the ones bench/workerd.mjs also runs
// inside workerd; the workloads are bench/workloads.mjs's codecWorkloads().
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeMachine } from './lib/machine.mjs';
import { CODEC_NAMES, checkDecodes, h2wasmCodec, makeOps, peerCodecs, prepareWorkload } from './lib/codecs.mjs';
import { median, timeRounds } from './lib/rounds.mjs';
import { codecWorkloads } from './workloads.mjs';

const require = createRequire(import.meta.url);
const hpackjs = require('hpack.js');
const HPACK = require('hpack');

const argv = process.argv.slice(2);
const argAfter = (flag) => {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : null;
};
const quick = argv.includes('--quick');
const only = argAfter('--only'); // a substring of workload names
const buildDir = argAfter('--build');
const label = argAfter('--label') ?? (buildDir ? `build in ${buildDir}` : 'this checkout');
const beforePath = argAfter('--before');
const clock = argAfter('--clock') ?? 'wall';
if (clock !== 'wall' && clock !== 'cpu') throw new Error(`bench codec: --clock wall or cpu, not ${clock}`);
const numberAfter = (flag, fallback) => (argAfter(flag) === null ? fallback : Number(argAfter(flag)));
const ROUND_MS = numberAfter('--round-ms', quick ? 60 : 200);
const ROUNDS = numberAfter('--rounds', quick ? 3 : 7);
// Warm-up: each operation runs this long before the first timed round, so
// the JIT has tiered up (the per-round figures show whether it had).
const WARM_MS = numberAfter('--warm-ms', quick ? 60 : 400);
const machine = describeMachine(); // at the start: the load average before the run

const base = buildDir ? pathToFileURL(resolve(buildDir) + '/').href : new URL('../', import.meta.url).href;
const { loadCore } = await import(new URL('dist/host/index.js', base).href);
const abi = await import(new URL('dist/assembly/abi.js', base).href);
const { STATIC_NAMES } = await import(new URL('dist/host/core/static_table.js', base).href);

let workloads = codecWorkloads({ quick });
if (only) workloads = workloads.filter((w) => w.name.includes(only));
if (!workloads.some((w) => w.name.includes('hpack-test-case'))) console.warn('bench: ../shared/hpack-test-case is missing; skipping the corpus workloads');

const wasm = await loadCore({ codec: 'wasm' });
const js = await loadCore({ codec: 'js' });
const codecs = { 'h2wasm wasm': h2wasmCodec(wasm), 'h2wasm js': h2wasmCodec(js), ...peerCodecs(hpackjs, HPACK) };

const results = [];
const dropped = []; // { workload, codec, why }
for (const w of workloads) {
  const p = prepareWorkload(w, wasm, abi, Buffer, STATIC_NAMES);
  const { nBlocks, blockBytes } = p;
  const failing = checkDecodes(p, codecs, hpackjs, HPACK);
  for (const [codec, why] of Object.entries(failing)) if (why !== null) dropped.push({ workload: w.name, codec, why });
  const ops = [...makeOps(p, codecs)]
    .map(([key, fn]) => {
      const [codec, op] = key.split('|');
      return { codec, op, fn };
    })
    .filter((o) => failing[o.codec] === null || !o.op.startsWith('decode'));
  process.stderr.write(`${w.name}: `);
  for (const o of ops) {
    const t0 = performance.now();
    do o.fn();
    while (performance.now() - t0 < WARM_MS);
  }
  const samples = timeRounds(ops, { rounds: ROUNDS, roundMs: ROUND_MS, clock, onRound: () => process.stderr.write('.') });
  process.stderr.write('\n');
  for (const o of ops) {
    const rounds = samples.get(o).map((ns) => ns / nBlocks);
    const ns = median(rounds);
    results.push({ workload: w.name, group: w.group, codec: o.codec, op: o.op, nsPerBlock: ns, mbPerSecond: blockBytes / nBlocks / ns * 1000, blocks: nBlocks, blockBytes, rounds });
  }
}
machine.loadAverageEnd = (await import('node:os')).loadavg().map((x) => Number(x.toFixed(2)));

// --- report
const report = [];
const say = (line = '') => {
  report.push(line);
  console.log(line);
};
const byKey = new Map(results.map((r) => [`${r.workload}|${r.codec}|${r.op}`, r]));
const ns = (w, codec, op, from = byKey) => from.get(`${w}|${codec}|${op}`)?.nsPerBlock;
const ratio = (a, b) => (a === undefined || b === undefined ? null : a / b);
const fmt = (x) => (x === null ? '—' : `${x.toFixed(2)}×`);
let before = null;
if (beforePath) {
  const j = JSON.parse(readFileSync(beforePath, 'utf8'));
  before = { label: j.label ?? beforePath, byKey: new Map(j.results.map((r) => [`${r.workload}|${r.codec}|${r.op}`, r])) };
}
say(`HPACK codec benchmark — ${label}; ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; load average ${machine.loadAverage.join(' ')} at start, ${machine.loadAverageEnd.join(' ')} at end${quick ? ' (quick)' : ''}`);
say(`${ROUNDS} rounds of ${ROUND_MS} ms per operation after ${WARM_MS} ms of warm-up, timed by ${clock === 'cpu' ? "the process's CPU time (--clock cpu)" : 'the wall clock'}; figures are medians over rounds, in ns per header block, strings included.\n`);
say('## Summary: WebAssembly build against hpack.js and against its own JS build\n');
say(`Targets: decode ≥ 5× hpack.js and ≥ 1.5× the JS build on every decode workload; encode ≥ 5× hpack.js on the corpus. Decode is the public \`decode()\` (a list of [name, value] pairs); "flat decode" is the lower-level \`decodeFlat()\` (one flat array per block).${before ? ` "before" columns: ${before.label}.` : ''}\n`);
const head = ['workload', 'B/block', 'WASM decode ns', 'decode vs hpack.js', 'decode vs JS build', 'flat decode vs hpack.js', 'encode vs hpack.js', 'encode vs JS build'];
if (before) head.push('before: decode vs hpack.js', 'before: decode vs JS', 'before: encode vs hpack.js', 'before: encode vs JS');
say(`| ${head.join(' | ')} |`);
say(`| --- | ${head.slice(1).map(() => '---:').join(' | ')} |`);
const summary = [];
for (const w of workloads) {
  const first = results.find((r) => r.workload === w.name);
  const row = {
    workload: w.name,
    group: w.group,
    wasmDecodeNs: ns(w.name, 'h2wasm wasm', 'decode'),
    decodeVsHpackjs: ratio(ns(w.name, 'hpack.js', 'decode'), ns(w.name, 'h2wasm wasm', 'decode')),
    decodeVsJs: ratio(ns(w.name, 'h2wasm js', 'decode'), ns(w.name, 'h2wasm wasm', 'decode')),
    flatDecodeVsHpackjs: ratio(ns(w.name, 'hpack.js', 'decode'), ns(w.name, 'h2wasm wasm', 'decode (flat list)')),
    encodeVsHpackjs: ratio(ns(w.name, 'hpack.js', 'encode'), ns(w.name, 'h2wasm wasm', 'encode')),
    encodeVsJs: ratio(ns(w.name, 'h2wasm js', 'encode'), ns(w.name, 'h2wasm wasm', 'encode')),
  };
  summary.push(row);
  const cells = [w.name, (first.blockBytes / first.blocks).toFixed(0), row.wasmDecodeNs.toFixed(0), fmt(row.decodeVsHpackjs), fmt(row.decodeVsJs), fmt(row.flatDecodeVsHpackjs), fmt(row.encodeVsHpackjs), fmt(row.encodeVsJs)];
  if (before) {
    const b = before.byKey;
    cells.push(
      fmt(ratio(ns(w.name, 'hpack.js', 'decode', b), ns(w.name, 'h2wasm wasm', 'decode', b))),
      fmt(ratio(ns(w.name, 'h2wasm js', 'decode', b), ns(w.name, 'h2wasm wasm', 'decode', b))),
      fmt(ratio(ns(w.name, 'hpack.js', 'encode', b), ns(w.name, 'h2wasm wasm', 'encode', b))),
      fmt(ratio(ns(w.name, 'h2wasm js', 'encode', b), ns(w.name, 'h2wasm wasm', 'encode', b))),
    );
  }
  say(`| ${cells.join(' | ')} |`);
}
say();
const decodeRows = summary.filter((r) => r.decodeVsHpackjs !== null);
const lowest = (k) => decodeRows.reduce((m, r) => (r[k] !== null && r[k] < m[k] ? r : m), decodeRows[0]);
if (decodeRows.length) {
  const a = lowest('decodeVsHpackjs');
  const b = lowest('decodeVsJs');
  say(`- Lowest decode ratios: ${a.decodeVsHpackjs.toFixed(2)}× hpack.js (${a.workload}), ${b.decodeVsJs.toFixed(2)}× the JS build (${b.workload}).`);
}
for (const d of dropped) say(`- ${d.codec} dropped from "${d.workload}": ${d.why}`);
say();

say('## Per workload\n');
for (const w of workloads) {
  const first = results.find((r) => r.workload === w.name);
  say(`### ${w.name} — ${first.blocks} blocks, ${(first.blockBytes / first.blocks).toFixed(0)} B/block average${w.wires ? ' (blocks made by another encoder)' : ' (blocks made by h2wasm\'s encoder)'}\n`);
  say('| codec | decode ns/block | decode MB/s | encode ns/block | decode vs hpack.js | encode vs hpack.js | decode ns per round |');
  say('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const name of CODEC_NAMES) {
    const d = byKey.get(`${w.name}|${name}|decode`);
    const e = byKey.get(`${w.name}|${name}|encode`);
    if (!d && !e) continue;
    say(`| ${name} | ${d ? d.nsPerBlock.toFixed(0) : '—'} | ${d ? d.mbPerSecond.toFixed(1) : '—'} | ${e ? e.nsPerBlock.toFixed(0) : '—'} | ${fmt(ratio(ns(w.name, 'hpack.js', 'decode'), d?.nsPerBlock))} | ${fmt(ratio(ns(w.name, 'hpack.js', 'encode'), e?.nsPerBlock))} | ${d ? d.rounds.map((x) => x.toFixed(0)).join(' ') : ''} |`);
  }
  say();
  for (const name of ['h2wasm wasm', 'h2wasm js']) {
    const d = ns(w.name, name, 'decode');
    const dc = ns(w.name, name, 'decode (core only)');
    const e = ns(w.name, name, 'encode');
    const ec = ns(w.name, name, 'encode (core only)');
    let line = `- ${name}: decode = ${dc.toFixed(0)} ns in the core + ${(d - dc).toFixed(0)} ns at the boundary (${((d - dc) / d * 100).toFixed(0)}%)`;
    const df = ns(w.name, name, 'decode (flat list)');
    if (df !== undefined) line += `; decodeFlat ${df.toFixed(0)} ns`;
    if (e !== undefined) line += `; encode = ${ec.toFixed(0)} + ${(e - ec).toFixed(0)} ns (${((e - ec) / e * 100).toFixed(0)}%)`;
    say(line);
  }
  say();
}
const mdPath = argAfter('--md');
const jsonPath = argAfter('--json');
if (mdPath) writeFileSync(mdPath, report.join('\n') + '\n');
if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ label, machine, quick, clock, roundMs: ROUND_MS, rounds: ROUNDS, warmMs: WARM_MS, summary, dropped, results }, null, 2));
