#!/usr/bin/env node
// HTTP/2 client benchmark: the h2wasm client (A), undici with allowH2 (B) and
// node:http2's client (C, the reference) against the same nghttpd (one
// worker), measured in the same run, rounds alternating A B C per workload;
// medians and per-round ratios A/C, B/C reported.
//
//   node bench/client.mjs [--quick] [--only rps,download,h2c,tls] [--md FILE] [--json FILE]
//
// Workloads: 20,000 GETs of a 12-byte file at 100 in flight over one session
// (after 2,000 unmeasured), and a 100 MiB download (after a 4 MiB one; the
// median of 3 on one session), each over TLS (ALPN h2: the only way undici
// speaks HTTP/2) and over h2c with prior knowledge (h2wasm and node:http2;
// undici has no h2c). Writes docs/bench/client.md and docs/bench/client.json
// unless --md/--json say otherwise. Needs nghttpd (apt-get install
// nghttp2-server) and the undici package for column B (today it comes in
// through miniflare; it is not a devDependency of its own).
//
// Options for checking the benchmark itself: --rounds N (default 5, quick 2),
// --requests N (default 20000), --codec wasm|js (the h2wasm client's core).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backgroundCpu, describeMachine } from './lib/machine.mjs';
import { median } from './lib/rounds.mjs';
import { installCleanup, killAll, run, start, stop } from './server/children.mjs';
import { freePort } from './server/targets.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RUNNER = `${ROOT}bench/client/runner.mjs`;

// --- options
const argv = process.argv.slice(2);
const has = (f) => argv.includes(f);
function fatal(msg) {
  process.stderr.write(`bench/client: ${msg}\n`);
  process.exit(2);
}
const opt = (f, def) => {
  const i = argv.indexOf(f);
  if (i < 0) return def;
  if (i + 1 >= argv.length) fatal(`${f} needs a value`);
  return argv[i + 1];
};
const known = new Set(['--quick', '--only', '--md', '--json', '--rounds', '--requests', '--codec']);
for (let i = 0; i < argv.length; i++) {
  if (!known.has(argv[i])) fatal(`unknown option ${argv[i]}\nusage: node bench/client.mjs [--quick] [--only rps,download,h2c,tls] [--md FILE] [--json FILE]`);
  if (argv[i] !== '--quick') i++;
}
const quick = has('--quick');
const ROUNDS = Number(opt('--rounds', quick ? 2 : 5));
const REQUESTS = Number(opt('--requests', quick ? 5000 : 20000));
const WARMUP_REQUESTS = quick ? 500 : 2000;
const CONCURRENCY = 100;
const DOWNLOAD_BYTES = 100 * 2 ** 20;
const WARM_BYTES = 4 * 2 ** 20;
const DOWNLOAD_REPEATS = quick ? 1 : 3;
const CODEC = opt('--codec', 'wasm');
const MD_FILE = opt('--md', `${ROOT}docs/bench/client.md`);
const JSON_FILE = opt('--json', `${ROOT}docs/bench/client.json`);
const HELLO = 'hello world\n';
if (!(ROUNDS >= 1 && REQUESTS >= 1)) fatal('--rounds and --requests must be positive');

