#!/usr/bin/env node
// Every core: `h2wasm serve` with 1 and with 2 worker processes (--workers,
// cluster round-robin; the server benchmark's wasm and workers2 targets), h2load -t1 against each, rounds alternating, with the
// CPU of the whole server process tree and of h2load itself per run: on a
// 2-core machine the load generator competes with the workers for the cores.
//
//   node bench/workers.mjs [--rounds 3] [--duration 5]
//
// Prints a markdown table (medians over the rounds) and the load before each round.
// Needs h2load (nghttp2-client) and /usr/bin/time (Debian's time package) for h2load's own CPU.
import { spawnSync } from 'node:child_process';
import { backgroundCpu } from './lib/machine.mjs';
import { median } from './lib/rounds.mjs';
import { installCleanup } from './server/children.mjs';
import { startServer, treeCpuMs } from './server/targets.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const ROUNDS = Number(opt('--rounds', '3'));
const DURATION = Number(opt('--duration', '5'));
const LOADS = [['-c10', '-m10'], ['-c100', '-m100']];
/** TARGET_OF: the server benchmark's targets for one process and for two workers (bench/server/targets.mjs). */
const TARGET_OF = { 1: 'wasm', 2: 'workers2' };
installCleanup();

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
    const server = await startServer(TARGET_OF[workers]);
    for (const load of LOADS) {
      const before = treeCpuMs(server.pid);
      const r = run(server.port, load);
      const serverMs = treeCpuMs(server.pid) - before;
      const key = `${workers} ${load.join(' ')}`;
      if (!results.has(key)) results.set(key, []);
      // Both shares are of the wall time of the h2load run (its connects and teardown included).
      results.get(key).push({ rps: r.rps, serverCpuPct: serverMs / 10 / r.seconds, h2loadCpuPct: (100 * r.h2loadCpuS) / r.seconds, serverUsPerReq: (serverMs * 1000) / r.done });
      process.stderr.write(`[workers] round ${round + 1}: ${key}: ${Math.round(r.rps)} req/s, h2load ${Math.round((100 * r.h2loadCpuS) / r.seconds)}% of a core\n`);
    }
    await server.stop();
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
