#!/usr/bin/env node
// One client benchmark run in its own process (a fresh JIT and heap): one
// HTTP/2 session to the server, a warm-up, then the timed part; prints one
// JSON line on stdout. bench/client.mjs starts it once per client, workload
// and round.
//
//   node bench/client/runner.mjs --client h2wasm|node|undici --origin URL
//        --workload rps --path /hello.txt --requests N --concurrency C --warmup N
//        --workload download --path /big.bin --bytes B --repeats R --warm-path /warm.bin
//        [--codec wasm|js]
//
// Clients, each as a competent user would set it up for this job:
//   h2wasm  connect(origin) from dist/ (h2wasm/node), session.fetch, bodies read as streams;
//           its default windows (1 MiB per stream, 16 MiB per connection).
//   node    http2.connect with the same windows as h2wasm (SETTINGS_INITIAL_WINDOW_SIZE 1 MiB,
//           session.setLocalWindowSize(16 MiB)); session.request, 'data'/'end'.
//   undici  new Agent({ allowH2: true, connections: 1 }) and undici's fetch (h2 only over TLS).
// Every response must be 200 with the expected length; any failure makes the run not ok.
import http2 from 'node:http2';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i < 0 ? def : argv[i + 1];
};
const client = opt('--client');
const origin = opt('--origin');
const workload = opt('--workload');
const path = opt('--path');
const codec = opt('--codec', 'wasm');

function out(result) {
  process.stdout.write(JSON.stringify({ client, workload, ...result }) + '\n');
}

/** makeClient returns { get(path) → [status, bytes], close() } over one session. */
async function makeClient() {
  if (client === 'h2wasm') {
    const { connect } = await import(`${ROOT}dist/host/node/index.js`);
    const session = await connect(origin, { codec, tls: { rejectUnauthorized: false } });
    return {
      label: `h2wasm (${codec} core)`,
      async get(p) {
        const res = await session.fetch(p);
        let n = 0;
        for await (const c of res.body) n += c.length;
        return [res.status, n];
      },
      close: () => session.close(),
    };
  }
  if (client === 'node') {
    const session = http2.connect(origin, { rejectUnauthorized: false, settings: { initialWindowSize: 1 << 20 } });
    session.on('error', () => {});
    await once(session, 'connect');
    session.setLocalWindowSize(16 << 20);
    return {
      label: 'node:http2',
      get(p) {
        return new Promise((resolve, reject) => {
          const req = session.request({ ':path': p });
          let status = 0;
          let n = 0;
          req.on('response', (h) => { status = h[':status']; });
          req.on('data', (c) => { n += c.length; });
          req.on('end', () => resolve([status, n]));
          req.on('error', reject);
        });
      },
      close: () => new Promise((r) => session.close(r)),
    };
  }
  if (client === 'undici') {
    let undici;
    try {
      undici = await import('undici');
    } catch {
      throw Object.assign(new Error('the undici package is not installed (npm install --save-dev undici)'), { unavailable: true });
    }
    const agent = new undici.Agent({ allowH2: true, connections: 1, connect: { rejectUnauthorized: false } });
    return {
      label: 'undici',
      async get(p) {
        const res = await undici.fetch(`${origin}${p}`, { dispatcher: agent });
        let n = 0;
        for await (const c of res.body) n += c.length;
        return [res.status, n];
      },
      close: () => agent.close(),
    };
  }
  throw new Error(`unknown client ${client}`);
}

/** burst makes `total` GETs with `concurrency` in flight; returns the failures (at most 5 described). */
async function burst(c, total, concurrency, wantBytes) {
  let next = 0;
  let failed = 0;
  const problems = [];
  const worker = async () => {
    while (next < total) {
      next++;
      try {
        const [status, n] = await c.get(path);
        if (status !== 200 || n !== wantBytes) throw new Error(`status ${status}, ${n} bytes (wanted 200, ${wantBytes})`);
      } catch (e) {
        failed++;
        if (problems.length < 5) problems.push(String(e?.message ?? e));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { failed, problems };
}

try {
  const c = await makeClient();
  if (workload === 'rps') {
    const total = Number(opt('--requests'));
    const concurrency = Number(opt('--concurrency'));
    const wantBytes = Number(opt('--bytes'));
    const warm = await burst(c, Number(opt('--warmup', '2000')), concurrency, wantBytes);
    const cpu1 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = await burst(c, total, concurrency, wantBytes);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu1);
    await c.close();
    const failed = r.failed + warm.failed;
    out({
      ok: failed === 0, label: c.label, requests: total, concurrency, seconds, reqPerSec: total / seconds,
      cpuMsPer1000: (cpu.user + cpu.system) / 1000 / (total / 1000), failed, problems: [...warm.problems, ...r.problems],
    });
  } else if (workload === 'download') {
    const bytes = Number(opt('--bytes'));
    const repeats = Number(opt('--repeats', '3'));
    const [ws] = await c.get(opt('--warm-path'));
    const cpu1 = process.cpuUsage();
    const runs = [];
    const problems = ws === 200 ? [] : [`warm-up status ${ws}`];
    for (let k = 0; k < repeats; k++) {
      const t0 = process.hrtime.bigint();
      const [status, n] = await c.get(path);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (status !== 200 || n !== bytes) problems.push(`status ${status}, ${n} bytes (wanted 200, ${bytes})`);
      runs.push({ seconds, mbPerSec: n / seconds / 1e6 });
    }
    const cpu = process.cpuUsage(cpu1);
    await c.close();
    const sorted = runs.map((r) => r.mbPerSec).sort((a, b) => a - b);
    out({ ok: problems.length === 0, label: c.label, bytes, repeats, mbPerSec: sorted[Math.floor(sorted.length / 2)], runs: runs.map((r) => r.mbPerSec), cpuSecondsPer100MiB: (cpu.user + cpu.system) / 1e6 / (repeats * bytes / 2 ** 20 / 100), problems });
  } else {
    throw new Error(`unknown workload ${workload}`);
  }
  process.exit(0);
} catch (e) {
  out({ ok: false, unavailable: e?.unavailable === true, problems: [String(e?.stack ?? e)] });
  process.exit(e?.unavailable ? 3 : 1);
}
