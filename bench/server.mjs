#!/usr/bin/env node
// HTTP/2 server benchmark: `h2wasm serve --codec wasm` and `--codec js`, and
// the servers a user would pick instead — nghttpd, h2o, Deno.serve, Bun's
// node:http2 and Node's own http2 (the reference, bench/node-http2-server.mjs)
// — serving the same answers, measured in the same run, the order of the
// targets turning each round; medians and per-round ratios to the reference.
// A peer that is not installed gets an empty column and a warning.
//
//   node bench/server.mjs [--quick] [--only c1,c10,c100,browser,tls,download,upload,idle]
//                         [--md FILE] [--json FILE]
//
// Writes docs/bench/server.md and docs/bench/server.json unless --md/--json
// say otherwise. Progress goes to stderr. Needs h2load (apt-get install
// nghttp2-client) for the request-rate workloads and the download; without it
// those are skipped (the download falls back to a Node client).
//
// Options for checking the benchmark itself (not in --help):
//   --targets a,b,…     targets in column order, the last being the reference;
//                       names: wasm, js, before (H2WASM_BEFORE=a built checkout),
//                       wasm-v8 (Node's and V8's defaults), workers2, node, nghttpd, h2o,
//                       deno, bun (bench/server/targets.mjs); default
//                       wasm,js,nghttpd,h2o,deno,bun,node.
//                       `--targets node,node` measures node:http2 against itself: the noise floor.
//   --rounds N          rounds (default 5, quick 3)
//   --duration S        seconds per h2load run (default 4, quick 1)
//   --idle N            idle connections (default 1000, quick 200)
//   --idle-wait S       seconds the idle connections sit before the second RSS reading (default 25, quick 5)
//   --node-flags "…"    node flags for every server (default none)
//
// Servers: each round starts a fresh process per target (all targets up at
// once, each on its own ports), then runs every workload on A, then B, then C
// before the next workload, and stops them with SIGTERM at the round's end.
// See docs/bench/server.md ("Method") for why.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { backgroundCpu, describeMachine, openFilesLimit } from './lib/machine.mjs';
import { median } from './lib/rounds.mjs';
import { installCleanup, killAll, run } from './server/children.mjs';
import { h2load, h2loadVersion, INSTALL_HINT } from './server/h2load.mjs';
import { openIdleConnections } from './server/idle-connections.mjs';
import { BROWSER_FIELDS } from './server/browser-fields.mjs';
import { TARGETS, unavailable, startServer, settledRss, treeCpuMs } from './server/targets.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TRANSFER = `${ROOT}bench/server/transfer.mjs`;

// --- options
const argv = process.argv.slice(2);
const has = (f) => argv.includes(f);
const opt = (f, def) => {
  const i = argv.indexOf(f);
  if (i < 0) return def;
  if (i + 1 >= argv.length) fatal(`${f} needs a value`);
  return argv[i + 1];
};
function fatal(msg) {
  process.stderr.write(`bench/server: ${msg}\n`);
  process.exit(2);
}
const known = new Set(['--quick', '--only', '--md', '--json', '--targets', '--rounds', '--duration', '--idle', '--idle-wait', '--node-flags']);
for (let i = 0; i < argv.length; i++) {
  if (!known.has(argv[i])) fatal(`unknown option ${argv[i]}\nusage: node bench/server.mjs [--quick] [--only ${'c1,c10,…'}] [--md FILE] [--json FILE]`);
  if (argv[i] !== '--quick') i++;
}
const quick = has('--quick');
const ROUNDS = Number(opt('--rounds', quick ? 3 : 5));
const DURATION_S = Number(opt('--duration', quick ? 1 : 4));
const WARMUP = quick ? '250ms' : '1s'; // h2load --warm-up-time before each timed run
let IDLE_N = Number(opt('--idle', quick ? 200 : 1000));
/** IDLE_WAIT_S: how long the idle connections sit before the second RSS reading. */
const IDLE_WAIT_S = Number(opt('--idle-wait', quick ? 5 : 25));
const TRANSFER_BYTES = 100 * 2 ** 20; // 104857600
const WARM_TRANSFER_BYTES = 4 * 2 ** 20;
const NODE_FLAGS = opt('--node-flags', '').split(/\s+/).filter(Boolean);
const MD_FILE = opt('--md', `${ROOT}docs/bench/server.md`);
const JSON_FILE = opt('--json', `${ROOT}docs/bench/server.json`);
const targetNames = opt('--targets', 'wasm,js,nghttpd,h2o,deno,bun,node').split(',').filter(Boolean);
for (const t of targetNames) if (!TARGETS[t]) fatal(`unknown target ${t} (known: ${Object.keys(TARGETS).join(', ')})`);
if (targetNames.length < 2) fatal('--targets needs at least two targets (the last one is the reference)');
if (!(ROUNDS >= 1 && DURATION_S > 0 && IDLE_N >= 1)) fatal('--rounds, --duration and --idle must be positive');

