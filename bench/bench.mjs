#!/usr/bin/env node
// h2wasm's benchmarks, one command: `npm run bench` runs them all.
//
//   node bench/bench.mjs [codec|frames|server|client|proxy|workerd|charts|all] [--quick] [--only X] [--out DIR]
//
//   codec    HPACK encode/decode: h2wasm WASM and JS builds, hpack.js, hpack (bench/codec.mjs)
//   frames   HTTP/2 frame parse/serialize: h2wasm WASM and JS builds (bench/frames.mjs)
//   server   h2load against h2wasm serve (wasm, js), nghttpd, h2o, Deno.serve, Bun and node:http2 (bench/server.mjs; needs h2load)
//   client   the h2wasm client, undici and node:http2's client against nghttpd (bench/client.mjs; needs nghttpd)
//   proxy    h2load through h2wasm proxy and nghttpx in front of nghttpd (bench/proxy.mjs;
//            needs h2load, nghttpd and nghttpx)
//   workerd  the codec benchmark inside workerd via miniflare (bench/workerd.mjs)
//   charts   the SVG charts, from whichever result files exist
//   all      every part above, in that order (the default)
//
//   --quick     fewer and shorter rounds (a smoke test; figures are noisier)
//   --only X    passed to a part that has it: codec (a workload-name substring),
//               frames (requests, data, control), server (c1,c10,c100,tls,download,upload,idle),
//               client (rps, download, tls, h2c)
//   --out DIR   where results and charts go (default docs/bench)
//   --clock cpu, --before FILE.json   passed to codec (bench/codec.mjs says what they do)
//
// Each part runs as its own node process (a fresh JIT and heap), writes
// DIR/<part>.md and DIR/<part>.json, and the charts are redrawn after it.
// Progress goes to stderr; the summary ends the run. The exit code is 1 when a
// part failed, 2 on a usage error.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCharts } from './lib/charts.mjs';
import { h2loadVersionSync } from './lib/machine.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PARTS = ['codec', 'frames', 'server', 'client', 'proxy', 'workerd'];
const COMMANDS = [...PARTS, 'charts', 'all'];
const INSTALL_HINT = 'h2load is missing: install it with `apt-get install nghttp2-client` (Debian/Ubuntu) or `brew install nghttp2` (macOS)';
const USAGE = 'usage: node bench/bench.mjs [codec|frames|server|client|proxy|workerd|charts|all] [--quick] [--only X] [--out DIR]';
const NGHTTPD_HINT = 'nghttpd is missing: install it with `apt-get install nghttp2-server` (Debian/Ubuntu) or `brew install nghttp2` (macOS)';

const T0 = Date.now();
const clock = () => `${((Date.now() - T0) / 1000).toFixed(0).padStart(4)}s`;
const progress = (s) => process.stderr.write(`[bench ${clock()}] ${s}\n`);
/** show prints a path relative to the working directory when it is under it. */
const show = (p) => {
  const rel = relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
};
function usage(msg) {
  process.stderr.write(`bench: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

// --- arguments
const argv = process.argv.slice(2);
let command = null;
let quick = false;
let only = null;
let clockOption = null;
let before = null;
let outDir = join(ROOT, 'docs', 'bench');
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--quick') quick = true;
  else if (a === '--only' || a === '--out' || a === '--clock' || a === '--before') {
    if (i + 1 >= argv.length) usage(`${a} needs a value`);
    if (a === '--only') only = argv[++i];
    else if (a === '--clock') clockOption = argv[++i];
    else if (a === '--before') before = resolve(argv[++i]);
    else outDir = resolve(argv[++i]);
  } else if (a === '-h' || a === '--help') {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 26).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
    process.exit(0);
  } else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else if (command === null) {
    if (!COMMANDS.includes(a)) usage(`unknown sub-command ${a} (one of ${COMMANDS.join(', ')})`);
    command = a;
  } else usage(`one sub-command at a time (got ${command} and ${a})`);
}
command ??= 'all';
if (only !== null && (command === 'all' || command === 'charts')) usage(`--only means something different to each part; give it with one of ${PARTS.join(', ')}`);
mkdirSync(outDir, { recursive: true });

// --- the build the benchmarks import
/** newestMtime returns the latest modification time of the files under dir (0 when none). */
function newestMtime(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}
if (command !== 'charts') {
  const needed = ['dist/host/index.js', 'build/h2core.wasm', 'build/h2core.js'].filter((f) => !existsSync(join(ROOT, f)));
  if (needed.length) {
    progress(`missing ${needed.join(', ')}: run \`npm run build\` first`);
    process.exit(1);
  }
  const built = Math.min(statSync(join(ROOT, 'dist/host/index.js')).mtimeMs, statSync(join(ROOT, 'build/h2core.wasm')).mtimeMs);
  if (Math.max(newestMtime(join(ROOT, 'assembly')), newestMtime(join(ROOT, 'host'))) > built) {
    progress('warning: assembly/ or host/ changed after the last build; these figures are for the built dist/ and build/ (run `npm run build` to measure the sources)');
  }
}