const CLIENTS = [
  { name: 'h2wasm', letter: 'A', label: `h2wasm client (${CODEC} core)` },
  { name: 'undici', letter: 'B', label: 'undici (allowH2)' },
  { name: 'node', letter: 'C', label: 'node:http2 client' },
];
const ref = CLIENTS.at(-1);
const WORKLOADS = [
  { id: 'rps-tls', kind: 'rps', tls: true, label: `${REQUESTS.toLocaleString('en-US')} GETs of 12 B, ${CONCURRENCY} in flight, one session, TLS` },
  { id: 'download-tls', kind: 'download', tls: true, label: '100 MiB download, one session, TLS' },
  { id: 'rps-h2c', kind: 'rps', tls: false, label: `${REQUESTS.toLocaleString('en-US')} GETs of 12 B, ${CONCURRENCY} in flight, one session, h2c` },
  { id: 'download-h2c', kind: 'download', tls: false, label: '100 MiB download, one session, h2c' },
];
// Each workload gives two rows: its rate, and the client process's CPU time for the timed part (user +
// system), which other work on a busy machine disturbs less than the rate.
const METRICS = {
  rps: [
    { id: 'rate', unit: 'req/s', better: 'higher', get: (f) => f.reqPerSec, fmt: 0 },
    { id: 'cpu', unit: 'client CPU ms per 1,000 requests', better: 'lower', get: (f) => f.cpuMsPer1000, fmt: 1 },
  ],
  download: [
    { id: 'rate', unit: 'MB/s', better: 'higher', get: (f) => f.mbPerSec, fmt: 0 },
    { id: 'cpu', unit: 'client CPU s per 100 MiB', better: 'lower', get: (f) => f.cpuSecondsPer100MiB, fmt: 2 },
  ],
};
const onlyIds = opt('--only', null)?.split(',').filter(Boolean);
const workloads = onlyIds ? WORKLOADS.filter((w) => onlyIds.some((o) => w.id === o || w.id.split('-').includes(o))) : WORKLOADS;
if (workloads.length === 0) fatal(`--only matched nothing (workloads: ${WORKLOADS.map((w) => w.id).join(', ')}; or rps, download, tls, h2c)`);

// --- progress and loud failures
const T0 = Date.now();
const progress = (s) => process.stderr.write(`[${((Date.now() - T0) / 1000).toFixed(0).padStart(4)}s] ${s}\n`);
const warnings = [];
const warn = (s) => {
  warnings.push(s);
  process.stderr.write(`\n!!! ${s}\n\n`);
};
const budgetMs = (ROUNDS * workloads.length * CLIENTS.length * 120 + 120) * 1000;
setTimeout(() => {
  warn(`the benchmark ran past its ${Math.round(budgetMs / 1000)} s budget; stopping`);
  killAll();
  process.exit(1);
}, budgetMs).unref();
installCleanup();

// --- what can run
const loadavg = () => os.loadavg().map((x) => Number(x.toFixed(2)));
let undiciWhy = null;
try {
  createRequire(`${ROOT}package.json`).resolve('undici');
} catch {
  undiciWhy = 'the undici package is not installed (`npm install --save-dev undici`)';
  warn(`B = undici cannot run: ${undiciWhy}. Its column will be empty.`);
}
const runnable = (c, w) => (c.name === 'undici' ? !w.tls ? 'undici speaks HTTP/2 only over TLS' : undiciWhy : null);

// --- the server: nghttpd, one worker, a document root with the files, on two ports (h2c and TLS)
const docroot = mkdtempSync(join(os.tmpdir(), 'h2wasm-bench-client-'));
process.on('exit', () => rmSync(docroot, { recursive: true, force: true }));
writeFileSync(join(docroot, 'hello.txt'), HELLO);
writeFileSync(join(docroot, 'warm.bin'), Buffer.alloc(WARM_BYTES, 0x5a));
writeFileSync(join(docroot, 'big.bin'), Buffer.alloc(DOWNLOAD_BYTES, 0xa5));
const { selfSignedCertificate } = await import(`${ROOT}dist/host/node/self-signed.js`);
const { cert, key } = selfSignedCertificate(['localhost', '127.0.0.1']);
writeFileSync(join(docroot, '.cert.pem'), cert);
writeFileSync(join(docroot, '.key.pem'), key, { mode: 0o600 });

