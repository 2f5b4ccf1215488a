#!/usr/bin/env node
// HPACK codec benchmark: h2wasm's WebAssembly build and JS build (same
// source) against hpack.js and hpack from npm, on the same header lists, in
// one run. Rounds alternate between codecs to cancel drift; medians reported.
//
//   node bench/codec.mjs [--quick] [--only NAME] [--json FILE] [--md FILE]
//
// For h2wasm it also splits each operation into time inside the core and
// time at the boundary (copying bytes in, making strings out).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { describeMachine } from './lib/machine.mjs';
import { loadCore } from '../dist/host/index.js';
import { corpusStories, HELLO_RESPONSE, RAILS_RESPONSE, cookieRequests } from './workloads.mjs';
import { FIELD_WORDS, FIELD_NAME_OFF, FIELD_NAME_LEN, FIELD_VALUE_OFF, FIELD_VALUE_LEN, FIELD_FLAGS } from '../dist/assembly/abi.js';

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
function railsSequence(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(RAILS_RESPONSE.map(([k, v]) => {
      if (k === 'x-request-id') return [k, `7f3c9a2e-41d5-4b8e-9c6f-${String(i).padStart(12, '0')}`];
      if (k === 'x-runtime') return [k, (0.01 + i / 1e4).toFixed(6)];
      if (k === 'etag') return [k, `W/"5e0f2a9d7c3b1f8a6e4d2c0b${String(i).padStart(6, '0')}"`];
      return [k, v];
    }));
  }
  return out;
}
const workloads = [];
const corpus = corpusStories();
if (corpus) workloads.push({ name: 'corpus (hpack-test-case raw-data)', connections: corpus });
else console.warn('bench: ../shared/hpack-test-case is missing; skipping the corpus workload');
workloads.push({ name: 'hello response (3 fields)', connections: [Array.from({ length: 100 }, () => HELLO_RESPONSE)] });
workloads.push({ name: 'Rails-shaped response (25 fields)', connections: [railsSequence(100)] });
workloads.push({ name: 'requests with large cookies', connections: [cookieRequests(100)] });

if (only) workloads.splice(0, workloads.length, ...workloads.filter((w) => w.name.includes(only)));

// --- codecs: encode(connections) and decode(blocksPerConnection) closures.
const wasm = await loadCore({ codec: 'wasm' });
const js = await loadCore({ codec: 'js' });

function h2wasmCodec(core) {
  return {
    encode(conns) {
      for (const lists of conns) {
        const enc = core.hpackEncoder();
        for (const l of lists) enc.encode(l);
        enc.close();
      }
    },
    decode(blocks) {
      for (const conn of blocks) {
        const dec = core.hpackDecoder();
        for (const b of conn) dec.decode(b);
        dec.close();
      }
    },
    // Inside the core only: bytes already in place, no strings made.
    decodeCore(blocks) {
      const b = core.binding;
      const x = b.x;
      for (const conn of blocks) {
        const h = x.hpackDecoderNew(4096, 65536);
        b.sync();
        for (const blk of conn) {
          b.in.set(blk, 0);
          x.hpackDecode(h, blk.length);
          b.sync();
        }
        x.hpackDecoderFree(h);
      }
    },
    encodeCore(conns, prepared) {
      const b = core.binding;
      const x = b.x;
      for (let c = 0; c < conns.length; c++) {
        const h = x.hpackEncoderNew(4096, 0);
        b.sync();
        for (const p of prepared[c]) {
          b.in.set(p.bytes, 0);
          b.fields.set(p.fields, 0);
          x.hpackEncode(h, p.count);
          b.sync();
        }
        x.hpackEncoderFree(h);
      }
    },
  };
}

/** prepareFields lays out a list as the encoder's input, once, for encodeCore. */
function prepareFields(list) {
  let bytes = [];
  const fields = new Int32Array(list.length * FIELD_WORDS);
  let pos = 0;
  list.forEach(([n, v], i) => {
    const w = i * FIELD_WORDS;
    fields[w + FIELD_FLAGS] = 0;
    fields[w + FIELD_NAME_OFF] = pos; fields[w + FIELD_NAME_LEN] = n.length; pos += n.length;
    fields[w + FIELD_VALUE_OFF] = pos; fields[w + FIELD_VALUE_LEN] = v.length; pos += v.length;
    bytes.push(n, v);
  });
  return { bytes: Buffer.from(bytes.join(''), 'latin1'), fields, count: list.length };
}

const peers = {
  'hpack.js': {
    encode(conns) {
      for (const lists of conns) {
        const c = hpackjs.compressor.create({ table: { size: 4096 } });
        for (const l of lists) {
          c.write(l.map(([name, value]) => ({ name, value })));
          c.read();
        }
      }
    },
    decode(blocks) {
      for (const conn of blocks) {
        const d = hpackjs.decompressor.create({ table: { size: 4096 } });
        for (const b of conn) {
          d.write(b);
          d.execute();
          while (d.read() !== null);
        }
      }
    },
  },
  hpack: {
    encode(conns) {
      for (const lists of conns) {
        const c = new HPACK();
        for (const l of lists) c.encode(l);
      }
    },
    decode(blocks) {
      for (const conn of blocks) {
        const c = new HPACK();
        for (const b of conn) c.decode(b);
      }
    },
  },
};

const codecs = { 'h2wasm wasm': h2wasmCodec(wasm), 'h2wasm js': h2wasmCodec(js), ...peers };

/** time runs fn repeatedly for about ROUND_MS and returns ns per call. */
function time(fn) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  let dt = 0n;
  do {
    fn();
    n++;
    dt = process.hrtime.bigint() - t0;
  } while (dt < BigInt(ROUND_MS) * 1_000_000n);
  return Number(dt) / n;
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const results = [];
for (const w of workloads) {
  const blocks = w.connections.map((lists) => {
    const enc = wasm.hpackEncoder();
    const out = lists.map((l) => Buffer.from(enc.encode(l)));
    enc.close();
    return out;
  });
  const prepared = w.connections.map((lists) => lists.map(prepareFields));
  const nBlocks = blocks.reduce((s, c) => s + c.length, 0);
  const blockBytes = blocks.reduce((s, c) => s + c.reduce((t, b) => t + b.length, 0), 0);
  const ops = [];
  for (const [name, c] of Object.entries(codecs)) {
    ops.push({ codec: name, op: 'decode', fn: () => c.decode(blocks) });
    ops.push({ codec: name, op: 'encode', fn: () => c.encode(w.connections) });
    if (c.decodeCore) {
      ops.push({ codec: name, op: 'decode (core only)', fn: () => c.decodeCore(blocks) });
      ops.push({ codec: name, op: 'encode (core only)', fn: () => c.encodeCore(w.connections, prepared) });
    }
  }
  for (const o of ops) o.fn(); // warm up
  const samples = new Map(ops.map((o) => [o, []]));
  process.stderr.write(`${w.name}: `);
  for (let r = 0; r < ROUNDS; r++) {
    for (const o of ops) samples.get(o).push(time(o.fn));
    process.stderr.write('.');
  }
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