// --- workloads and the figures they produce
/** DOWNLOAD_REPEATS: timed 100 MiB downloads per round (the median is kept). */
const DOWNLOAD_REPEATS = 7;

// kind 'h2load': a timed h2load run on `/`; 'download'/'upload': 100 MB; 'idle': RSS per connection.
// Idle memory comes first, on servers that have served nothing but the
// readiness probes, so the heap is not still shrinking after the load runs.
const WORKLOADS = [
  { id: 'idle', kind: 'idle', label: 'idle connections' },
  { id: 'c1', kind: 'h2load', tls: false, c: 1, m: 1, label: 'h2c -c1 -m1 on /' },
  { id: 'c10', kind: 'h2load', tls: false, c: 10, m: 10, label: 'h2c -c10 -m10 on /' },
  { id: 'c100', kind: 'h2load', tls: false, c: 100, m: 100, label: 'h2c -c100 -m100 on /' },
  { id: 'browser', kind: 'h2load', tls: false, c: 10, m: 10, headers: true, label: 'h2c -c10 -m10 on / with 15 browser-like request fields and a cookie' },
  { id: 'tls', kind: 'h2load', tls: true, c: 10, m: 10, label: 'h2 (TLS, ALPN) -c10 -m10 on /' },
  { id: 'download', kind: 'download', label: '100 MiB download, GET /bytes' },
  { id: 'upload', kind: 'upload', label: '100 MiB upload to /echo (echo discarded)' },
];
// METRICS are the table rows: one figure of one workload each.
const METRICS = [
  { workload: 'c1', id: 'c1.rps', label: 'h2c -c1 -m1, req/s', better: 'higher', get: (f) => f.reqPerSec, fmt: 0 },
  { workload: 'c1', id: 'c1.latency', label: 'h2c -c1 -m1, mean latency µs', better: 'lower', get: (f) => f.latencyMeanUs, fmt: 1 },
  { workload: 'c10', id: 'c10.rps', label: 'h2c -c10 -m10, req/s', better: 'higher', get: (f) => f.reqPerSec, fmt: 0 },
  { workload: 'c10', id: 'c10.cpu', label: 'h2c -c10 -m10, server CPU µs per request', better: 'lower', get: (f) => f.cpuUsPerRequest, fmt: 2 },
  { workload: 'c100', id: 'c100.rps', label: 'h2c -c100 -m100, req/s', better: 'higher', get: (f) => f.reqPerSec, fmt: 0 },
  { workload: 'c100', id: 'c100.cpu', label: 'h2c -c100 -m100, server CPU µs per request', better: 'lower', get: (f) => f.cpuUsPerRequest, fmt: 2 },
  { workload: 'browser', id: 'browser.rps', label: 'h2c -c10 -m10 browser-like requests, req/s', better: 'higher', get: (f) => f.reqPerSec, fmt: 0 },
  { workload: 'browser', id: 'browser.cpu', label: 'h2c -c10 -m10 browser-like requests, server CPU µs per request', better: 'lower', get: (f) => f.cpuUsPerRequest, fmt: 2 },
  { workload: 'tls', id: 'tls.rps', label: 'h2 over TLS -c10 -m10, req/s', better: 'higher', get: (f) => f.reqPerSec, fmt: 0 },
  { workload: 'download', id: 'download.mbps', label: '100 MiB download, MB/s', better: 'higher', get: (f) => f.mbPerSec, fmt: 0 },
  { workload: 'upload', id: 'upload.mbps', label: '100 MiB upload to /echo, MB/s', better: 'higher', get: (f) => f.mbPerSec, fmt: 0 },
  { workload: 'idle', id: 'idle.kib', label: 'RSS per idle connection, KiB, right after they opened', better: 'lower', get: (f) => f.kibPerConnection, fmt: 1 },
  { workload: 'idle', id: 'idle.kib.idled', label: 'RSS per idle connection, KiB, once the server idled (--idle-wait)', better: 'lower', get: (f) => f.kibPerConnectionIdled, fmt: 1 },
];

