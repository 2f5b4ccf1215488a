// The Worker of the workerd codec benchmark. bench/workerd.mjs bundles it
// with esbuild and runs it in workerd through miniflare; it loads h2wasm the
// way any Worker must (the compiled h2core.wasm handed to loadCore as
// { module }, the plain-JS build bundled in and handed over as { jsModule })
// and, when they load, hpack.js and hpack from npm (./peers.mjs, a separate
// bundle over nodejs_compat).
//
// Endpoints (all answer JSON):
//   POST /setup            body { workloads: [{ name, connections }] }: load the codecs, encode the blocks, warm up
//   GET  /clock?n=N        a busy loop of N steps between two performance.now() calls
//   GET  /clock-step       the smallest step of performance.now() seen over five ticks
//   GET  /calibrate?w=&op=&ms=  run one operation until the clock shows ms elapsed; answers the count
//   GET  /run?w=&op=&n=N   run one operation N times (N = 0: the empty request, for the baseline)
// Each timed answer carries { n, ms }: performance.now() around the loop.
import wasm from './h2core.wasm';
import { loadCore } from '../../dist/host/index.js';
import * as abi from '../../dist/assembly/abi.js';
import { STATIC_NAMES } from '../../dist/host/core/static_table.js';
import * as jsCore from '../../build/h2core.js';
import { CODEC_NAMES, prepareWorkload, h2wasmCodec, peerCodecs, makeOps, checkRoundTrip } from '../lib/codecs.mjs';

let state = null; // { workloads: [{ name, nBlocks, blockBytes, ops: Map }] }

async function setup(body) {
  const wasmCore = await loadCore({ module: wasm });
  const jsBuild = await loadCore({ codec: 'js', jsModule: jsCore });
  const codecs = { 'h2wasm wasm': h2wasmCodec(wasmCore), 'h2wasm js': h2wasmCodec(jsBuild) };
  let peers = null;
  let peerError = null;
  let peerStack = null;
  try {
    peers = await import('./peers.mjs');
    Object.assign(codecs, peerCodecs(peers.hpackjs, peers.HPACK));
  } catch (e) {
    peerError = `${e && e.name}: ${e && e.message}`;
    peerStack = String(e && e.stack);
  }
  const workloads = [];
  const report = [];
  for (const w of body.workloads) {
    const p = prepareWorkload(w, wasmCore, abi, peers ? peers.Buffer : null, STATIC_NAMES);
    // A codec that throws on the workload is dropped from it, with the reason.
    const failed = {};
    let roundTrip = {};
    try {
      roundTrip = checkRoundTrip(p, codecs, peers && peers.hpackjs, peers && peers.HPACK);
    } catch (e) {
      failed.roundTrip = `${e && e.name}: ${e && e.message}`;
    }
    const ops = makeOps(p, codecs);
    for (const [key, fn] of ops) {
      try {
        fn(); // warm up, and prove it runs here
      } catch (e) {
        failed[key] = `${e && e.name}: ${e && e.message}`;
        ops.delete(key);
      }
    }
    workloads.push({ name: p.name, nBlocks: p.nBlocks, blockBytes: p.blockBytes, ops });
    report.push({ name: p.name, nBlocks: p.nBlocks, blockBytes: p.blockBytes, ops: [...ops.keys()], roundTrip, failed });
  }
  state = { workloads };
  return {
    codecs: CODEC_NAMES.filter((n) => codecs[n]),
    cores: { wasm: wasmCore.codec, js: jsBuild.codec },
    peerError,
    peerStack,
    hasGlobalBuffer: typeof globalThis.Buffer !== 'undefined',
    hasWebAssembly: typeof WebAssembly !== 'undefined',
    workloads: report,
  };
}

function op(url) {
  const w = state.workloads[Number(url.searchParams.get('w'))];
  const fn = w && w.ops.get(url.searchParams.get('op'));
  if (!fn) throw new Error(`no such operation: ${url.search}`);
  return fn;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/setup') return Response.json(await setup(await request.json()));
      if (url.pathname === '/clock') {
        const n = Number(url.searchParams.get('n'));
        const t0 = performance.now();
        let x = 0;
        for (let i = 0; i < n; i++) x = (Math.imul(x, 31) + i) | 0;
        const t1 = performance.now();
        return Response.json({ n, ms: t1 - t0, x });
      }
      if (url.pathname === '/clock-step') {
        // The clock's step: the smallest change seen over a few ticks (bounded, in case it never moves).
        let step = Infinity;
        let last = performance.now();
        for (let i = 0, ticks = 0; ticks < 5 && i < 5e7; i++) {
          const t = performance.now();
          if (t !== last) {
            step = Math.min(step, t - last);
            last = t;
            ticks++;
          }
        }
        return Response.json({ step: Number.isFinite(step) ? step : null });
      }
      if (!state) throw new Error('POST /setup first');
      if (url.pathname === '/calibrate') {
        const fn = op(url);
        const want = Number(url.searchParams.get('ms'));
        let n = 0;
        const t0 = performance.now();
        let ms = 0;
        do {
          fn();
          n++;
          ms = performance.now() - t0;
        } while (ms < want);
        return Response.json({ n, ms });
      }
      if (url.pathname === '/run') {
        const n = Number(url.searchParams.get('n'));
        const fn = n > 0 ? op(url) : null;
        const t0 = performance.now();
        for (let i = 0; i < n; i++) fn();
        const t1 = performance.now();
        return Response.json({ n, ms: t1 - t0 });
      }
      return new Response('not found', { status: 404 });
    } catch (e) {
      return Response.json({ error: `${e && e.name}: ${e && e.message}`, stack: String(e && e.stack) }, { status: 500 });
    }
  },
};
