#!/usr/bin/env node
// HPACK codec benchmark inside workerd (through miniflare), beside the same
// operations in Node, in one run: h2wasm's WebAssembly build and JS build
// (same source) and, when they load in workerd, hpack.js and hpack from npm,
// on bench/codec.mjs's workloads. Rounds alternate codecs and runtimes to
// cancel drift; medians reported.
//
//   node bench/workerd.mjs [--quick] [--json FILE] [--md FILE]
//
// A full run with neither --json nor --md writes docs/bench/workerd.json and
// docs/bench/workerd.md; a --quick run writes only what it is asked to.
// Progress goes to stderr, the Markdown report to stdout.
//
// How it times (docs/bench/workerd.md says more): every run first checks
// workerd's clock with a busy loop between two performance.now() calls,
// timed from Node as well. When the clock moves during the loop (miniflare's
// local workerd: it does, in 1 ms steps), each request runs an operation a
// fixed number of times between two performance.now() calls in the Worker,
// long enough (ROUND_MS) for 1 ms steps not to matter. Node also times every
// request's round trip and subtracts the median empty-request round trip,
// which is the figure used when the clock is frozen (Workers in production
// advance it only at I/O) and a cross-check when it is not.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { loadCore } from '../dist/host/index.js';
import * as abi from '../dist/assembly/abi.js';
import { STATIC_NAMES } from '../dist/host/core/static_table.js';
import { codecWorkloads } from './workloads.mjs';
import { CODEC_NAMES, prepareWorkload, h2wasmCodec, peerCodecs, makeOps } from './lib/codecs.mjs';
import { describeMachine } from './lib/machine.mjs';
import { median } from './lib/rounds.mjs';
import { bundleEntry, bundlePeers } from './workerd/bundle.mjs';

const require = createRequire(import.meta.url);
const root = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const argAfter = (flag) => {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : null;
};
let jsonPath = argAfter('--json');
let mdPath = argAfter('--md');
if (!quick && !jsonPath && !mdPath) {
  jsonPath = root('docs/bench/workerd.json');
  mdPath = root('docs/bench/workerd.md');
}
// Many shortish rounds rather than a few long ones: the median of many
// shrugs off bursts of other work on the machine better.
const ROUND_MS = quick ? 20 : 100; // the length of one timed request (and one Node sample)
const ROUNDS = quick ? 3 : 7;
const BASELINES_PER_ROUND = 5; // empty requests per workload per round
const COMPAT_DATE = '2025-01-01';
// nodejs_compat for hpack.js and hpack (node:buffer, node:stream, …); without
// nodejs_compat_v2, so the Worker has no global Buffer and h2wasm's host runs
// the Buffer-free paths it runs in any Worker (test/edge/workerd.test.ts).
const COMPAT_FLAGS = ['nodejs_compat', 'no_nodejs_compat_v2'];

const started = performance.now();
let lineStart = true;
/** progress writes to stderr, each line stamped with the seconds since the start. */
const progress = (s) => {
  process.stderr.write((lineStart ? `[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ` : '') + s);
  lineStart = s.endsWith('\n');
};

// --- workloads: bench/codec.mjs's (bench/workloads.mjs), wires made in Node and posted to the Worker.
const workloads = codecWorkloads({ quick });
if (!workloads.some((w) => w.name.includes('hpack-test-case'))) progress('bench workerd: ../shared/hpack-test-case is missing; skipping the corpus workloads\n');

// --- machine: the description every part writes (bench/lib/machine.mjs), and what runs the Worker.
const pkgVersion = (name) => {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return null;
  }
};
const machine = {
  ...describeMachine(), // at the start: the load average before the run
  v8: process.versions.v8,
  miniflare: pkgVersion('miniflare'),
  workerd: pkgVersion('workerd'),
  esbuild: pkgVersion('esbuild'),
};