const onlyIds = opt('--only', null)?.split(',').filter(Boolean);
if (onlyIds) for (const id of onlyIds) if (!WORKLOADS.some((w) => w.id === id)) fatal(`unknown workload ${id} (known: ${WORKLOADS.map((w) => w.id).join(', ')})`);
let workloads = onlyIds ? WORKLOADS.filter((w) => onlyIds.includes(w.id)) : WORKLOADS;

// --- progress and loud failures
const T0 = Date.now();
const elapsed = () => `${((Date.now() - T0) / 1000).toFixed(0).padStart(4)}s`;
const progress = (s) => process.stderr.write(`[${elapsed()}] ${s}\n`);
const warnings = [];
const warn = (s) => {
  warnings.push(s);
  process.stderr.write(`\n!!! ${s}\n\n`);
};

// Bounded in time: each child has its own timeout; this is the backstop.
const budgetMs = (ROUNDS * targetNames.length * (workloads.length * (DURATION_S + 30) + 60) + 120) * 1000;
const watchdog = setTimeout(() => {
  warn(`the benchmark ran past its ${Math.round(budgetMs / 1000)} s budget; killing every server and stopping`);
  killAll();
  process.exit(1);
}, budgetMs);
watchdog.unref();
installCleanup();

// --- tools and limits
const h2loadV = await h2loadVersion();
if (!h2loadV) {
  warn(`${INSTALL_HINT}. Skipping the h2load workloads (c1, c10, c100, tls); the download uses a Node http2 client instead.`);
  workloads = workloads.filter((w) => w.kind !== 'h2load');
}
if (workloads.some((w) => w.kind === 'idle')) {
  // The harness holds IDLE_N sockets and so does the server (both inherit this limit).
  const limit = openFilesLimit();
  const margin = 256;
  if (limit !== null && limit < IDLE_N + margin) {
    const n = Math.max(0, limit - margin);
    warn(`ulimit -n is ${limit}: lowering idle connections from ${IDLE_N} to ${n} (raise it with \`ulimit -n ${IDLE_N + margin}\`)`);
    IDLE_N = n;
    if (n < 50) {
      warn('too few file descriptors for the idle-connection workload; skipping it');
      workloads = workloads.filter((w) => w.kind !== 'idle');
    }
  }
}
if (workloads.length === 0) fatal('nothing to run');

// Targets: columns A, B, C…; the last is the reference for ratios.
const LETTERS = 'ABCDEFGH';
const targets = targetNames.map((name, i) => {
  const t = TARGETS[name];
  const dup = targetNames.filter((n) => n === name).length > 1;
  return { name, letter: LETTERS[i], label: dup ? `${t.label} (${LETTERS[i]})` : t.label, why: unavailable(name), argv: null };
});
for (const t of targets) if (t.why) warn(`${t.letter} = ${t.label} cannot run: ${t.why}. Its column will be empty.`);
const ref = targets.at(-1);
const machine = describeMachine({ h2loadVersion: h2loadV });
progress(`server benchmark${quick ? ' (quick)' : ''}: ${ROUNDS} rounds × [${workloads.map((w) => w.id).join(', ')}] × [${targets.map((t) => `${t.letter}=${t.label}`).join(', ')}]; ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, h2load ${h2loadV ?? 'missing'}, load average ${machine.loadAverage.join(' ')}`);

