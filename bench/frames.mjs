#!/usr/bin/env node
// Frame codec benchmark: h2wasm's WebAssembly build against its JS build (same
// source) parsing and serializing HTTP/2 frame streams, in one run. Rounds
// alternate between codecs to cancel drift; medians reported.
//
//   node bench/frames.mjs [--quick] [--only NAME] [--json FILE] [--md FILE]
//
// --only keeps the workloads whose id or name contains NAME (requests, data,
// control). Writes docs/bench/frames.md and docs/bench/frames.json unless
// --md/--json say otherwise.
//
// Parse is the server's receive path: core.frameDecoder({ hpack }) fed in
// socket-sized chunks (16 KiB and 64 KiB, frames straddling chunk ends),
// HEADERS coming out with their field lists decoded. Serialize is
// core.encodeFrames() on batches of about one socket write. As in
// bench/codec.mjs, each is also timed with the core alone (bytes already in
// the exchange buffers, no frame objects or strings made, nothing copied out)
// so the boundary's share shows.
//
// No JS frame parser from npm is compared: none is installed (hpack.js and
// hpack are HPACK only; node:http2 parses in C++ inside nghttp2 and exposes
// no frame parser).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore } from '../dist/host/index.js';
import { REC_WORDS, REC_TYPE, REC_C, FRAME_DATA } from '../dist/assembly/abi.js';
import { backgroundCpu, describeMachine, machineLine } from './lib/machine.mjs';
import { median, timeRounds } from './lib/rounds.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

// --- options
const argv = process.argv.slice(2);
function fatal(msg) {
  process.stderr.write(`bench/frames: ${msg}\nusage: node bench/frames.mjs [--quick] [--only NAME] [--json FILE] [--md FILE]\n`);
  process.exit(2);
}
const opt = (f, def) => {
  const i = argv.indexOf(f);
  if (i < 0) return def;
  if (i + 1 >= argv.length) fatal(`${f} needs a value`);
  return argv[i + 1];
};
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--quick') continue;
  if (!['--only', '--json', '--md'].includes(argv[i])) fatal(`unknown option ${argv[i]}`);
  i++;
}
const quick = argv.includes('--quick');
const only = opt('--only', null);
const JSON_FILE = opt('--json', `${ROOT}docs/bench/frames.json`);
const MD_FILE = opt('--md', `${ROOT}docs/bench/frames.md`);
const ROUND_MS = quick ? 50 : 200;
const ROUNDS = quick ? 3 : 11; // 11: on a 2-core VM single rounds vary up to 2× (CPU steal), the median needs more of them
/** SPLITS are the read sizes the decoder is fed (and the write sizes batches are cut to). */
const SPLITS = [16384, 65536];
const machine = describeMachine(); // at the start: the load average before the run
/** BUSY_WARN: the share of all CPUs other processes may keep busy before the figures are called noisy. */
const BUSY_WARN = 0.1;

const progress = (s) => process.stderr.write(s);

// --- workloads: a list of frames (FrameInit) one endpoint receives, built
// deterministically, with HEADERS fragments encoded by one HPACK context.

/** rng is mulberry32: the same stream of numbers in [0, 1) on every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** bytesOf returns n pseudo-random octets. */
function bytesOf(n, rand) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (rand() * 256) | 0;
  return b;
}