// --- the Worker
progress(`bench workerd: bundling (esbuild ${machine.esbuild}) and starting workerd ${machine.workerd} (miniflare ${machine.miniflare})\n`);
const [entryText, peers] = await Promise.all([bundleEntry(), bundlePeers()]);
const mf = new Miniflare({
  modules: [
    { type: 'ESModule', path: 'worker.mjs', contents: entryText },
    { type: 'ESModule', path: 'peers.mjs', contents: peers.text },
    { type: 'CompiledWasm', path: 'h2core.wasm', contents: readFileSync(root('build/h2core.wasm')) },
  ],
  compatibilityDate: COMPAT_DATE,
  compatibilityFlags: COMPAT_FLAGS,
});
let disposed = false;
const dispose = async () => {
  if (disposed) return;
  disposed = true;
  await mf.dispose();
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    dispose().finally(() => process.exit(130));
  });
}

/** call fetches a Worker endpoint and returns its JSON answer and Node's round-trip time in ms. */
async function call(path, init) {
  const t0 = performance.now();
  const res = await mf.dispatchFetch(`http://bench.local${path}`, init);
  const body = await res.json();
  const rtt = performance.now() - t0;
  if (!res.ok || body.error) throw new Error(`workerd ${path}: ${body.error ?? res.status}\n${body.stack ?? ''}`);
  return { body, rtt };
}

let report;
try {
  report = await run();
} finally {
  await dispose();
}
emit(report);