// --- one measurement of one workload on one server. Resolves to
// { ok, problems, figures, raw }; never throws.
async function measure(w, server) {
  try {
    if (w.kind === 'h2load') {
      if (w.tls && server.tlsPort === null) return { ok: false, quiet: true, problems: [`${server.label} is measured on h2c only`] };
      const url = w.tls ? `https://127.0.0.1:${server.tlsPort}/` : `http://127.0.0.1:${server.port}/`;
      const args = ['-c', String(w.c), '-m', String(w.m), '-t', '1', '-D', `${DURATION_S}`, `--warm-up-time=${WARMUP}`, ...(w.headers ? BROWSER_FIELDS.flatMap((f) => ['-H', f]) : []), url];
      // The server's CPU over the timed part: sampled once the warm-up is over and when h2load is done.
      const running = h2load(args, { timeoutMs: (DURATION_S + 30) * 1000, wantProtocol: w.tls ? 'h2' : 'h2c' });
      await new Promise((r) => setTimeout(r, parseFloat(WARMUP) * (WARMUP.endsWith('ms') ? 1 : 1000)));
      const cpuStart = treeCpuMs(server.pid);
      const r = await running;
      const cpuEnd = treeCpuMs(server.pid);
      const f = r.result && {
        reqPerSec: r.result.reqPerSec,
        cpuUsPerRequest: cpuStart !== null && cpuEnd !== null && r.result.requests?.done > 0 ? ((cpuEnd - cpuStart) * 1000) / r.result.requests.done : null,
        latencyMeanUs: r.result.latency ? r.result.latency.mean * 1e6 : null,
        latency: r.result.latency,
        seconds: r.result.seconds,
        mbPerSecReported: r.result.mbPerSecReported,
        requests: r.result.requests,
        protocol: r.result.protocol,
      };
      return { ok: r.ok, problems: r.problems, figures: f, raw: { argv: r.argv, lines: r.result?.lines, stderr: r.stderr } };
    }
    if (w.kind === 'download' && h2loadV) {
      const url = (n) => `http://127.0.0.1:${server.port}/bytes?n=${n}`;
      // A 100 MiB transfer takes a tenth of a second here, shorter than the machine's hiccups: warm
      // up with one, then time DOWNLOAD_REPEATS of them, each a fresh connection, and keep the median.
      await h2load(['-n', '1', '-c', '1', '-m', '1', url(TRANSFER_BYTES)], { timeoutMs: 60_000 }); // warm-up, not measured
      const runs = [];
      const problems = [];
      let last;
      for (let k = 0; k < DOWNLOAD_REPEATS; k++) {
        const r = await h2load(['-n', '1', '-c', '1', '-m', '1', url(TRANSFER_BYTES)], { timeoutMs: 60_000, wantProtocol: 'h2c' });
        last = r;
        problems.push(...r.problems);
        if (r.result && r.result.dataBytes !== TRANSFER_BYTES) problems.push(`received ${r.result.dataBytes} body bytes, expected ${TRANSFER_BYTES}`);
        if (r.result) runs.push({ mbPerSec: r.result.dataBytes / r.result.seconds / 1e6, seconds: r.result.seconds, bytes: r.result.dataBytes });
      }
      runs.sort((a, b) => a.mbPerSec - b.mbPerSec);
      const mid = runs[Math.floor(runs.length / 2)];
      const f = mid && { ...mid, runs: runs.map((x) => x.mbPerSec), client: `h2load, median of ${DOWNLOAD_REPEATS}` };
      return { ok: problems.length === 0 && runs.length === DOWNLOAD_REPEATS, problems, figures: f, raw: { argv: last?.argv, lines: last?.result?.lines, stderr: last?.stderr } };
    }
    if (w.kind === 'download' || w.kind === 'upload') {
      const mode = w.kind;
      const args = (n) => [TRANSFER, '--url', `http://127.0.0.1:${server.port}`, '--mode', mode, '--bytes', String(n), '--timeout-ms', '100000'];
      await run(process.execPath, args(WARM_TRANSFER_BYTES), { timeoutMs: 30_000 }); // warm-up, not measured
      const r = await run(process.execPath, args(TRANSFER_BYTES), { timeoutMs: 110_000 });
      let out;
      try {
        out = JSON.parse(r.stdout.trim().split('\n').at(-1));
      } catch {
        return { ok: false, problems: [`transfer client: ${r.timedOut ? 'timed out' : `exit ${r.code}`}`], raw: { stderr: (r.stderr + r.stdout).slice(-2000) } };
      }
      const problems = out.ok ? [] : [out.error ?? 'transfer failed'];
      return { ok: out.ok, problems, figures: { mbPerSec: out.mbPerSec, seconds: out.seconds, bytes: out.bytesReceived, bytesSent: out.bytesSent, client: 'node:http2 client (bench/server/transfer.mjs)' }, raw: {} };
    }
    if (w.kind === 'idle') return await measureIdle(server);
    throw new Error(`no such workload kind ${w.kind}`);
  } catch (err) {
    return { ok: false, problems: [`harness error: ${err.stack ?? err}`] };
  }
}