const CLIENT_SETTINGS = [[1, 65536], [2, 0], [3, 1000], [4, 6291456], [6, 262144]]; // as a browser sends them
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/** requestHeaders is the i-th request a browser-like client sends to one origin. */
function requestHeaders(i, rand) {
  const kind = rand();
  const post = kind < 0.1;
  const asset = !post && kind < 0.55;
  const path = post
    ? `/api/v1/items/${1000 + i}/comments`
    : asset
      ? `/assets/${['application', 'vendor', 'chunk-' + (i % 17)][i % 3]}-${(i * 2654435761 >>> 0).toString(16)}.${['js', 'css', 'png', 'woff2'][i % 4]}`
      : `/api/v1/items/${1000 + i}?tab=${['activity', 'files', 'people'][i % 3]}`;
  const h = [
    [':method', post ? 'POST' : 'GET'],
    [':scheme', 'https'],
    [':authority', 'app.example.com'],
    [':path', path],
    ['user-agent', UA],
    ['accept', asset ? '*/*' : 'application/json, text/plain, */*'],
    ['accept-language', 'en-US,en;q=0.9'],
    ['accept-encoding', 'gzip, deflate, br'],
    ['referer', 'https://app.example.com/dashboard'],
    ['cookie', `_app_session=${'a1b2c3d4e5f6a7b8c9d0'.repeat(3)}--${String(i >> 5).padStart(8, '0')}; theme=dark`],
  ];
  if (post) h.push(['content-type', 'application/json'], ['x-csrf-token', 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0'], ['content-length', '0']);
  return h;
}

/**
 * requestStream: what a server reads from a busy browser connection. The
 * client's SETTINGS, ACK and connection WINDOW_UPDATE, then 1,000 requests
 * (HEADERS on streams 1, 3, 5…; one in ten a POST with a 300–2,000-byte JSON
 * body in one DATA frame), a connection WINDOW_UPDATE after every fourth
 * request (the client returning window for the responses it read).
 */
function requestStream(core) {
  const rand = rng(1);
  const enc = core.hpackEncoder();
  const frames = [
    { type: 'SETTINGS', settings: CLIENT_SETTINGS },
    { type: 'WINDOW_UPDATE', streamId: 0, increment: 15663105 },
    { type: 'SETTINGS', ack: true, settings: [] },
  ];
  const lists = [];
  for (let i = 0; i < 1000; i++) {
    const streamId = 2 * i + 1;
    const list = requestHeaders(i, rand);
    const post = list[0][1] === 'POST';
    let body = null;
    if (post) {
      body = bytesOf(300 + ((rand() * 1700) | 0), rand);
      list[list.length - 1] = ['content-length', String(body.length)];
    }
    lists.push(list);
    frames.push({ type: 'HEADERS', streamId, endHeaders: true, endStream: !post, fragment: Uint8Array.from(enc.encode(list)) });
    if (post) frames.push({ type: 'DATA', streamId, endStream: true, data: body });
    if (i % 4 === 3) frames.push({ type: 'WINDOW_UPDATE', streamId: 0, increment: 4 * 16384 });
  }
  enc.close();
  return { frames, lists };
}

/**
 * dataStream: a server receiving uploads. Four POSTs of 1 MiB each (HEADERS,
 * then 64 DATA frames of 16 KiB, the last with END_STREAM), two at a time,
 * their DATA frames interleaved, as a client with two uploads in flight sends them.
 */
function dataStream(core) {
  const rand = rng(2);
  const enc = core.hpackEncoder();
  const frames = [{ type: 'SETTINGS', settings: CLIENT_SETTINGS }, { type: 'SETTINGS', ack: true, settings: [] }];
  const lists = [];
  const payload = bytesOf(16384, rand); // shared: the content does not matter to the frame layer
  const PER_UPLOAD = 64;
  for (let pair = 0; pair < 2; pair++) {
    const ids = [4 * pair + 1, 4 * pair + 3];
    for (const streamId of ids) {
      const list = [[':method', 'POST'], [':scheme', 'https'], [':authority', 'upload.example.com'], [':path', `/files/${streamId}`], ['user-agent', UA], ['content-type', 'application/octet-stream'], ['content-length', String(PER_UPLOAD * 16384)]];
      lists.push(list);
      frames.push({ type: 'HEADERS', streamId, endHeaders: true, endStream: false, fragment: Uint8Array.from(enc.encode(list)) });
    }
    for (let k = 0; k < PER_UPLOAD; k++) {
      for (const streamId of ids) frames.push({ type: 'DATA', streamId, endStream: k === PER_UPLOAD - 1, data: payload });
    }
  }
  enc.close();
  return { frames, lists };
}

/**
 * controlStream: 6,000 control frames on an established connection, in a
 * fixed pattern of ten: connection and stream WINDOW_UPDATEs (half), PINGs
 * and PING ACKs, SETTINGS (five settings) and SETTINGS ACKs.
 */
function controlStream() {
  const rand = rng(3);
  const frames = [];
  const ping = () => bytesOf(8, rand);
  for (let i = 0; i < 600; i++) {
    const s = 2 * (i % 100) + 1;
    frames.push(
      { type: 'WINDOW_UPDATE', streamId: 0, increment: 65536 },
      { type: 'WINDOW_UPDATE', streamId: s, increment: 32768 },
      { type: 'PING', data: ping() },
      { type: 'SETTINGS', settings: CLIENT_SETTINGS },
      { type: 'WINDOW_UPDATE', streamId: 0, increment: 1 + i },
      { type: 'WINDOW_UPDATE', streamId: s + 2, increment: 16384 },
      { type: 'PING', ack: true, data: ping() },
      { type: 'SETTINGS', ack: true, settings: [] },
      { type: 'WINDOW_UPDATE', streamId: s + 4, increment: 8192 },
      { type: 'WINDOW_UPDATE', streamId: 0, increment: 1024 },
    );
  }
  return { frames, lists: [] };
}

const WORKLOADS = [
  { id: 'requests', name: 'request-heavy: 1,000 browser requests (HEADERS, some DATA, WINDOW_UPDATE)', build: requestStream },
  { id: 'data', name: 'DATA-heavy: 4 × 1 MiB uploads in 16 KiB DATA frames', build: dataStream },
  { id: 'control', name: 'control frames: SETTINGS / PING / WINDOW_UPDATE mix', build: controlStream },
];
const workloads = only ? WORKLOADS.filter((w) => w.id.includes(only) || w.name.includes(only)) : WORKLOADS;
if (workloads.length === 0) fatal(`no workload matches --only ${only} (ids: ${WORKLOADS.map((w) => w.id).join(', ')})`);

// --- codecs
const cores = { 'h2wasm wasm': await loadCore({ codec: 'wasm' }), 'h2wasm js': await loadCore({ codec: 'js' }) };

/** chunksOf splits bytes into reads of `size` octets (the last shorter). */
function chunksOf(bytes, size) {
  const out = [];
  for (let o = 0; o < bytes.length; o += size) out.push(bytes.subarray(o, Math.min(o + size, bytes.length)));
  return out;
}

/** payloadOf returns the octets a frame's command carries in the `in` buffer (see host/core/frames.ts payloadBytes). */
function payloadOf(f) {
  switch (f.type) {
    case 'DATA': return f.data.length;
    case 'HEADERS': return f.fragment.length;
    case 'SETTINGS': return f.settings.length * 6;
    default: return 0;
  }
}

/** batchesOf cuts frames into write batches of at most `size` wire octets (at least one frame each). */
function batchesOf(frames, size) {
  const out = [];
  let cur = [];
  let bytes = 0;
  for (const f of frames) {
    const n = 9 + payloadOf(f);
    if (cur.length && bytes + n > size) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** parseApi: the server's receive path, frames and field lists out. */
function parseApi(core, chunks) {
  const hpack = core.hpackDecoder({ untracked: true });
  const dec = core.frameDecoder({ hpack, untracked: true });
  let n = 0;
  for (const c of chunks) n += dec.push(c).length;
  dec.close();
  hpack.close();
  return n;
}

/** parseCore: the same reads, inside the core only (records left unread, no objects).
 *  Returns the number of records; with `countFrames`, the number of whole frames
 *  (a DATA frame cut by a read end comes out as one record per piece). */
function parseCore(core, chunks, countFrames = false) {
  const b = core.binding;
  const x = b.x;
  const h = x.frameReaderNew(16384, 256 * 1024);
  const d = x.hpackDecoderNew(4096, 65536);
  x.frameReaderAttachDecoder(h, d);
  b.contextCreated();
  b.contextCreated();
  b.sync();
  let n = 0;
  for (const c of chunks) {
    for (let o = 0; o < c.length; o += b.in.length) {
      const len = Math.min(c.length - o, b.in.length);
      b.in.set(len === c.length ? c : c.subarray(o, o + len), 0);
      const count = x.frameRead(h, len);
      b.sync();
      if (!countFrames) n += count;
      else for (let i = 0; i < count; i++) if (b.records[i * REC_WORDS + REC_TYPE] !== FRAME_DATA || b.records[i * REC_WORDS + REC_C] & 2) n++;
    }
  }
  x.frameReaderFree(h);
  b.contextFreed();
  x.hpackDecoderFree(d);
  b.contextFreed();
  return n;
}

/** serializeApi: encodeFrames per batch, bytes copied out. */
function serializeApi(core, batches) {
  let n = 0;
  for (const batch of batches) n += core.encodeFrames(batch).length;
  return n;
}

/** prepareCommands captures, once, the command records and payload bytes encodeFrames lays out for each batch. */
function prepareCommands(core, batches) {
  const b = core.binding;
  return batches.map((batch) => {
    const wire = core.encodeFrames(batch);
    const payload = batch.reduce((s, f) => s + payloadOf(f), 0);
    return { count: batch.length, records: b.records.slice(0, batch.length * REC_WORDS), bytes: b.in.slice(0, payload), wire };
  });
}

/** serializeCore: frameWrite per batch with its commands put back in place; nothing copied out. */
function serializeCore(core, prepared) {
  const b = core.binding;
  const x = b.x;
  let n = 0;
  for (const p of prepared) {
    b.records.set(p.records, 0);
    b.in.set(p.bytes, 0);
    n += x.frameWrite(p.count);
    b.sync();
  }
  return n;
}

// --- checks: the benchmark must not time an error path.
const sameBytes = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
function check(w, codec, core, stream, wire) {
  const fail = (what) => {
    throw new Error(`bench/frames: ${w.id} on ${codec}: ${what}`);
  };
  const again = core.encodeFrames(stream.frames);
  if (!sameBytes(again, wire)) fail('encodeFrames wrote different bytes from the reference build');
  for (const split of SPLITS) {
    const hpack = core.hpackDecoder({ untracked: true });
    const dec = core.frameDecoder({ hpack, untracked: true });
    const out = [];
    for (const c of chunksOf(wire, split)) out.push(...dec.push(c));
    dec.close();
    hpack.close();
    if (out.length !== stream.frames.length) fail(`${split}-byte reads gave ${out.length} frames, expected ${stream.frames.length}`);
    const got = out.filter((f) => f.type === 'HEADERS').map((f) => JSON.stringify(f.headers));
    const want = stream.lists.map((l) => JSON.stringify(l));
    if (got.join('\n') !== want.join('\n')) fail(`${split}-byte reads decoded different header lists`);
    const dataIn = stream.frames.filter((f) => f.type === 'DATA').reduce((s, f) => s + f.data.length, 0);
    const dataOut = out.filter((f) => f.type === 'DATA').reduce((s, f) => s + f.data.length, 0);
    if (dataIn !== dataOut) fail(`${split}-byte reads gave ${dataOut} DATA octets, expected ${dataIn}`);
    if (parseCore(core, chunksOf(wire, split), true) !== stream.frames.length) fail(`${split}-byte reads: the core alone reported a different number of records`);
    const prepared = prepareCommands(core, batchesOf(stream.frames, split));
    for (const p of prepared) {
      const b = core.binding;
      b.records.set(p.records, 0);
      b.in.set(p.bytes, 0);
      const n = b.x.frameWrite(p.count);
      b.sync();
      if (n !== p.wire.length || !sameBytes(b.out.subarray(0, n), p.wire)) fail(`${split}-byte batches: frameWrite alone wrote different bytes`);
    }
  }
}

const OPS = ['parse', 'parse (core only)', 'serialize', 'serialize (core only)'];
const results = [];
const described = [];
const background = [await backgroundCpu(1000)]; // other processes' CPU share, before the run and after it
const T0 = Date.now();
progress(`frame benchmark${quick ? ' (quick)' : ''}: ${ROUNDS} rounds of ${ROUND_MS} ms per measurement, splits ${SPLITS.join(', ')}; ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n`);
for (const w of workloads) {
  const ref = cores['h2wasm wasm'];
  const stream = w.build(ref);
  const wire = ref.encodeFrames(stream.frames);
  const nFrames = stream.frames.length;
  const mix = {};
  for (const f of stream.frames) mix[f.type] = (mix[f.type] ?? 0) + 1;
  described.push({ id: w.id, name: w.name, frames: nFrames, bytes: wire.length, mix, headerLists: stream.lists.length });
  const ops = [];
  for (const [codec, core] of Object.entries(cores)) {
    check(w, codec, core, stream, wire);
    for (const split of SPLITS) {
      const chunks = chunksOf(wire, split);
      const batches = batchesOf(stream.frames, split);
      const prepared = prepareCommands(core, batches);
      const base = { codec, split, reads: chunks.length, writes: batches.length };
      ops.push({ ...base, op: 'parse', fn: () => parseApi(core, chunks) });
      ops.push({ ...base, op: 'parse (core only)', fn: () => parseCore(core, chunks) });
      ops.push({ ...base, op: 'serialize', fn: () => serializeApi(core, batches) });
      ops.push({ ...base, op: 'serialize (core only)', fn: () => serializeCore(core, prepared) });
    }
  }
  progress(`${w.id}: ${nFrames} frames, ${wire.length} bytes `);
  const samples = timeRounds(ops, { rounds: ROUNDS, roundMs: ROUND_MS, warmUp: 3, onRound: () => progress('.') });
  progress(` ${((Date.now() - T0) / 1000).toFixed(0)} s\n`);
  for (const o of ops) {
    const ns = median(samples.get(o));
    results.push({
      workload: w.id, codec: o.codec, op: o.op, split: o.split,
      nsPerFrame: ns / nFrames, mbPerSecond: (wire.length / ns) * 1000,
      frames: nFrames, bytes: wire.length, calls: o.op.startsWith('parse') ? o.reads : o.writes,
      nsPerPass: samples.get(o),
    });
  }
}

background.push(await backgroundCpu(1000));
const busy = background.some((b) => b !== null && b > BUSY_WARN);
if (busy) progress(`!!! other processes kept ${background.map((b) => `${(b * 100).toFixed(0)}%`).join(' (before) and ')} (after) of the CPUs busy: expect noisy figures\n`);

// --- report
const lines = [];
const say = (s = '') => lines.push(s);
const get = (w, codec, op, split) => results.find((r) => r.workload === w && r.codec === codec && r.op === op && r.split === split);
const f0 = (x) => x.toFixed(0);
const f1 = (x) => x.toFixed(1);
say('# HTTP/2 frame codec benchmark');
say();
say(`${machineLine(machine)}${quick ? '; **quick run**' : ''}.`);
say();
if (background.some((b) => b !== null)) {
  say(`Other processes' CPU use over a second before and after the run: ${background.map((b) => (b === null ? '?' : `${(b * 100).toFixed(0)}%`)).join(', ')}${busy ? ' — **the machine was busy: treat these figures as noisy**' : ''}.`);
  say();
}
say(`Generated by \`node bench/frames.mjs${argv.length ? ' ' + argv.map((a) => a.replace(ROOT, '')).join(' ') : ''}\`: ${ROUNDS} rounds of about ${ROUND_MS} ms per measurement, the measurements of one workload alternating within each round; medians; raw figures in frames.json.`);
say();
say("Codecs: h2wasm's WebAssembly build and its JS build (the same AssemblyScript source). No JS HTTP/2 frame parser from npm is installed to compare against: hpack.js and hpack are HPACK only, and node:http2 parses frames in C++ inside nghttp2 without exposing a frame parser.");
say();
say('- **parse**: `core.frameDecoder({ hpack: core.hpackDecoder() })` (the server\'s receive path), fed the stream in reads of the split size; HEADERS come out with their field lists decoded into strings, DATA payloads copied out. A fresh decoder pair per pass (the HPACK context starts empty, as the stream was encoded).');
say('- **serialize**: `core.encodeFrames(batch)` on batches of at most the split size in wire bytes (one socket write each); HEADERS fragments are already HPACK-encoded (HPACK encoding is bench/codec.mjs\'s business).');
say('- **core only**: the same core calls, with only the copy of the input into the exchange buffers around them (parse: the read; serialize: the prepared command records and payloads): no frame objects or strings made, nothing copied out. The difference from the full figure is the JS↔core boundary.');
say('- ns/frame is per wire frame; MB/s counts wire bytes (frame headers included), MB = 10^6 bytes.');
say();
for (const d of described) {
  say(`### ${d.name} — ${d.frames} frames, ${d.bytes.toLocaleString('en-US')} bytes, ${f0(d.bytes / d.frames)} B/frame average`);
  say();
  say(`Mix: ${Object.entries(d.mix).map(([t, n]) => `${n} ${t}`).join(', ')}.`);
  say();
  say('| codec | split | parse ns/frame | parse MB/s | parse, core only ns/frame | serialize ns/frame | serialize MB/s | serialize, core only ns/frame |');
  say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const split of SPLITS) {
    for (const codec of Object.keys(cores)) {
      const p = get(d.id, codec, 'parse', split);
      const pc = get(d.id, codec, 'parse (core only)', split);
      const s = get(d.id, codec, 'serialize', split);
      const sc = get(d.id, codec, 'serialize (core only)', split);
      say(`| ${codec} | ${split / 1024} KiB | ${f0(p.nsPerFrame)} | ${f1(p.mbPerSecond)} | ${f0(pc.nsPerFrame)} | ${f0(s.nsPerFrame)} | ${f1(s.mbPerSecond)} | ${f0(sc.nsPerFrame)} |`);
    }
  }
  say();
  for (const split of SPLITS) {
    const ratio = (op) => get(d.id, 'h2wasm js', op, split).nsPerFrame / get(d.id, 'h2wasm wasm', op, split).nsPerFrame;
    const share = (codec, op) => {
      const full = get(d.id, codec, op, split).nsPerFrame;
      const core = get(d.id, codec, `${op} (core only)`, split).nsPerFrame;
      return `${f0(((full - core) / full) * 100)}%`;
    };
    say(`- ${split / 1024} KiB: WASM vs own JS build: parse ${ratio('parse').toFixed(2)}×, serialize ${ratio('serialize').toFixed(2)}× (core only: ${ratio('parse (core only)').toFixed(2)}×, ${ratio('serialize (core only)').toFixed(2)}×); boundary share of parse: wasm ${share('h2wasm wasm', 'parse')}, js ${share('h2wasm js', 'parse')}; of serialize: wasm ${share('h2wasm wasm', 'serialize')}, js ${share('h2wasm js', 'serialize')}`);
  }
  say();
}
console.log(lines.join('\n'));
mkdirSync(dirname(MD_FILE), { recursive: true });
writeFileSync(MD_FILE, lines.join('\n'));
mkdirSync(dirname(JSON_FILE), { recursive: true });
writeFileSync(
  JSON_FILE,
  JSON.stringify({ machine, quick, backgroundCpu: background, config: { rounds: ROUNDS, roundMs: ROUND_MS, splits: SPLITS, ops: OPS }, codecs: Object.keys(cores), workloads: described, results }, null, 2) + '\n',
);
progress(`wrote ${MD_FILE.replace(ROOT, '')} and ${JSON_FILE.replace(ROOT, '')}\n`);