async function run() {
  // Setup: the corpus goes over as JSON in the request body (the Worker has no fs).
  const setupBody = JSON.stringify({ workloads });
  progress(`bench workerd: setup (${(setupBody.length / 1e6).toFixed(1)} MB of header lists)\n`);
  const setup = (await call('/setup', { method: 'POST', body: setupBody })).body;
  if (setup.peerError) progress(`bench workerd: hpack.js / hpack do not load in workerd: ${setup.peerError}\n`);
  for (const w of setup.workloads) {
    for (const [k, why] of Object.entries(w.failed)) progress(`bench workerd: ${w.name}: ${k} failed in workerd: ${why}\n`);
    for (const [k, ok] of Object.entries(w.roundTrip)) if (!ok) progress(`bench workerd: ${w.name}: ${k} does not round-trip in workerd\n`);
  }

  // The empty request: the round trip every timed request pays on top of its work.
  const baselineRtt = async (n) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push((await call('/run?w=0&n=0')).rtt);
    return out;
  };
  await baselineRtt(20); // warm the path
  const baselines = await baselineRtt(quick ? 20 : 50);
  const baseline0 = median(baselines);

  // The clock: does performance.now() move during a busy loop? The loop runs
  // long enough (≥ 200 ms) for the round trip's jitter not to matter.
  let clockN = 1_000_000;
  let probe = await call(`/clock?n=${clockN}`);
  for (let i = 0; i < 8 && probe.rtt - baseline0 < 200; i++) {
    clockN *= 2;
    probe = await call(`/clock?n=${clockN}`);
  }
  const clock = {
    loopSteps: clockN,
    insideMs: probe.body.ms,
    outsideMs: probe.rtt - baseline0,
    stepMs: (await call('/clock-step')).body.step,
  };
  clock.live = clock.insideMs > 0 && clock.insideMs > 0.7 * clock.outsideMs;
  progress(
    `bench workerd: clock check: a busy loop took ${clock.insideMs} ms by performance.now() inside workerd, ${clock.outsideMs.toFixed(1)} ms by Node's round trip less the empty request (${baseline0.toFixed(2)} ms); ` +
      `step ${clock.stepMs ?? 'none seen'} ms → ${clock.live ? 'the clock runs: timing inside the Worker' : 'the clock is frozen: timing from outside'}\n`,
  );

  // Node: the same closures on the same bytes, in this process.
  const nodeWasm = await loadCore({ codec: 'wasm' });
  const nodeJs = await loadCore({ codec: 'js' });
  const nodeCodecs = {
    'h2wasm wasm': h2wasmCodec(nodeWasm),
    'h2wasm js': h2wasmCodec(nodeJs),
    ...peerCodecs(require('hpack.js'), require('hpack')),
  };

  const plans = []; // per workload: { name, nBlocks, blockBytes, keys, workerdN, nodeN, nodeOps }
  for (const [wi, w] of setup.workloads.entries()) {
    const p = prepareWorkload(workloads[wi], nodeWasm, abi, Buffer, STATIC_NAMES);
    if (p.nBlocks !== w.nBlocks || p.blockBytes !== w.blockBytes) {
      throw new Error(`${w.name}: Node encoded ${p.nBlocks} blocks / ${p.blockBytes} B, workerd ${w.nBlocks} / ${w.blockBytes}`);
    }
    const nodeOps = makeOps(p, nodeCodecs);
    const keys = [...nodeOps.keys()].filter((k) => w.ops.includes(k));
    progress(`bench workerd: calibrating ${w.name} (${keys.length} operations, ${ROUND_MS} ms each)\n`);
    const workerdN = {};
    const nodeN = {};
    for (const k of keys) {
      workerdN[k] = await calibrateWorkerd(wi, k, clock.live, baseline0);
      const fn = nodeOps.get(k);
      fn(); // warm up
      let n = 0;
      const t0 = performance.now();
      do {
        fn();
        n++;
      } while (performance.now() - t0 < ROUND_MS);
      nodeN[k] = n;
    }
    plans.push({ name: w.name, nBlocks: w.nBlocks, blockBytes: w.blockBytes, keys, workerdN, nodeN, nodeOps, wi });
  }

  // Rounds: every operation once per round in workerd, then in Node; the order rotates each round.
  const samples = new Map(); // `${runtime}|${workload}|${key}` -> [{ n, ms, rtt? }]
  const push = (k, v) => (samples.has(k) ? samples.get(k) : samples.set(k, []).get(k)).push(v);
  const roundBaselines = [];
  for (let r = 0; r < ROUNDS; r++) {
    progress(`round ${r + 1}/${ROUNDS}: `);
    for (const plan of plans) {
      const order = plan.keys.map((_, i) => plan.keys[(i + r) % plan.keys.length]);
      for (const k of order) {
        const { body, rtt } = await call(`/run?w=${plan.wi}&op=${encodeURIComponent(k)}&n=${plan.workerdN[k]}`);
        push(`workerd|${plan.name}|${k}`, { n: body.n, ms: body.ms, rtt });
      }
      roundBaselines.push(...(await baselineRtt(BASELINES_PER_ROUND)));
      for (const k of order) {
        const fn = plan.nodeOps.get(k);
        const n = plan.nodeN[k];
        const t0 = performance.now();
        for (let i = 0; i < n; i++) fn();
        push(`node|${plan.name}|${k}`, { n, ms: performance.now() - t0 });
      }
      progress('.');
    }
    progress('\n');
  }
  const baselineMs = median([...baselines, ...roundBaselines]);

  // Figures: ns per header block, medians over rounds.
  const results = [];
  for (const plan of plans) {
    for (const k of plan.keys) {
      const [codec, op] = k.split('|');
      for (const runtime of ['workerd', 'node']) {
        const s = samples.get(`${runtime}|${plan.name}|${k}`);
        const perSample = s.map((x) => (x.ms * 1e6) / x.n / plan.nBlocks);
        const inside = median(perSample);
        const row = { runtime, workload: plan.name, codec, op, blocks: plan.nBlocks, blockBytes: plan.blockBytes, callsPerSample: s[0].n };
        if (runtime === 'workerd') {
          const outside = median(s.map((x) => ((x.rtt - baselineMs) * 1e6) / x.n / plan.nBlocks));
          row.nsPerBlockInside = inside;
          row.nsPerBlockOutside = outside;
          row.nsPerBlock = clock.live ? inside : outside;
          row.timing = clock.live ? 'inside' : 'outside';
        } else {
          row.nsPerBlock = inside;
          row.timing = 'in-process';
        }
        row.mbPerSecond = (plan.blockBytes / plan.nBlocks / row.nsPerBlock) * 1000;
        // The best round, and the median distance from the median (both by the clock the row is timed with).
        const timed = row.timing === 'outside' ? s.map((x) => ((x.rtt - baselineMs) * 1e6) / x.n / plan.nBlocks) : perSample;
        row.nsPerBlockBest = Math.min(...timed);
        row.relativeMad = median(timed.map((v) => Math.abs(v - row.nsPerBlock))) / row.nsPerBlock;
        row.samples = s;
        results.push(row);
      }
    }
  }

  // bench/codec.mjs's own Node figures, when docs/bench/codec.json is there: labelled as such, not mixed in.
  let codecJson = null;
  const codecJsonPath = root('docs/bench/codec.json');
  if (existsSync(codecJsonPath)) {
    try {
      const j = JSON.parse(readFileSync(codecJsonPath, 'utf8'));
      codecJson = { path: 'docs/bench/codec.json', machine: j.machine, quick: j.quick, results: j.results.filter((x) => x.op === 'decode' || x.op === 'encode') };
    } catch (e) {
      progress(`bench workerd: could not read docs/bench/codec.json: ${e.message}\n`);
    }
  }

  machine.loadAverageEnd = os.loadavg().map((x) => Number(x.toFixed(2))); // as bench/server.mjs records it
  return {
    elapsedSeconds: +((performance.now() - started) / 1000).toFixed(1),
    machine,
    quick,
    roundMs: ROUND_MS,
    rounds: ROUNDS,
    worker: {
      compatibilityDate: COMPAT_DATE,
      compatibilityFlags: COMPAT_FLAGS,
      codecs: setup.codecs,
      peerError: setup.peerError,
      peerStack: setup.peerStack,
      peerBuiltins: peers.builtins,
      hasGlobalBuffer: setup.hasGlobalBuffer,
      setup: setup.workloads,
    },
    clock,
    baseline: { medianMs: baselineMs, samplesMs: [...baselines, ...roundBaselines] },
    results,
    codecJson,
  };
}

