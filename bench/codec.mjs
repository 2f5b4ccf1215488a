#!/usr/bin/env node
// HPACK codec benchmark: h2wasm's WebAssembly build and JS build (same
// source) against hpack.js and hpack from npm, on the same header lists, in
// one run. Rounds alternate between codecs to cancel drift; medians reported.
//
//   node bench/codec.mjs [--quick] [--only NAME] [--json FILE] [--md FILE]
//
// For h2wasm it also splits each operation into time inside the core and
// time at the boundary (copying bytes in, making strings out). The codec
// operations are bench/lib/codecs.mjs's, the ones bench/workerd.mjs also runs
// inside workerd.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { describeMachine } from './lib/machine.mjs';
import { h2wasmCodec, makeOps, peerCodecs, prepareWorkload } from './lib/codecs.mjs';
import { median, timeRounds } from './lib/rounds.mjs';
import { loadCore } from '../dist/host/index.js';
import { corpusStories, HELLO_RESPONSE, cookieRequests, railsSequence } from './workloads.mjs';
import * as abi from '../dist/assembly/abi.js';

const require = createRequire(import.meta.url);
const hpackjs = require('hpack.js');
const HPACK = require('hpack');

const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? process.argv[onlyAt + 1] : null; // a substring of workload names
const jsonAt = process.argv.indexOf('--json');
const mdAt = process.argv.indexOf('--md');
const ROUND_MS = quick ? 60 : 250;
const ROUNDS = quick ? 3 : 7;
const machine = describeMachine(); // at the start: the load average before the run

// --- workloads: each is a list of "connections", each a list of header lists encoded with one context.
const workloads = [];
const corpus = corpusStories();
if (corpus) workloads.push({ name: 'corpus (hpack-test-case raw-data)', connections: corpus });
else console.warn('bench: ../shared/hpack-test-case is missing; skipping the corpus workload');
workloads.push({ name: 'hello response (3 fields)', connections: [Array.from({ length: 100 }, () => HELLO_RESPONSE)] });
workloads.push({ name: 'Rails-shaped response (25 fields)', connections: [railsSequence(100)] });
workloads.push({ name: 'requests with large cookies', connections: [cookieRequests(100)] });

if (only) workloads.splice(0, workloads.length, ...workloads.filter((w) => w.name.includes(only)));

// --- codecs: encode(connections) and decode(blocksPerConnection) closures, and the core-only halves for h2wasm.
const wasm = await loadCore({ codec: 'wasm' });
const js = await loadCore({ codec: 'js' });
const codecs = { 'h2wasm wasm': h2wasmCodec(wasm), 'h2wasm js': h2wasmCodec(js), ...peerCodecs(hpackjs, HPACK) };

const results = [];
for (const w of workloads) {
  const p = prepareWorkload(w, wasm, abi, Buffer);
  const { nBlocks, blockBytes } = p;
  const ops = [...makeOps(p, codecs)].map(([key, fn]) => {
    const [codec, op] = key.split('|');
    return { codec, op, fn };
  });
  process.stderr.write(`${w.name}: `);
  const samples = timeRounds(ops, { rounds: ROUNDS, roundMs: ROUND_MS, onRound: () => process.stderr.write('.') });
  process.stderr.write('\n');
  for (const o of ops) {
    const ns = median(samples.get(o)) / nBlocks;
    results.push({ workload: w.name, codec: o.codec, op: o.op, nsPerBlock: ns, mbPerSecond: blockBytes / nBlocks / ns * 1000, blocks: nBlocks, blockBytes });
  }
}

// --- report
const report = [];
const say = (line = '') => {
  report.push(line);
  console.log(line);
};
const byKey = new Map(results.map((r) => [`${r.workload}|${r.codec}|${r.op}`, r]));
say(`HPACK codec benchmark — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}${quick ? ' (quick)' : ''}\n`);
for (const w of workloads) {
  const first = results.find((r) => r.workload === w.name);
  say(`### ${w.name} — ${first.blocks} blocks, ${(first.blockBytes / first.blocks).toFixed(0)} B/block average\n`);
  say('| codec | decode ns/block | decode MB/s | encode ns/block | encode MB/s | decode vs hpack.js | encode vs hpack.js |');
  say('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const ref = (op) => byKey.get(`${w.name}|hpack.js|${op}`).nsPerBlock;
  for (const name of Object.keys(codecs)) {
    const d = byKey.get(`${w.name}|${name}|decode`);
    const e = byKey.get(`${w.name}|${name}|encode`);
    say(`| ${name} | ${d.nsPerBlock.toFixed(0)} | ${d.mbPerSecond.toFixed(1)} | ${e.nsPerBlock.toFixed(0)} | ${e.mbPerSecond.toFixed(1)} | ${(ref('decode') / d.nsPerBlock).toFixed(2)}× | ${(ref('encode') / e.nsPerBlock).toFixed(2)}× |`);
  }
  say();
  for (const name of ['h2wasm wasm', 'h2wasm js']) {
    const d = byKey.get(`${w.name}|${name}|decode`).nsPerBlock;
    const dc = byKey.get(`${w.name}|${name}|decode (core only)`).nsPerBlock;
    const e = byKey.get(`${w.name}|${name}|encode`).nsPerBlock;
    const ec = byKey.get(`${w.name}|${name}|encode (core only)`).nsPerBlock;
    say(`- ${name}: decode = ${dc.toFixed(0)} ns in the core + ${(d - dc).toFixed(0)} ns at the boundary (${((d - dc) / d * 100).toFixed(0)}%); encode = ${ec.toFixed(0)} + ${(e - ec).toFixed(0)} ns (${((e - ec) / e * 100).toFixed(0)}%)`);
  }
  const wd = byKey.get(`${w.name}|h2wasm wasm|decode`).nsPerBlock;
  const jd = byKey.get(`${w.name}|h2wasm js|decode`).nsPerBlock;
  say(`- WASM vs own JS build: decode ${(jd / wd).toFixed(2)}×, encode ${(byKey.get(`${w.name}|h2wasm js|encode`).nsPerBlock / byKey.get(`${w.name}|h2wasm wasm|encode`).nsPerBlock).toFixed(2)}×\n`);
}
if (mdAt > 0) writeFileSync(process.argv[mdAt + 1], report.join('\n') + '\n');
if (jsonAt > 0) {
  writeFileSync(process.argv[jsonAt + 1], JSON.stringify({ machine, quick, results }, null, 2));
}
