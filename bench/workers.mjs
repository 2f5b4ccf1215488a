#!/usr/bin/env node
// Every core: `h2wasm serve` with 1 and with 2 worker processes (--workers,
// cluster round-robin), h2load -t1 against each, rounds alternating, with the
// CPU of the whole server process tree and of h2load itself per run: on a
// 2-core machine the load generator competes with the workers for the cores.
//
//   node bench/workers.mjs [--rounds 3] [--duration 5]
//
// Prints a markdown table (medians over the rounds) and the load before each round.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backgroundCpu } from './lib/machine.mjs';
import { median } from './lib/rounds.mjs';
import { COMMAND_FLAGS, freePort } from './server/targets.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const ROUNDS = Number(opt('--rounds', '3'));
const DURATION = Number(opt('--duration', '5'));
const LOADS = [['-c10', '-m10'], ['-c100', '-m100']];

/** treeCpuMs is user + system CPU (ms) of pid and its child processes (the workers). */
function treeCpuMs(root) {
  let ms = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(d) === root || Number(f[1]) === root) ms += (Number(f[11]) + Number(f[12])) * 10;
    } catch { /* gone */ }
  }
  return ms;
}

async function startServe(workers) {
  const port = await freePort();
  // The boot line goes to stderr (the log), once every worker serves.
  const child = spawn(process.execPath, [...COMMAND_FLAGS, `${ROOT}bin/h2wasm.js`, 'serve', '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers)], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((ok, fail) => {
    let out = '';
    child.stderr.on('data', (d) => { out += d; if (out.includes('h2wasm serving')) ok(); });
    child.on('exit', () => fail(new Error(`serve --workers ${workers} exited: ${out}`)));
  });
  child.stderr.resume();
  return { child, port };
}

/** run makes one timed h2load run; h2load's own CPU comes from /usr/bin/time. */
function run(port, load) {
  spawnSync('h2load', [...load, '-t1', '-D', '1', `http://127.0.0.1:${port}/`]); // warm-up
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', 'h2load', ...load, '-t1', '-D', String(DURATION), `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(r.stdout)?.[1]);
  const done = Number(/requests: \d+ total, \d+ started, (\d+) done/.exec(r.stdout)?.[1]);
  const [, u, s] = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr) ?? [];
  return { rps, done, h2loadCpuS: Number(u) + Number(s), seconds: (Date.now() - t0) / 1000 };
}

const results = new Map(); // key `${workers} ${load}` -> [{ rps, serverCpuPct, h2loadCpuPct, serverUsPerReq }]
const loads = [];
for (let round = 0; round < ROUNDS; round++) {
  loads.push(await backgroundCpu());
  for (const workers of round % 2 === 0 ? [1, 2] : [2, 1]) {
    const { child, port } = await startServe(workers);
    for (const load of LOADS) {
      const before = treeCpuMs(child.pid);
      const r = run(port, load);
      const serverMs = treeCpuMs(child.pid) - before;
      const key = `${workers} ${load.join(' ')}`;
      if (!results.has(key)) results.set(key, []);
      // Both shares are of the wall time of the h2load run (its connects and teardown included).
      results.get(key).push({ rps: r.rps, serverCpuPct: serverMs / 10 / r.seconds, h2loadCpuPct: (100 * r.h2loadCpuS) / r.seconds, serverUsPerReq: (serverMs * 1000) / r.done });
      process.stderr.write(`[workers] round ${round + 1}: ${key}: ${Math.round(r.rps)} req/s, h2load ${Math.round((100 * r.h2loadCpuS) / r.seconds)}% of a core\n`);
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
}
console.log(`Other processes' CPU use before each round: ${loads.map((l) => `${Math.round(l * 100)}%`).join(', ')}.`);
console.log('| workers | load | req/s | server CPU, % of a core | server CPU µs/request | h2load CPU, % of a core |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
for (const [key, rows] of results) {
  const [workers, ...load] = key.split(' ');
  const m = (f) => median(rows.map(f));
  console.log(`| ${workers} | \`${load.join(' ')}\` | ${Math.round(m((x) => x.rps)).toLocaleString('en-US')} | ${Math.round(m((x) => x.serverCpuPct))} | ${m((x) => x.serverUsPerReq).toFixed(2)} | ${Math.round(m((x) => x.h2loadCpuPct))} |`);
}
