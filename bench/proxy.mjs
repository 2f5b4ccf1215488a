#!/usr/bin/env node
// Reverse-proxy benchmark: h2load -c10 -m10 through `h2wasm proxy` (A) and
// through nghttpx (B, Debian nghttp2-proxy, one worker), both h2c in front of
// the same nghttpd (h2c) serving a 12-byte file, in one run; rounds alternate
// the order (A B, then B A), and the medians and the per-round ratio A/B are
// reported, with each proxy's CPU time per request and the machine's load.
//
//   node bench/proxy.mjs [--quick] [--md FILE] [--json FILE] [--rounds N] [--duration S]
//
// Writes docs/bench/proxy.md and docs/bench/proxy.json unless --md/--json say
// otherwise. Progress goes to stderr. Needs h2load and nghttpd (nghttp2-client,
// nghttp2-server) and nghttpx (nghttp2-proxy).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backgroundCpu, describeMachine } from './lib/machine.mjs';
import { median } from './lib/rounds.mjs';
import { installCleanup, start, stop } from './server/children.mjs';
import { h2load, h2loadVersion, INSTALL_HINT } from './server/h2load.mjs';
import { COMMAND_FLAGS, cpuMs, freePort, treeCpuMs } from './server/targets.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

// --- options
const argv = process.argv.slice(2);
function fatal(msg) {
  process.stderr.write(`bench/proxy: ${msg}\n`);
  process.exit(2);
}
const known = new Set(['--quick', '--md', '--json', '--rounds', '--duration']);
for (let i = 0; i < argv.length; i++) {
  if (!known.has(argv[i])) fatal(`unknown option ${argv[i]}\nusage: node bench/proxy.mjs [--quick] [--md FILE] [--json FILE] [--rounds N] [--duration S]`);
  if (argv[i] !== '--quick') i++;
}
const opt = (f, def) => {
  const i = argv.indexOf(f);
  return i < 0 ? def : argv[i + 1];
};
const quick = argv.includes('--quick');
const ROUNDS = Number(opt('--rounds', quick ? 3 : 5));
const DURATION_S = Number(opt('--duration', quick ? 2 : 5));
const WARMUP_S = quick ? '0.5' : '1';
const MD_FILE = opt('--md', `${ROOT}docs/bench/proxy.md`);
const JSON_FILE = opt('--json', `${ROOT}docs/bench/proxy.json`);
if (!(ROUNDS >= 1 && DURATION_S > 0)) fatal('--rounds and --duration must be positive');
/** BUSY_WARN: other work above this share of all CPUs before a round makes its figures noisy. */
const BUSY_WARN = 0.25;

const T0 = Date.now();
const progress = (s) => process.stderr.write(`[proxy ${((Date.now() - T0) / 1000).toFixed(0).padStart(4)}s] ${s}\n`);
const warnings = [];
const warn = (s) => {
  warnings.push(s);
  progress(`warning: ${s}`);
};
installCleanup();

const h2loadV = await h2loadVersion();
if (!h2loadV) fatal(INSTALL_HINT);
const machine = describeMachine({ h2loadVersion: h2loadV });

// --- the backend and the two proxies
const docroot = mkdtempSync(join(os.tmpdir(), 'h2wasm-bench-proxy-'));
process.on('exit', () => rmSync(docroot, { recursive: true, force: true }));
writeFileSync(join(docroot, 'index.html'), 'hello world\n');

/** get resolves to the status and body of one h2c GET /index.html, or rejects. */
function get(port) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const t = setTimeout(() => { session.destroy(); reject(new Error('timeout')); }, 2000);
    session.on('error', (e) => { clearTimeout(t); session.destroy(); reject(e); });
    const req = session.request({ ':path': '/index.html' });
    let status = 0;
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => { status = h[':status']; });
    req.on('data', (d) => { body += d; });
    req.on('end', () => { clearTimeout(t); session.close(); resolve({ status, body }); });
    req.on('error', (e) => { clearTimeout(t); session.destroy(); reject(e); });
  });
}

/** launch starts cmd and resolves once GET /index.html on port answers "hello world\n". */
async function launch(label, cmd, args, port) {
  const proc = start(cmd, args);
  let exited = null;
  proc.exited.then((e) => { exited = e; });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) fatal(`${label} exited (${exited.code ?? exited.signal}${exited.error ? `: ${exited.error.message}` : ''}) before it was ready:\n${proc.stderrTail().slice(-3000)}`);
    if (Date.now() > deadline) fatal(`${label} was not ready on port ${port} within 20 s:\n${proc.stderrTail().slice(-3000)}`);
    try {
      const r = await get(port);
      if (r.status === 200 && r.body === 'hello world\n') break;
      fatal(`${label}: GET /index.html answered ${r.status} ${JSON.stringify(r.body.slice(0, 80))}`);
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { label, proc, pid: proc.child.pid, port, argv: [cmd === process.execPath ? 'node' : cmd, ...args].join(' ').replace(ROOT, '') };
}