/**
 * measureIdle: on a server that has so far only answered the readiness
 * probes, open and close 16 idle connections (so first-use code and buffers
 * are in place), read VmRSS once it settles, open IDLE_N idle connections,
 * wait until every one has exchanged SETTINGS and served one GET, let it settle, read VmRSS
 * again; (after - before) / IDLE_N.
 */
async function measureIdle(server) {
  const warm = await openIdleConnections({ port: server.port, count: 16, timeoutMs: 10_000 });
  await warm.close();
  const before = await settledRss(server.pid);
  const idle = await openIdleConnections({ port: server.port, count: IDLE_N, timeoutMs: 60_000 });
  try {
    const after = await settledRss(server.pid);
    // V8 keeps the young generation the burst of connections grew until its memory reducer runs
    // on an idle process (about 20 s here): the second figure is the RSS once the server has idled.
    await new Promise((r) => setTimeout(r, IDLE_WAIT_S * 1000));
    const idled = await settledRss(server.pid, { afterMs: 0 });
    const stillReady = idle.ready;
    const problems = [];
    if (idle.ready < IDLE_N || stillReady < IDLE_N) problems.push(`${stillReady}/${IDLE_N} connections ready (failures ${JSON.stringify(idle.failures)})`);
    if (before.kib === null || after.kib === null) problems.push('could not read VmRSS (is the server still running?)');
    const figures = before.kib !== null && after.kib !== null && {
      kibPerConnection: (after.kib - before.kib) / IDLE_N,
      kibPerConnectionIdled: idled.kib === null ? null : (idled.kib - before.kib) / IDLE_N,
      idleWaitSeconds: IDLE_WAIT_S,
      connections: IDLE_N,
      rssBeforeKiB: before.kib,
      rssAfterKiB: after.kib,
      openSeconds: idle.seconds,
    };
    return { ok: problems.length === 0, problems, figures, raw: { rssSamplesBefore: before.samples, rssSamplesAfter: after.samples } };
  } finally {
    await idle.close();
  }
}

// --- the rounds
const samples = []; // { round, target, letter, workload, ok, problems, figures, raw }
const record = (s) => {
  samples.push(s);
  if (!s.ok && !s.quiet) warn(`FAILED measurement: round ${s.round}, ${s.workload} on ${s.letter} = ${s.target}: ${s.problems.join('; ')}${s.raw?.stderr ? `\n${s.raw.stderr}` : ''}`);
};
const show = (w, f) => {
  if (!f) return '';
  if (w.kind === 'h2load') return `${Math.round(f.reqPerSec).toLocaleString('en-US')} req/s${w.id === 'c1' ? `, mean ${f.latencyMeanUs.toFixed(0)} µs` : ''}`;
  if (w.kind === 'idle') return `${f.kibPerConnection.toFixed(1)} KiB/conn (RSS ${f.rssBeforeKiB} → ${f.rssAfterKiB} KiB), ${f.kibPerConnectionIdled?.toFixed(1)} KiB/conn after ${f.idleWaitSeconds} s idle`;
  return `${f.mbPerSec.toFixed(0)} MB/s`;
};
const stops = [];

/**
 * compareHelloHeaders warns when the targets do not answer `GET /` with the
 * same response headers (names and values; only the date's value may differ),
 * since a server that sends less does less work.
 */
function compareHelloHeaders() {
  const norm = (h) => JSON.stringify(Object.entries(h).map(([k, v]) => [k, k === 'date' ? '(a date)' : String(v)]).sort());
  const seen = targets.filter((t) => t.helloHeaders);
  for (const t of seen) {
    if (norm(t.helloHeaders) !== norm(seen.at(-1).helloHeaders)) {
      warn(`GET / response headers differ: ${t.letter} = ${t.label} sends ${norm(t.helloHeaders)}, ${seen.at(-1).letter} = ${seen.at(-1).label} sends ${norm(seen.at(-1).helloHeaders)}`);
    }
  }
}