async function startNghttpd(tls) {
  const port = await freePort();
  const args = ['-a', '127.0.0.1', '-n', '1', '-d', docroot, ...(tls ? [String(port), join(docroot, '.key.pem'), join(docroot, '.cert.pem')] : ['--no-tls', String(port)])];
  const p = start('nghttpd', args);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const gone = await Promise.race([p.exited.then((e) => e), new Promise((r) => setTimeout(() => r(null), 100))]);
    if (gone) {
      if (gone.error?.code === 'ENOENT') fatal('nghttpd is not installed: apt-get install nghttp2-server');
      fatal(`nghttpd ${args.join(' ')} exited: ${p.stderrTail()}`);
    }
    const probe = await run(process.execPath, [RUNNER, '--client', 'node', '--origin', `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, '--workload', 'rps', '--path', '/hello.txt', '--requests', '1', '--concurrency', '1', '--warmup', '0', '--bytes', String(HELLO.length)], { timeoutMs: 10_000 });
    if (probe.code === 0) break;
    if (Date.now() > deadline) fatal(`nghttpd did not answer on ${port}: ${probe.stdout}${probe.stderr}`);
  }
  return { proc: p, port, origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, argv: `nghttpd ${args.join(' ').replaceAll(docroot, 'DOCROOT').replace(/\d{4,5}/, 'PORT')}` };
}

const machine = describeMachine();
const nghttpdVersion = (await run('nghttpd', ['--version'], { timeoutMs: 5000 })).stdout.trim();
const servers = { h2c: await startNghttpd(false), tls: await startNghttpd(true) };
progress(`client benchmark${quick ? ' (quick)' : ''}: ${ROUNDS} rounds × [${workloads.map((w) => w.id).join(', ')}] × [${CLIENTS.map((c) => `${c.letter}=${c.label}`).join(', ')}] against ${nghttpdVersion} (h2c :${servers.h2c.port}, TLS :${servers.tls.port}); load average ${machine.loadAverage.join(' ')}`);

// --- one measurement
async function measure(c, w) {
  const server = w.tls ? servers.tls : servers.h2c;
  const args = ['--client', c.name, '--origin', server.origin, '--workload', w.kind, '--codec', CODEC];
  if (w.kind === 'rps') args.push('--path', '/hello.txt', '--requests', String(REQUESTS), '--concurrency', String(CONCURRENCY), '--warmup', String(WARMUP_REQUESTS), '--bytes', String(HELLO.length));
  else args.push('--path', '/big.bin', '--bytes', String(DOWNLOAD_BYTES), '--repeats', String(DOWNLOAD_REPEATS), '--warm-path', '/warm.bin');
  const loadBefore = loadavg();
  const r = await run(process.execPath, [RUNNER, ...args], { timeoutMs: 110_000 });
  const loadAfter = loadavg();
  let figures;
  try {
    figures = JSON.parse(r.stdout.trim().split('\n').at(-1));
  } catch {
    return { ok: false, problems: [`runner ${r.timedOut ? 'timed out' : `exit ${r.code}`}: ${(r.stderr + r.stdout).slice(-1500)}`], loadBefore, loadAfter };
  }
  return { ok: figures.ok === true, problems: figures.problems ?? [], figures, loadBefore, loadAfter };
}

// --- the rounds
const samples = [];
const background = [];
for (let round = 1; round <= ROUNDS; round++) {
  const bg = await backgroundCpu(1000);
  background.push(bg);
  progress(`round ${round}/${ROUNDS}: other processes kept ${bg === null ? '?' : `${(bg * 100).toFixed(0)}%`} of the CPUs busy over the last second; load average ${loadavg().join(' ')}`);
  if (bg !== null && bg > 0.1) warn(`round ${round}: the machine is busy with other work (${(bg * 100).toFixed(0)}% of all CPUs before the round); expect noisy figures`);
  for (const w of workloads) {
    for (const c of CLIENTS) {
      if (runnable(c, w) !== null) continue;
      const m = await measure(c, w);
      samples.push({ round, client: c.name, letter: c.letter, workload: w.id, ...m });
      const [rate, cpu] = METRICS[w.kind];
      if (m.ok) progress(`round ${round}/${ROUNDS}: ${w.id.padEnd(13)} ${c.letter} = ${c.label.padEnd(26)} ${Math.round(rate.get(m.figures)).toLocaleString('en-US')} ${rate.unit}, ${cpu.get(m.figures).toFixed(cpu.fmt)} ${cpu.unit}  (load ${m.loadBefore[0]} → ${m.loadAfter[0]})`);
      else warn(`FAILED: round ${round}, ${w.id} on ${c.letter} = ${c.label}: ${m.problems.join('; ')}`);
    }
  }
}
for (const s of Object.values(servers)) await stop(s.proc);

// --- summary
const summary = workloads.flatMap((w) => METRICS[w.kind].map((m) => {
  const row = { workload: w.id, metric: m.id, label: w.label, unit: m.unit, better: m.better, fmt: m.fmt, clients: {}, ratios: {} };
  for (const c of CLIENTS) {
    const why = runnable(c, w);
    const all = samples.filter((s) => s.letter === c.letter && s.workload === w.id);
    const good = all.filter((s) => s.ok).map((s) => m.get(s.figures));
    row.clients[c.letter] = { label: c.label, median: median(good), values: good, failed: all.length - good.length, runs: all.length, notRun: why };
  }
  for (const c of CLIENTS.slice(0, -1)) {
    const rs = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const a = samples.find((s) => s.round === round && s.letter === c.letter && s.workload === w.id);
      const b = samples.find((s) => s.round === round && s.letter === ref.letter && s.workload === w.id);
      if (a?.ok && b?.ok) rs.push(m.get(a.figures) / m.get(b.figures));
    }
    row.ratios[`${c.letter}/${ref.letter}`] = { median: median(rs), min: rs.length ? Math.min(...rs) : null, max: rs.length ? Math.max(...rs) : null, perRound: rs };
  }
  return row;
}));

// --- report
machine.loadAverageEnd = loadavg();
const fmt = (v, d) => (v === null ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const lines = [];
const say = (s = '') => lines.push(s);
const failedCount = samples.filter((s) => !s.ok).length;
say('# HTTP/2 client benchmark');
say();
say(`${machine.date.slice(0, 10)} — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryMiB} MiB, ${machine.os}, Node ${machine.node}, ${nghttpdVersion}; load average ${machine.loadAverage.join(' ')} at start, ${machine.loadAverageEnd.join(' ')} at the end${quick ? '; **quick run**' : ''}.`);
say();
const busy = background.filter((b) => b !== null && b > 0.1).length;
say(`Other processes' CPU use just before each round: ${background.map((b) => (b === null ? '?' : `${(b * 100).toFixed(0)}%`)).join(', ')}${busy ? ` — **the machine was busy with other work before ${busy} of ${ROUNDS} rounds: treat these figures as noisy**` : ''}. The 1-minute load average before and after every run is in client.json (\`samples[].loadBefore\`, \`loadAfter\`).`);
say();
say(`Generated by \`node bench/client.mjs${argv.length ? ' ' + argv.join(' ').replaceAll(ROOT, '') : ''}\`: ${ROUNDS} rounds; raw figures of every run in client.json.`);
say();
for (const c of CLIENTS) say(`- **${c.letter}** = ${c.label}${c.name === 'undici' && undiciWhy ? ` — **not measured: ${undiciWhy}**` : ''}`);
say(`- server: \`${servers.tls.argv}\` (TLS) and \`${servers.h2c.argv}\` (h2c), ${nghttpdVersion}`);
say();
if (failedCount || warnings.length) {
  say(`**Warning: ${failedCount} failed measurement(s)${warnings.length ? `, ${warnings.length} warning(s)` : ''}; failed runs are left out of the medians and ratios (see client.json).**`);
  say();
}
const ratioKeys = CLIENTS.slice(0, -1).map((c) => `${c.letter}/${ref.letter}`);
say(`| workload | ${CLIENTS.map((c) => `${c.letter}: ${c.label}`).join(' | ')} | ${ratioKeys.join(' | ')} |`);
say(`| --- | ${CLIENTS.map(() => '---:').join(' | ')} | ${ratioKeys.map(() => '---:').join(' | ')} |`);
for (const row of summary) {
  const cells = CLIENTS.map((c) => {
    const x = row.clients[c.letter];
    if (x.notRun) return 'n/a';
    return `${fmt(x.median, row.fmt)}${x.failed ? ` ⚠ ${x.failed}/${x.runs} failed` : ''}`;
  });
  const rcells = ratioKeys.map((k) => {
    const r = row.ratios[k];
    return r.median === null ? '—' : `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
  });
  say(`| ${row.label}: ${row.unit} (${row.better} is better) | ${cells.join(' | ')} | ${rcells.join(' | ')} |`);
}
say();
say('## Method');
say();
say(
  `Each cell is the median over the rounds; each ratio the median of the per-round ratios against ${ref.letter} (range in brackets; above 1 means more of the figure: faster for rates, more CPU for CPU rows). ` +
    `The CPU rows are the client process's user + system time over the timed part only (process.cpuUsage), which other work on the machine disturbs less than the rates. ` +
    `One nghttpd per protocol (\`-n 1\`: one worker thread) serves a document root of three files (hello.txt, 12 bytes; warm.bin, 4 MiB; big.bin, 100 MiB) for the whole run, so every client meets the same server. ` +
    `Every measurement is a fresh node process (bench/client/runner.mjs) with one HTTP/2 session: the request rate is ${REQUESTS.toLocaleString('en-US')} GETs of /hello.txt with ${CONCURRENCY} in flight after ${WARMUP_REQUESTS.toLocaleString('en-US')} unmeasured ones on the same session (nghttpd allows 100 concurrent streams); ` +
    `the download is GET /big.bin read to the end, ${DOWNLOAD_REPEATS === 1 ? 'once' : `the median of ${DOWNLOAD_REPEATS}`} after a GET of /warm.bin on the same session; MB = 10^6 bytes. Each round runs every workload on ${CLIENTS.map((c) => c.letter).join(', then ')} before the next workload. ` +
    `Clients: h2wasm's connect() from dist/ with its defaults (1 MiB stream and 16 MiB connection receive windows); node:http2's http2.connect with the same windows (SETTINGS_INITIAL_WINDOW_SIZE 1 MiB, setLocalWindowSize 16 MiB); undici's fetch with \`new Agent({ allowH2: true, connections: 1 })\`, which negotiates h2 only over TLS, hence no h2c figure for it. ` +
    `Any response that is not 200 with the expected length makes that run a failed measurement. ` +
    `Nothing is pinned to a CPU; the machine has ${machine.cores} cores shared with other work, and the client, nghttpd and the kernel's loopback share them.`,
);
mkdirSync(dirname(MD_FILE), { recursive: true });
writeFileSync(MD_FILE, lines.join('\n') + '\n');
mkdirSync(dirname(JSON_FILE), { recursive: true });
writeFileSync(JSON_FILE, JSON.stringify({
  machine, nghttpd: nghttpdVersion, quick, backgroundCpuBeforeRound: background,
  config: { rounds: ROUNDS, requests: REQUESTS, warmupRequests: WARMUP_REQUESTS, concurrency: CONCURRENCY, downloadBytes: DOWNLOAD_BYTES, downloadRepeats: DOWNLOAD_REPEATS, codec: CODEC, workloads: workloads.map((w) => w.id) },
  clients: CLIENTS.map((c) => ({ ...c, unavailable: c.name === 'undici' ? undiciWhy : null })),
  server: { tls: servers.tls.argv, h2c: servers.h2c.argv },
  reference: ref.letter, summary, samples, warnings,
}, null, 2) + '\n');
console.log(lines.slice(0, lines.indexOf('## Method')).join('\n'));
progress(`wrote ${MD_FILE.replace(ROOT, '')} and ${JSON_FILE.replace(ROOT, '')}`);
if (failedCount || undiciWhy) {
  warn(`${failedCount} failed measurement(s)${undiciWhy ? `; not measured: undici (${undiciWhy})` : ''}`);
  process.exitCode = 1;
}