const backendPort = await freePort();
const backend = await launch('nghttpd', 'nghttpd', ['--no-tls', '-a', '127.0.0.1', '-d', docroot, String(backendPort)], backendPort);
const targets = [];
{
  const port = await freePort();
  targets.push({ letter: 'A', ...(await launch('h2wasm proxy', process.execPath, [...COMMAND_FLAGS, `${ROOT}bin/h2wasm.js`, 'proxy', '--host', '127.0.0.1', '--port', String(port), '--route', `/=h2c://127.0.0.1:${backendPort}`], port)) });
}
{
  const port = await freePort();
  targets.push({ letter: 'B', ...(await launch('nghttpx', 'nghttpx', ['--conf=/dev/null', `--frontend=127.0.0.1,${port};no-tls`, `--backend=127.0.0.1,${backendPort};;proto=h2`, '-n', '1', '--errorlog-file=/dev/null'], port)) });
}
progress(`${ROUNDS} rounds × h2load -c10 -m10 -D ${DURATION_S} through ${targets.map((t) => `${t.letter}=${t.label}`).join(', ')} in front of nghttpd; load average ${machine.loadAverage.join(' ')}`);

// --- rounds
const samples = [];
const background = [];
for (let round = 1; round <= ROUNDS; round++) {
  const bg = await backgroundCpu(1000);
  background.push(bg);
  if (bg !== null && bg > BUSY_WARN) warn(`round ${round}: the machine is busy with other work (${(bg * 100).toFixed(0)}% of all CPUs before the round); expect noisy figures`);
  const order = round % 2 === 1 ? targets : [...targets].reverse();
  for (const t of order) {
    const url = `http://127.0.0.1:${t.port}/index.html`;
    // A warm-up run of its own, so that the CPU read around the timed run is the timed requests' only.
    await h2load(['-t1', '-c10', '-m10', '-D', WARMUP_S, url], { timeoutMs: 60_000, wantProtocol: 'h2c' });
    const cpu0 = treeCpuMs(t.pid);
    const back0 = cpuMs(backend.pid);
    const r = await h2load(['-t1', '-c10', '-m10', '-D', String(DURATION_S), url], { timeoutMs: (DURATION_S + 30) * 1000, wantProtocol: 'h2c' });
    const cpu1 = treeCpuMs(t.pid);
    const back1 = cpuMs(backend.pid);
    const done = r.result?.requests.succeeded ?? 0;
    // CPU over the timed h2load run over every request it completed.
    const s = {
      round, letter: t.letter, target: t.label, ok: r.ok, problems: r.problems,
      reqPerSec: r.result?.reqPerSec ?? null,
      meanLatencyUs: r.result?.latency ? r.result.latency.mean * 1e6 : null,
      cpuUsPerRequest: cpu0 !== null && cpu1 !== null && done > 0 ? ((cpu1 - cpu0) * 1000) / done : null,
      backendCpuUsPerRequest: back0 !== null && back1 !== null && done > 0 ? ((back1 - back0) * 1000) / done : null,
      requests: r.result?.requests ?? null,
    };
    if (!s.ok) warn(`FAILED measurement: round ${round}, ${t.label}: ${s.problems.join('; ')}${r.stderr ? `\n${r.stderr}` : ''}`);
    samples.push(s);
    progress(`round ${round}/${ROUNDS} ${t.letter}=${t.label}: ${s.reqPerSec?.toFixed(0) ?? '—'} req/s, ${s.cpuUsPerRequest?.toFixed(1) ?? '—'} µs CPU/request`);
  }
}
for (const t of [...targets, backend]) {
  if (!(await stop(t.proc))) warn(`${t.label} did not exit within 5 s of SIGTERM; killed`);
}

// --- summary
const ok = (letter) => samples.filter((s) => s.ok && s.letter === letter);
const med = (letter, key) => median(ok(letter).map((s) => s[key]).filter((v) => v !== null));
const ratios = [];
for (let round = 1; round <= ROUNDS; round++) {
  const a = samples.find((s) => s.round === round && s.letter === 'A');
  const b = samples.find((s) => s.round === round && s.letter === 'B');
  if (a?.ok && b?.ok && b.reqPerSec > 0) ratios.push(a.reqPerSec / b.reqPerSec);
}
const METRICS = [
  { key: 'reqPerSec', label: 'h2c -c10 -m10, req/s', better: 'higher', fmt: 0 },
  { key: 'meanLatencyUs', label: 'mean latency µs', better: 'lower', fmt: 0 },
  { key: 'cpuUsPerRequest', label: 'proxy CPU µs per request', better: 'lower', fmt: 1 },
  { key: 'backendCpuUsPerRequest', label: 'nghttpd (backend) CPU µs per request', better: 'lower', fmt: 1 },
];
const summary = METRICS.map((m) => ({ metric: m.key, label: m.label, better: m.better, A: med('A', m.key), B: med('B', m.key) }));
const ratio = { median: median(ratios), min: ratios.length ? Math.min(...ratios) : null, max: ratios.length ? Math.max(...ratios) : null, perRound: ratios };