// --- running a part
let interrupted = false;
process.on('SIGINT', () => {
  // The child gets the same SIGINT (same process group) and stops its servers; wait for it.
  interrupted = true;
  progress('interrupted; waiting for the running part to clean up');
});

/** nghttpdInstalled reports whether nghttpd (the client benchmark's server) is on the PATH. */
function nghttpdInstalled() {
  return spawnSync('nghttpd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** runNode runs `node script args…` with stdout and stderr passed through; resolves to its exit code. */
function runNode(script, args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => {
      progress(`could not start ${script}: ${err.message}`);
      done(1);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

/** drawCharts redraws every chart whose results exist; returns the files written. */
function drawCharts() {
  const { written, skipped } = renderCharts(outDir);
  for (const s of skipped) if (!/ not found$/.test(s.why)) progress(`chart ${s.chart} not drawn: ${s.why}`);
  return { written, skipped };
}

const results = []; // { part, status: 'ok'|'failed'|'skipped', seconds, files, note }

async function runPart(part) {
  const md = join(outDir, `${part}.md`);
  const json = join(outDir, `${part}.json`);
  const t = Date.now();
  const done = (status, note = '', files = []) => {
    results.push({ part, status, seconds: (Date.now() - t) / 1000, files, note });
  };
  let script = `bench/${part}.mjs`;
  let supportsOnly = part !== 'workerd' && part !== 'proxy';
  if (part === 'workerd') {
    if (!existsSync(join(ROOT, script))) {
      progress('workerd: skipped — bench/workerd.mjs is not there yet');
      return done('skipped', 'bench/workerd.mjs is not there yet');
    }
    supportsOnly = readFileSync(join(ROOT, script), 'utf8').includes("'--only'");
  }
  if ((part === 'server' || part === 'proxy') && command === 'all' && !h2loadVersionSync()) {
    progress(`server: skipped — ${INSTALL_HINT}`);
    return done('skipped', INSTALL_HINT);
  }
  if (part === 'client' && command === 'all' && !nghttpdInstalled()) {
    progress(`client: skipped — ${NGHTTPD_HINT}`);
    return done('skipped', NGHTTPD_HINT);
  }
  if (only !== null && !supportsOnly) {
    progress(`${part}: it has no --only; running all of it`);
  }
  const args = [...(quick ? ['--quick'] : []), ...(only !== null && supportsOnly ? ['--only', only] : []), '--md', md, '--json', json];
  // The codec part also takes --clock wall|cpu and --before FILE.json (bench/codec.mjs).
  if (part === 'codec' && clockOption !== null) args.push('--clock', clockOption);
  if (part === 'codec' && before !== null) args.push('--before', before);
  progress(`${part}: node ${script} ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
  const code = await runNode(script, args);
  const files = [md, json].filter((f) => existsSync(f) && statSync(f).mtimeMs >= t - 1000);
  if (code !== 0) {
    progress(`${part}: FAILED (exit code ${code})`);
    done('failed', `exit code ${code}${files.length ? '; its files may hold partial or flagged results' : ''}`, files);
  } else {
    progress(`${part}: done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    done('ok', '', files);
  }
  const { written } = drawCharts();
  if (written.length) progress(`charts: ${written.map((f) => show(f)).join(', ')}`);
}

// --- the run
const parts = command === 'all' ? PARTS : PARTS.includes(command) ? [command] : [];
if (parts.length) progress(`${command}${quick ? ' --quick' : ''}: ${parts.join(', ')} → ${show(outDir)}`);
for (const part of parts) {
  if (interrupted) {
    results.push({ part, status: 'skipped', seconds: 0, files: [], note: 'interrupted' });
    continue;
  }
  await runPart(part);
}
const charts = drawCharts();
if (command === 'charts' && charts.written.length === 0) progress(`charts: no result files in ${show(outDir)}`);

// --- summary
const lines = ['', `bench ${command}${quick ? ' --quick' : ''}: finished in ${((Date.now() - T0) / 1000).toFixed(0)} s`];
for (const r of results) {
  lines.push(`  ${r.part.padEnd(8)} ${r.status.padEnd(8)} ${`${r.seconds.toFixed(0)} s`.padStart(6)}  ${[r.files.map(show).join(', '), r.note].filter(Boolean).join(' — ')}`);
}
lines.push(`  ${'charts'.padEnd(8)} ${(charts.written.length ? 'ok' : 'none').padEnd(8)} ${''.padStart(6)}  ${charts.written.map(show).join(', ') || `no result files in ${show(outDir)}`}`);
const notDrawn = charts.skipped.filter((s) => / not found$/.test(s.why)).map((s) => s.chart);
if (notDrawn.length && charts.written.length) lines.push(`  ${''.padEnd(24)}  not drawn (no results yet): ${notDrawn.join(', ')}`);
if (quick && results.some((r) => r.status === 'ok')) lines.push('  (quick run: fewer, shorter rounds — use the figures as a smoke test, not as results)');
process.stdout.write(lines.join('\n') + '\n');
const failed = results.filter((r) => r.status === 'failed');
if (failed.length || interrupted) process.exitCode = 1;