const background = []; // per round: share of the CPUs busy with other work just before it
const BUSY_WARN = 0.1;

for (let round = 1; round <= ROUNDS; round++) {
  const servers = new Map(); // target index → server
  try {
    const bg = await backgroundCpu(1000);
    background.push(bg);
    if (bg !== null) progress(`round ${round}/${ROUNDS}: other processes kept ${(bg * 100).toFixed(0)}% of the CPUs busy over the last second`);
    if (bg !== null && bg > BUSY_WARN) warn(`round ${round}: the machine is busy with other work (${(bg * 100).toFixed(0)}% of all CPUs before the round); expect noisy figures`);
    for (const [i, t] of targets.entries()) {
      if (t.why) continue;
      try {
        const s = await startServer(t.name, { nodeFlags: NODE_FLAGS });
        servers.set(i, s);
        t.argv ??= s.argv.replace(/--port \d+ --tls-port \d+/, '--port P --tls-port Q');
        t.helloHeaders ??= s.helloHeaders;
        progress(`round ${round}/${ROUNDS}: ${t.letter} = ${t.label} up (pid ${s.pid}, h2c :${s.port}, h2 :${s.tlsPort})`);
      } catch (err) {
        warn(`round ${round}: ${t.letter} = ${t.label} did not start: ${err.message}`);
        record({ round, target: t.label, letter: t.letter, workload: 'start', ok: false, problems: [err.message], quiet: true });
        // Do not retry a target that never came up.
        if (round === 1) t.why = `did not start: ${err.message.split('\n').filter(Boolean).slice(0, 2).join(' ')}`;
      }
    }
    if (round === 1) compareHelloHeaders();
    // The order of the targets turns by one each round: the first one measured in a round was seen to
    // do 1.5-2x worse than the same build measured later (a same-build run, targets a,b,b,a), so a
    // fixed order would charge that to whichever target comes first.
    const order = [...targets.entries()];
    for (let k = 0; k < (round - 1) % order.length; k++) order.push(order.shift());
    for (const w of workloads) {
      for (const [i, t] of order) {
        const s = servers.get(i);
        if (!s) continue;
        const gone = () => s.proc.child.exitCode !== null || s.proc.child.signalCode !== null;
        const how = () => `exit code ${s.proc.child.exitCode}, signal ${s.proc.child.signalCode}; its stderr ends:\n${s.proc.stderrTail().slice(-2000)}`;
        if (gone()) {
          record({ round, target: t.label, letter: t.letter, workload: w.id, ok: false, problems: [`server exited earlier in the round (${how()})`] });
          continue;
        }
        const m = await measure(w, s);
        // h2load -D does not count requests lost with a dead connection as
        // failed, so a server that died during the run fails the run here.
        if (gone()) {
          m.ok = false;
          m.problems = [...(m.problems ?? []), `server exited during the run (${how()})`];
        }
        record({ round, target: t.label, letter: t.letter, workload: w.id, ...m });
        if (m.ok) progress(`round ${round}/${ROUNDS}: ${w.id.padEnd(8)} ${t.letter} = ${t.label.padEnd(14)} ${show(w, m.figures)}`);
      }
    }
  } finally {
    for (const [i, s] of servers) {
      const graceful = await s.stop();
      stops.push({ round, target: targets[i].label, graceful });
      if (!graceful) warn(`round ${round}: ${targets[i].label} did not exit within 5 s of SIGTERM; killed`);
    }
  }
}

// --- summary: medians of good samples; ratios per round (pairs where both are good), then their median.
const sampleOf = (round, t, wid) => samples.find((s) => s.round === round && s.letter === t.letter && s.workload === wid);
const metrics = METRICS.filter((m) => workloads.some((w) => w.id === m.workload));
const summary = metrics.map((m) => {
  const row = { metric: m.id, label: m.label, better: m.better, targets: {}, ratios: {} };
  for (const t of targets) {
    const all = samples.filter((s) => s.letter === t.letter && s.workload === m.workload);
    const good = all.filter((s) => s.ok).map((s) => m.get(s.figures));
    row.targets[t.letter] = { label: t.label, median: median(good), values: good, failed: all.length - good.length, runs: all.length };
  }
  for (const t of targets.slice(0, -1)) {
    const rs = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const a = sampleOf(round, t, m.workload);
      const c = sampleOf(round, ref, m.workload);
      // A ratio needs a positive reference (an idle-memory delta can be 0 or below within noise).
      if (a?.ok && c?.ok && m.get(c.figures) > 0) rs.push(m.get(a.figures) / m.get(c.figures));
    }
    row.ratios[`${t.letter}/${ref.letter}`] = { median: median(rs), min: rs.length ? Math.min(...rs) : null, max: rs.length ? Math.max(...rs) : null, perRound: rs };
  }
  return row;
});