// --- report
machine.loadAverageEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
const fmt = (v, d) => (v === null || v === undefined ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const lines = [];
const say = (s = '') => lines.push(s);
say('# Reverse-proxy benchmark');
say();
say(`${machine.date.slice(0, 10)} — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryMiB} MiB, ${machine.os}, Node ${machine.node}, h2load ${h2loadV}; load average ${machine.loadAverage.join(' ')} at start, ${machine.loadAverageEnd.join(' ')} at the end${quick ? '; **quick run**' : ''}.`);
say();
// Other processes busy before a round mean other work shared the CPUs (the load average still counts
// this benchmark's own earlier runs, so it is not the test).
if (background.some((b) => b !== null && b > 0.25)) {
  say('**Busy machine: other processes used over a quarter of the CPUs before a round. The ratio, measured in the same rounds, is the figure to read; the absolute rates are low.**');
  warn('busy machine');
  say();
}
if (background.some((b) => b !== null)) {
  const busy = background.filter((b) => b !== null && b > BUSY_WARN).length;
  say(`Other processes' CPU use just before each round: ${background.map((b) => (b === null ? '?' : `${(b * 100).toFixed(0)}%`)).join(', ')}${busy ? ` — **busy before ${busy} of ${ROUNDS} rounds: noisy figures**` : ''}.`);
  say();
}
say(`Generated by \`node bench/proxy.mjs${argv.length ? ' ' + argv.join(' ').replaceAll(ROOT, '') : ''}\`: ${ROUNDS} rounds; raw figures of every round in proxy.json.`);
say();
say(`- backend: nghttpd (h2c): \`${backend.argv.replace(docroot, 'DIR')}\``);
for (const t of targets) say(`- **${t.letter}** = ${t.label}: \`${t.argv}\``);
say();
const failed = samples.filter((s) => !s.ok).length;
if (failed) {
  say(`**Warning: ${failed} failed measurement(s), left out of the medians and the ratio (see proxy.json).**`);
  say();
}
say(`| figure | A: ${targets[0].label} | B: ${targets[1].label} |`);
say('| --- | ---: | ---: |');
for (const row of summary) say(`| ${row.label} (${row.better} is better) | ${fmt(row.A, METRICS.find((m) => m.key === row.metric).fmt)} | ${fmt(row.B, METRICS.find((m) => m.key === row.metric).fmt)} |`);
say();
say(`**A/B requests per second: ${ratio.median === null ? '—' : `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)} over the rounds)`}**; the target at first landing is ≥ 0.5.`);
say();
say('## Method');
say();
say(
  `Both proxies and the backend start once and stay up for every round, all on 127.0.0.1; each round first measures for 1 s how busy the CPUs are with other work, then, through A then B (odd rounds) or B then A (even rounds), runs \`h2load -t1 -c10 -m10 -D ${WARMUP_S}\` (warm-up, not measured) and \`h2load -t1 -c10 -m10 -D ${DURATION_S}\` on \`GET /index.html\` (12 bytes, "hello world\\n"). ` +
    'Each cell is the median over the rounds; the ratio is the median of the per-round ratios. ' +
    'CPU µs per request is the user + system time of the proxy process (and of nghttpd) from /proc over the timed h2load run, divided by the requests h2load completed; A is one Node process (its V8 helper threads included), B is the nghttpx process and its one worker process (`-n 1`). CPU time is read in 10 ms ticks, so it is coarse for short runs. ' +
    'Any failed, errored or timed-out request or non-2xx status makes that run a failed measurement: it is reported and left out.',
);
mkdirSync(dirname(MD_FILE), { recursive: true });
writeFileSync(MD_FILE, lines.join('\n') + '\n');
mkdirSync(dirname(JSON_FILE), { recursive: true });
writeFileSync(JSON_FILE, JSON.stringify({
  machine, quick, backgroundCpuBeforeRound: background,
  config: { rounds: ROUNDS, durationSeconds: DURATION_S, warmUpSeconds: Number(WARMUP_S), h2load: '-t1 -c10 -m10' },
  backend: { label: backend.label, command: backend.argv.replace(docroot, 'DIR') },
  targets: targets.map((t) => ({ letter: t.letter, label: t.label, command: t.argv })),
  summary, ratio, samples, warnings,
}, null, 2) + '\n');
console.log(lines.slice(0, lines.indexOf('## Method')).join('\n'));
progress(`wrote ${MD_FILE.replace(ROOT, '')} and ${JSON_FILE.replace(ROOT, '')}`);
if (failed) process.exitCode = 1;
