#!/usr/bin/env node
// Where a request's CPU goes in h2wasm serve: runs the server under Node's
// sampling profiler (--cpu-prof) against one h2load workload and sorts every
// sample into the steps of a request (socket read, core calls, records walk,
// dispatch, handler, encode, flush, socket write, GC), by the nearest frame
// that names a step. Prints the share of the busy time and the microseconds
// per request of each step (busy time under the profiler / requests, so the
// total runs a little above the benchmark's CPU per request).
//
//   node bench/profile-server.mjs [--dir CHECKOUT] [--workload c1|c10|c100|browser] [--seconds 4] [--node-flags "…"]
//
// --dir profiles another built checkout (a before/after comparison); its
// server runs with the flags of the h2wasm command unless --node-flags says otherwise.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSER_FIELDS } from './server/browser-fields.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const dir = resolve(opt('--dir', ROOT));
const workload = opt('--workload', 'c10');
const seconds = Number(opt('--seconds', '4'));
const nodeFlags = opt('--node-flags', '--max-semi-space-size=32 --v8-pool-size=0').split(/\s+/).filter(Boolean);
const H2LOAD = {
  c1: ['-c1', '-m1'],
  c10: ['-c10', '-m10'],
  c100: ['-c100', '-m100'],
  browser: ['-c10', '-m10', ...BROWSER_FIELDS.flatMap((f) => ['-H', f])],
};
if (!H2LOAD[workload]) throw new Error(`--workload: c1, c10, c100 or browser, not ${workload}`);

/** STEPS: the step a frame names, by function name (our files) or by a pattern on the frame. */
const STEPS = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['socket write', (f) => /^(writeBuffer|writev|writevGeneric|writeGeneric|handleWriteReq|Socket\._writeGeneric|Socket\._writev|Socket\._write|writeOrBuffer|Writable\.write|Writable\.uncork|clearBuffer|doWrite|onwrite|afterWrite|afterWriteTick|afterWriteDispatched)$/.test(f.functionName) || (f.url.endsWith('socket-transport.js') && f.functionName === 'write')],
  ['core calls', (f) => f.url.startsWith('wasm') || f.functionName.startsWith('wasm-function') || f.url.endsWith('core/binding.js') || f.url.endsWith('core/flow.js') || f.url.endsWith('core/frames.js')],
  ['encode', (f) => /^(encode|encodeBlock|writeFields|remember|sameFields|onlyIndexed|sendHeaders|writeHeaders|respond|responseFields|addResponseField|forEachField|addField|checkValue|lowerName|httpDate|isConnectionSpecific)$/.test(f.functionName) && !f.url.endsWith('message-check.js')],
  ['handler', (f) => f.url.endsWith('demo-app.js') || f.url.endsWith('text-response.js')],
  ['dispatch', (f) => /^(afterRecords|dispatch)$/.test(f.functionName)],
  ['records walk', (f) => /^(onRecords|onHeaders|onNewPeerStream|openRequest|registerStream|checkRequest|pairsOf|applyPriority|parsePriority|read|readFields|readFlatFields|decodeFlat|ServerStream|Stream|readFrames|onData|onStreamData)$/.test(f.functionName) || f.url.endsWith('message-check.js') || f.functionName === '<instance_members_initializer>'],
  ['flush', (f) => /^(flush|flushFlow|frameData|demandTurn|layDown|endPlan|closeStream|sendEnded|queueOutput|schedule|scheduleFlush|end|write|take|frame|frameHeader|payload|reserve|copyFrom|releaseWriters|pauseReadingIfBacklogged|maybeFinish|hasSendableStream|canFrame)$/.test(f.functionName) && (f.url.includes('/engine/') || f.url.endsWith('bytes.js'))],
  ['socket read', (f) => /^(onStreamRead|readableAddChunkPushByteMode|Readable\.push|addChunk|emit|receive|readInput)$/.test(f.functionName)],
];

const out = mkdtempSync(join(tmpdir(), 'h2wasm-profile-'));
try {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = spawn(process.execPath, [...nodeFlags, '--cpu-prof', `--cpu-prof-dir=${out}`, join(dir, 'bin/h2wasm.js'), 'serve', '--host', '127.0.0.1', '--port', String(port)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  const url = `http://127.0.0.1:${port}/`;
  execFileSync('h2load', [...H2LOAD[workload], '-t1', '-D', '1', url], { stdio: 'ignore' }); // warm-up
  const report = execFileSync('h2load', [...H2LOAD[workload], '-t1', '-D', String(seconds), url], { encoding: 'utf8' });
  const requests = Number(/requests: \d+ total, \d+ started, (\d+) done/.exec(report)[1]);
  server.kill('SIGINT');
  await new Promise((r) => server.on('exit', r));
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  const profile = JSON.parse(readFileSync(join(out, file), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample i lasted timeDeltas[i + 1] µs; the profile's own bookkeeping is left out.
  const time = new Map();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    let step = 'other';
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      if (f.functionName === '(idle)' || f.functionName === '(program)') { step = f.functionName; break; }
      const hit = STEPS.find(([, match]) => match(f));
      if (hit) { step = hit[0]; break; }
    }
    if (step === '(idle)') continue;
    if (step === '(program)') step = 'other';
    time.set(step, (time.get(step) ?? 0) + dt);
    busy += dt;
  }
  const rps = /finished in [^,]+, ([\d.]+) req\/s/.exec(report)[1];
  console.log(`h2wasm serve (${dir === ROOT ? 'this checkout' : dir}) under --cpu-prof, h2load ${H2LOAD[workload].slice(0, 2).join(' ')}${workload === 'browser' ? ' + 16 browser fields' : ''} for ${seconds} s: ${requests} requests (${Math.round(rps)} req/s), busy ${(busy / 1e6).toFixed(2)} s of the main thread`);
  console.log('| step | share of busy time | µs per request |');
  console.log('| --- | ---: | ---: |');
  const order = [...STEPS.map(([name]) => name), 'other'];
  for (const name of order) {
    const t = time.get(name) ?? 0;
    console.log(`| ${name} | ${((100 * t) / busy).toFixed(1)}% | ${(t / requests).toFixed(2)} |`);
  }
  console.log(`| total | 100% | ${(busy / requests).toFixed(2)} |`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