// --- report
machine.loadAverageEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
const fmtNum = (v, d) => (v === null ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const lines = [];
const say = (s = '') => lines.push(s);
const failedCount = samples.filter((s) => !s.ok).length;
say('# HTTP/2 server benchmark');
say();
say(`${machine.date.slice(0, 10)} — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryMiB} MiB, ${machine.os}, Node ${machine.node}, h2load ${h2loadV ?? '(missing)'}; load average ${machine.loadAverage.join(' ')} at start, ${machine.loadAverageEnd.join(' ')} at the end${quick ? '; **quick run**' : ''}.`);
// Other processes busy before a round (measured over a second, our own servers idle) mean other
// work shared the CPUs: the figures are not a result. (The load average is not the test: it still
// counts this benchmark's own earlier runs for minutes after they end.)
if (background.some((b) => b !== null && b > 0.25)) {
  say();
  say(`**Busy machine: other processes used over a quarter of the CPUs before a round. Figures from this run are not a result; rerun on a quiet machine.**`);
  warn('busy machine: these figures are not a result');
}
say();
if (background.some((b) => b !== null)) {
  const busy = background.filter((b) => b !== null && b > BUSY_WARN).length;
  say(`Other processes' CPU use just before each round: ${background.map((b) => (b === null ? '?' : `${(b * 100).toFixed(0)}%`)).join(', ')}${busy ? ` — **the machine was busy before ${busy} of ${ROUNDS} rounds: treat these figures as noisy**` : ''}.`);
  say();
}
say(`Generated by \`node bench/server.mjs${argv.length ? ' ' + argv.join(' ') : ''}\`: ${ROUNDS} rounds; raw figures of every round in server.json.`);
say();
for (const t of targets) say(`- **${t.letter}** = ${t.label}${t.argv ? `: \`${t.argv.replace(ROOT, '')}\`` : ''}${t.why ? ` — **not measured: ${t.why}**` : ''}`);
say();
if (failedCount || warnings.length) {
  say(`**Warning: ${failedCount} failed measurement(s)${warnings.length ? `, ${warnings.length} warning(s)` : ''}; failed runs are left out of the medians and ratios (see server.json).**`);
  say();
}
const ratioKeys = targets.slice(0, -1).map((t) => `${t.letter}/${ref.letter}`);
say(`| workload | ${targets.map((t) => `${t.letter}: ${t.label}`).join(' | ')} | ${ratioKeys.join(' | ')} |`);
say(`| --- | ${targets.map(() => '---:').join(' | ')} | ${ratioKeys.map(() => '---:').join(' | ')} |`);
for (const row of summary) {
  const m = METRICS.find((x) => x.id === row.metric);
  const cells = targets.map((t) => {
    const c = row.targets[t.letter];
    if (c.runs === 0) return 'n/a';
    return `${fmtNum(c.median, m.fmt)}${c.failed ? ` ⚠ ${c.failed}/${c.runs} failed` : ''}`;
  });
  const rcells = ratioKeys.map((k) => {
    const r = row.ratios[k];
    return r.median === null ? '—' : `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
  });
  say(`| ${row.label} (${row.better} is better) | ${cells.join(' | ')} | ${rcells.join(' | ')} |`);
}
say();
say('## Method');
say();
say(
  `Each cell is the median over the rounds; each ratio is the median of the per-round ratios (each target against ${ref.letter} in the same round, the runs of one workload back to back), with their range in brackets, so a ratio above 1 means more of the figure (better for req/s and MB/s, worse for latency and memory). ` +
    `Every round starts a fresh server process per target (all listening on 127.0.0.1, each on its own ports, all with the same node flags: ${NODE_FLAGS.length ? `\`${NODE_FLAGS.join(' ')}\`` : 'none'}), ` +
    `runs each workload on every target before the next workload, in an order that turns by one each round (${targets.map((t) => t.letter).join(' ')}, then ${[...targets.slice(1), targets[0]].map((t) => t.letter).join(' ')}, …: the first target measured in a round does worse, so no target is always first), and stops the servers with SIGTERM. ` +
    `Nothing is pinned to a CPU: the scheduler places each server, its V8 helper threads and h2load on the ${machine.cores} cores as it would in production (pinning the server's main thread to one core and h2load to the other measured lower and noisier on a 2-core VM). ` +
    `Request rates come from \`h2load -t1 -c C -m M -D ${DURATION_S} --warm-up-time=${WARMUP}\` on \`GET /\` (12-byte "hello world\\n"); the mean latency is h2load's "time for request" mean at -c1 -m1; TLS is h2 negotiated by ALPN with a self-signed certificate each server makes. ` +
    `The download is \`GET /bytes?n=104857600\` by ${h2loadV ? `\`h2load -n1 -c1\`, the median of ${DOWNLOAD_REPEATS} fresh connections after one unmeasured` : 'a Node http2 client (h2load missing), after a 4 MiB warm-up transfer'}; the upload POSTs 104857600 bytes to \`/echo\` from a Node http2 client (bench/server/transfer.mjs, 64 KiB writes with backpressure, 2^31-1 receive windows) that counts and discards the echo; its clock stops at the echo's last byte; MB = 10^6 bytes. ` +
    `Idle memory: on a server that has only answered the readiness probes, 16 idle connections are opened and closed, VmRSS is read from /proc/PID/status once it settles (two samples 250 ms apart within 0.5%, after 1 s), ${IDLE_N} raw connections (bench/server/idle-connections.mjs: preface, empty SETTINGS, ACK of the server's SETTINGS, one \`GET /\` with the fields curl sends, its whole response read, then silence) are opened and all must complete the SETTINGS exchange and the request, VmRSS is read again once settled; the figure is the difference divided by ${IDLE_N}; no GC is forced. ` +
    `Any failed, errored or timed-out request, wrong status, short body or server crash makes that run a failed measurement: it is reported and left out.`,
);
say();
const peers = targets.filter((t) => t.name === 'node').map((t) => t.letter);
if (peers.length) say(`The node:http2 peer (${peers.join(', ')}) is \`bench/node-http2-server.mjs\`: \`http2.createServer()\` / \`createSecureServer()\` with default options, \`stream.respond()\` + \`stream.end(body)\`, \`stream.pipe(stream)\` for /echo, write/drain for /bytes; no tuning.`);
mkdirSync(dirname(MD_FILE), { recursive: true });
writeFileSync(MD_FILE, lines.join('\n') + '\n');
mkdirSync(dirname(JSON_FILE), { recursive: true });
writeFileSync(
  JSON_FILE,
  JSON.stringify(
    {
      machine,
      quick,
      backgroundCpuBeforeRound: background,
      config: { rounds: ROUNDS, durationSeconds: DURATION_S, warmUp: WARMUP, idleConnections: IDLE_N, transferBytes: TRANSFER_BYTES, nodeFlags: NODE_FLAGS, pinning: 'none', workloads: workloads.map((w) => w.id) },
      targets: targets.map((t) => ({ letter: t.letter, name: t.name, label: t.label, command: t.argv?.replace(ROOT, ''), unavailable: t.why, helloHeaders: t.helloHeaders ?? null })),
      reference: ref.letter,
      summary,
      samples,
      stops,
      warnings,
    },
    null,
    2,
  ) + '\n',
);

console.log(lines.slice(0, lines.indexOf('## Method')).join('\n'));
progress(`wrote ${MD_FILE.replace(ROOT, '')} and ${JSON_FILE.replace(ROOT, '')}`);
if (failedCount || targets.some((t) => t.why)) {
  warn(`${failedCount} failed measurement(s)${targets.some((t) => t.why) ? `; not measured: ${targets.filter((t) => t.why).map((t) => t.label).join(', ')}` : ''}`);
  process.exitCode = 1;
}