/** calibrateWorkerd returns how many calls of one operation fill about ROUND_MS in workerd. */
async function calibrateWorkerd(wi, key, live, baselineMs) {
  const op = encodeURIComponent(key);
  if (live) {
    const { body } = await call(`/calibrate?w=${wi}&op=${op}&ms=${ROUND_MS}`);
    return Math.max(1, Math.round((body.n * ROUND_MS) / Math.max(body.ms, 1)));
  }
  // Frozen clock: double the count until the round trip, less the empty one,
  // is half the target (the least of three tries, against the jitter).
  let n = 1;
  for (;;) {
    const tries = [];
    for (let i = 0; i < 3; i++) tries.push((await call(`/run?w=${wi}&op=${op}&n=${n}`)).rtt - baselineMs);
    const ms = Math.min(...tries);
    if (ms >= ROUND_MS / 2 || n >= 1 << 24) return Math.max(1, Math.round((n * ROUND_MS) / Math.max(ms, 0.001)));
    n *= 2;
  }
}

// --- report
function emit(rep) {
  const lines = [];
  const say = (l = '') => lines.push(l);
  const get = (runtime, w, codec, op) => rep.results.find((x) => x.runtime === runtime && x.workload === w && x.codec === codec && x.op === op);
  const ns = (x) => (x ? x.nsPerBlock.toFixed(0) : '—');
  const mb = (x) => (x ? x.mbPerSecond.toFixed(1) : '—');
  const ratio = (a, b) => (a && b ? `${(a.nsPerBlock / b.nsPerBlock).toFixed(2)}×` : '—');
  const m = rep.machine;
  const names = CODEC_NAMES.filter((n) => rep.worker.codecs.includes(n));
  const wnames = [...new Set(rep.results.map((x) => x.workload))];
  const hasPeers = names.includes('hpack.js');

  say(`# HPACK codec benchmark inside workerd${rep.quick ? ' (quick run)' : ''}`);
  say();
  say('Generated by `node bench/workerd.mjs`; every raw figure is in `docs/bench/workerd.json`. The same workloads as `bench/codec.mjs`, run in workerd through miniflare and, in the same run, in Node.');
  say();
  say(`**Machine:** ${m.cpu}, ${m.cores} cores, ${(m.memoryMiB / 1024).toFixed(1)} GiB, ${m.os}; Node ${m.node} (V8 ${m.v8}); workerd ${m.workerd} through miniflare ${m.miniflare}; bundled with esbuild ${m.esbuild}. Load average ${m.loadAverage.join(' / ')} at the start, ${m.loadAverageEnd.join(' / ')} at the end.`);
  say();
  say(`**Worker:** compatibility date ${rep.worker.compatibilityDate}, flags \`${rep.worker.compatibilityFlags.join('`, `')}\`; global Buffer in the Worker: ${rep.worker.hasGlobalBuffer ? 'yes' : 'no'}. Codecs that ran in workerd: ${rep.worker.codecs.join(', ')}.`);
  if (rep.worker.peerError) say(`**hpack.js and hpack could not run in workerd:** \`${rep.worker.peerError}\`. Their columns are missing below; their Node figures are not shown against nothing.`);
  say();

  // Headline: WASM vs JS build and vs hpack.js, per workload, workerd beside Node.
  say('## WASM build against the JS build and hpack.js, per workload');
  say();
  say('Speed-up of h2wasm\'s WebAssembly build (times faster; above 1 means WASM wins), decode / encode, including the boundary (bytes in, strings out).');
  say();
  say(`| workload | workerd: vs JS build | Node: vs JS build |${hasPeers ? ' workerd: vs hpack.js | Node: vs hpack.js |' : ''}`);
  say(`| --- | ---: | ---: |${hasPeers ? ' ---: | ---: |' : ''}`);
  for (const w of wnames) {
    const pair = (runtime, other) =>
      `${ratio(get(runtime, w, other, 'decode'), get(runtime, w, 'h2wasm wasm', 'decode'))} / ${ratio(get(runtime, w, other, 'encode'), get(runtime, w, 'h2wasm wasm', 'encode'))}`;
    say(`| ${w} | ${pair('workerd', 'h2wasm js')} | ${pair('node', 'h2wasm js')} |${hasPeers ? ` ${pair('workerd', 'hpack.js')} | ${pair('node', 'hpack.js')} |` : ''}`);
  }
  say();

  const geo = (runtime, other, op) => {
    const r = wnames.map((w) => get(runtime, w, other, op)?.nsPerBlock / get(runtime, w, 'h2wasm wasm', op)?.nsPerBlock).filter((x) => x > 0);
    return r.length ? `${Math.exp(r.reduce((a, x) => a + Math.log(x), 0) / r.length).toFixed(2)}×` : '—';
  };
  say(`Geometric mean over the ${wnames.length} workloads — WASM vs JS build: in workerd decode ${geo('workerd', 'h2wasm js', 'decode')}, encode ${geo('workerd', 'h2wasm js', 'encode')}; in Node decode ${geo('node', 'h2wasm js', 'decode')}, encode ${geo('node', 'h2wasm js', 'encode')}.` +
    (hasPeers ? ` WASM vs hpack.js: in workerd decode ${geo('workerd', 'hpack.js', 'decode')}, encode ${geo('workerd', 'hpack.js', 'encode')}; in Node decode ${geo('node', 'hpack.js', 'decode')}, encode ${geo('node', 'hpack.js', 'encode')}.` : ''));
  say();

  for (const w of wnames) {
    const first = rep.results.find((x) => x.workload === w);
    say(`## ${w} — ${first.blocks} blocks, ${(first.blockBytes / first.blocks).toFixed(0)} B/block average`);
    say();
    say('| codec | workerd decode ns/block | MB/s | workerd encode ns/block | MB/s | decode vs hpack.js | encode vs hpack.js | Node decode ns/block | Node encode ns/block | workerd ÷ Node decode | workerd ÷ Node encode |');
    say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const n of names) {
      const d = get('workerd', w, n, 'decode');
      const e = get('workerd', w, n, 'encode');
      const nd = get('node', w, n, 'decode');
      const ne = get('node', w, n, 'encode');
      const refD = get('workerd', w, 'hpack.js', 'decode');
      const refE = get('workerd', w, 'hpack.js', 'encode');
      say(`| ${n} | ${ns(d)} | ${mb(d)} | ${ns(e)} | ${mb(e)} | ${ratio(refD, d)} | ${ratio(refE, e)} | ${ns(nd)} | ${ns(ne)} | ${ratio(d, nd)} | ${ratio(e, ne)} |`);
    }
    say();
    for (const n of ['h2wasm wasm', 'h2wasm js']) {
      const split = (runtime, op) => {
        const all = get(runtime, w, n, op);
        const core = get(runtime, w, n, `${op} (core only)`);
        if (!all || !core) return '—';
        const b = all.nsPerBlock - core.nsPerBlock;
        return `${core.nsPerBlock.toFixed(0)} ns in the core + ${b.toFixed(0)} ns at the boundary (${((b / all.nsPerBlock) * 100).toFixed(0)}%)`;
      };
      say(`- ${n} in workerd: decode = ${split('workerd', 'decode')}; encode = ${split('workerd', 'encode')}. In Node: decode = ${split('node', 'decode')}; encode = ${split('node', 'encode')}.`);
    }
    const cross = rep.results.filter((x) => x.runtime === 'workerd' && x.workload === w && (x.op === 'decode' || x.op === 'encode'));
    const dev = cross.map((x) => x.nsPerBlockOutside / x.nsPerBlockInside);
    say(`- Timed from outside (round trip less the empty request) the workerd figures come to ${Math.min(...dev).toFixed(2)}–${Math.max(...dev).toFixed(2)}× the ones timed inside.`);
    say();
  }

  if (rep.codecJson) {
    say('## Node figures from bench/codec.mjs (docs/bench/codec.json)');
    say();
    const cm = rep.codecJson.machine ?? {};
    say(`For reference, not from this run: \`bench/codec.mjs\`'s own figures as last written to docs/bench/codec.json${rep.codecJson.quick ? ' (a quick run)' : ''} (${cm.cpu ?? '?'}, Node ${cm.node ?? '?'}). The "Node" columns above come from this run, with the same closures as the Worker.`);
    say();
    say('| workload | codec | decode ns/block | encode ns/block |');
    say('| --- | --- | ---: | ---: |');
    for (const w of wnames) {
      for (const n of names) {
        const d = rep.codecJson.results.find((x) => x.workload === w && x.codec === n && x.op === 'decode');
        const e = rep.codecJson.results.find((x) => x.workload === w && x.codec === n && x.op === 'encode');
        if (d || e) say(`| ${w} | ${n} | ${d ? d.nsPerBlock.toFixed(0) : '—'} | ${e ? e.nsPerBlock.toFixed(0) : '—'} |`);
      }
    }
    say();
  }

  // How much the rounds disagree: the median absolute deviation from the median, per operation.
  const noise = (runtime) => {
    const v = rep.results.filter((x) => x.runtime === runtime).map((x) => x.relativeMad);
    return `median ${(median(v) * 100).toFixed(0)}%, worst ${(Math.max(...v) * 100).toFixed(0)}%`;
  };
  say('## Noise');
  say();
  say(`How far one operation's ${rep.rounds} rounds sit from their median (median absolute deviation ÷ median): workerd ${noise('workerd')}; Node ${noise('node')}. The load average above says how busy the machine was (other work on it shares the ${m.cores} cores). A boundary share below 0%, or a ratio near 1× that flips between runs, is inside that noise. Every round's figure, the best round and the deviation of each operation are in the JSON.`);
  say();

  const c = rep.clock;
  say('## Method');
  say();
  say(`- **The Worker.** esbuild bundles \`bench/workerd/entry.mjs\` (h2wasm's host from \`dist/\`, the plain-JS build \`build/h2core.js\`, the operations in \`bench/lib/codecs.mjs\`); \`build/h2core.wasm\` goes in as a compiled-Wasm module and is handed to \`loadCore({ module })\`, the JS build to \`loadCore({ codec: 'js', jsModule })\`, as any Worker must load them. The workloads are bench/workloads.mjs's, made in Node (the hpack-test-case folders' wires as they are, the literal shapes by bench/lib/shapes.mjs) and posted to the Worker as JSON; blocks h2wasm's encoder makes are encoded in the Worker by the WASM encoder, and Node checks it got the same block count and bytes.`);
  say(`- **hpack.js and hpack** are bundled as a second module (\`bench/workerd/peers.mjs\`) over \`nodejs_compat\`: their \`require('buffer' | 'events' | 'stream' | 'util')\` are bound to workerd's \`node:*\` modules, and their free \`Buffer\` and \`process\` are injected from \`node:buffer\` and \`node:process\`, so the Worker itself keeps no global Buffer and h2wasm runs the Buffer-free paths it runs in any Worker. Two things had to be supplied: workerd's \`node:process\` has no \`version\`, which readable-stream 2 (under hpack.js's compressor and decompressor) reads as it loads (\`process.version.slice\` → TypeError), so the peers get workerd's process with \`version: 'v20.0.0'\` added (wrangler's process polyfill supplies one too); and workerd's \`util.debuglog('stream')\` logs every call where Node's is silent without NODE_DEBUG, so the peers get a silent one. Each codec decodes the first block of each workload back to its header list before timing (all ${rep.worker.codecs.length} did${rep.worker.setup.every((w) => Object.values(w.roundTrip).every(Boolean)) ? '' : ' not: see workerd.json'}).`);
  say(`- **The clock.** Workers in production advance \`Date.now()\`/\`performance.now()\` only at I/O (a Spectre mitigation). Each run checks what this workerd does: a busy loop of ${c.loopSteps.toLocaleString('en-US')} steps between two \`performance.now()\` calls took **${c.insideMs} ms** by the Worker's clock and ${c.outsideMs.toFixed(1)} ms by Node's (round trip less the empty request); the clock moves in ${c.stepMs ?? '?'} ms steps. ${c.live ? 'So miniflare\'s local workerd keeps a running clock, at 1 ms resolution, and the figures are timed inside the Worker.' : 'The clock is frozen, so the figures are timed from outside.'}`);
  say(`- **Timing inside workerd.** Each request runs one operation a fixed number of times (calibrated once so that a request takes about ${rep.roundMs} ms) between two \`performance.now()\` calls, so one 1 ms step of the clock is about ${((1 / rep.roundMs) * 100).toFixed(1)}% of a sample (an operation slower than that runs once per request, and its step is smaller still). One operation is one pass over the workload (a fresh encoder or decoder per connection, every block through it), divided by the number of blocks.`);
  say(`- **Timing from outside**, kept for every request as a cross-check (and used alone if the clock is frozen): Node times each \`dispatchFetch\` round trip, subtracts the median round trip of an empty request (the same endpoint running zero calls; ${rep.baseline.medianMs.toFixed(2)} ms over ${rep.baseline.samplesMs.length} requests), and divides by the number of calls.`);
  say(`- **Node** runs the same closures (\`bench/lib/codecs.mjs\`) on the same bytes in this process, timed with \`performance.now()\`, each sample about ${rep.roundMs} ms. These are close to, but not the same run as, \`bench/codec.mjs\`.`);
  say(`- **Rounds.** ${rep.rounds} rounds; in each, every operation runs once in workerd and then once in Node, workload by workload, and the order of operations rotates by one each round, so drift spreads over all codecs. Figures are medians over rounds (the best round is in the JSON too). The core-only rows (bytes already in the core's buffers, no strings made) give the boundary split, as in \`bench/codec.mjs\`.`);
  say(`- **Ratios** are the other codec's ns/block over this one's: "vs JS build 1.8×" means the WASM build takes 1/1.8 of the JS build's time. "workerd ÷ Node" above 1 means slower in workerd.`);
  say();
  say(`Reproduce: \`npm run build && node bench/workerd.mjs\` (this run took ${Math.round(rep.elapsedSeconds)} s; \`--quick\` takes seconds and writes nothing unless given \`--json FILE\` / \`--md FILE\`).`);

  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  if (mdPath) {
    mkdirSync(dirname(mdPath), { recursive: true });
    writeFileSync(mdPath, text);
    progress(`bench workerd: wrote ${mdPath}\n`);
  }
  if (jsonPath) {
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, JSON.stringify(rep, null, 1) + '\n');
    progress(`bench workerd: wrote ${jsonPath}\n`);
  }
}
