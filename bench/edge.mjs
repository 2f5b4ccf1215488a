#!/usr/bin/env node
// The gateway Worker's numbers (npm run bench:edge):
//   1. bundle size: `wrangler deploy --dry-run` output, as built and minified, raw and gzip;
//   2. cold start: instantiating the wire core from its compiled module inside workerd, and the
//      first request of a fresh isolate against a later one;
//   3. CPU time per unary gRPC-web call through the gateway (workerd's own CPU, from /proc);
//   4. requests per second: h2load through the gateway in workerd (HTTP/1.1 in, gRPC-web bridged
//      to gRPC over h2c) against the same @grpc/grpc-js origin called directly with h2load (gRPC).
//
//   node bench/edge.mjs [--quick] [--md FILE]
//
// Needs h2load (apt-get install nghttp2-client) and a build (npm run build). The machine's load
// (`uptime`) is printed with the results: on a shared machine the figures move with it.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Miniflare } from 'miniflare';

const root = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const mdPath = argv.includes('--md') ? argv[argv.indexOf('--md') + 1] : null;
const REQUESTS = quick ? 2000 : 20000;
const CONCURRENCY = 16;
const log = (...a) => console.error('[edge]', ...a);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

// 1. Bundle size.
function bundleSizes(minify) {
  const out = mkdtempSync(join(os.tmpdir(), 'h2wasm-edge-'));
  execFileSync(root('node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', out, ...(minify ? ['--minify'] : [])], { cwd: root(''), stdio: 'ignore' });
  const files = readdirSync(out).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
  const sizes = {};
  for (const f of files) {
    const bytes = readFileSync(join(out, f));
    sizes[f.endsWith('.wasm') ? 'wasm' : 'js'] = { raw: bytes.length, gzip: gzipSync(bytes).length };
  }
  return sizes;
}

// The origin: grpc-js, Greeter.SayHello.
async function startOrigin() {
  const def = protoLoader.loadSync(root('test/node/peers/fixtures/greeter.proto'), { keepCase: true });
  const pkg = grpc.loadPackageDefinition(def);
  const server = new grpc.Server();
  server.addService(pkg.h2wasm.test.Greeter.service, {
    SayHello(call, cb) { cb(null, { message: `hello ${call.request.name}` }); },
    CountTo(call) { call.end(); },
  });
  const port = await new Promise((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { port, close: () => new Promise((r) => server.tryShutdown(() => r())) };
}

async function startGateway(originPort, sessionObject = false) {
  const bundle = await esbuild.build({
    entryPoints: [root('bench/edge/entry.ts')], bundle: true, write: false, format: 'esm', platform: 'neutral', target: 'es2022',
    external: ['cloudflare:*'], logLevel: 'silent',
    plugins: [{ name: 'wasm', setup(b) { b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './h2core.wasm', external: true })); } }],
  });
  const mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: 'worker.mjs', contents: bundle.outputFiles[0].text },
      { type: 'CompiledWasm', path: 'h2core.wasm', contents: readFileSync(root('build/h2core.wasm')) },
    ],
    compatibilityDate: '2025-01-01',
    bindings: { ORIGIN: `h2c://127.0.0.1:${originPort}` },
    ...(sessionObject ? { durableObjects: { ORIGIN_SESSION: 'OriginSession' } } : {}),
    host: '127.0.0.1',
    port: 0,
  });
  const url = await mf.ready;
  return { mf, url };
}

/** workerdCpuMs is the CPU time (user + system) of the workerd processes this process started. */
function workerdCpuMs() {
  const tick = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  let total = 0;
  for (const pid of execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n')) {
    const [p, comm] = pid.trim().split(/\s+/);
    if (comm !== 'workerd') continue;
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) * tick;
  }
  return total;
}

function h2load(args) {
  return new Promise((resolve, reject) => {
    execFile('h2load', args, { maxBuffer: 1 << 24 }, (e, out) => {
      if (e) return reject(e);
      const rps = Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out)?.[1]);
      const ok = Number(/requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded/.exec(out)?.[1]);
      resolve({ rps, ok, out });
    });
  });
}

// gRPC message: HelloRequest { name: "bench" } in a gRPC (and gRPC-web) frame.
const message = Buffer.from([0x0a, 5, ...Buffer.from('bench')]);
const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
const bodyFile = join(mkdtempSync(join(os.tmpdir(), 'h2wasm-edge-')), 'hello.bin');
writeFileSync(bodyFile, frame);

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(', ');
const uptimeBefore = execFileSync('uptime', { encoding: 'utf8' }).trim();
log('uptime:', uptimeBefore);

log('bundle sizes (wrangler deploy --dry-run)…');
const built = bundleSizes(false);
const minified = bundleSizes(true);

const origin = await startOrigin();

// 2. Cold start: fresh isolates (a new workerd each), first request vs the next.
log('cold starts…');
const coldFirst = [];
const warm = [];
let instantiate = null;
for (let i = 0; i < (quick ? 2 : 5); i++) {
  const { mf, url } = await startGateway(origin.port);
  const t0 = performance.now();
  await (await fetch(new URL('/__bench/instantiate?n=1', url))).json();
  coldFirst.push(performance.now() - t0);
  const t1 = performance.now();
  await (await fetch(new URL('/__bench/instantiate?n=1', url))).json();
  warm.push(performance.now() - t1);
  if (i === 0) {
    const n = quick ? 50 : 200;
    const r = await (await fetch(new URL(`/__bench/instantiate?n=${n}`, url))).json();
    instantiate = r.ms / r.n;
  }
  await mf.dispose();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 3 and 4. Throughput and CPU.
log('throughput…');
const { mf, url } = await startGateway(origin.port);
const path = '/h2wasm.test.Greeter/SayHello';
// Warm up, and check the call works through the gateway.
const check = await fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: frame });
const checkBody = Buffer.from(await check.arrayBuffer());
if (!checkBody.includes(Buffer.from('hello bench')) || !checkBody.includes(Buffer.from('grpc-status: 0'))) throw new Error(`gateway check failed: ${checkBody}`);
await h2load(['--h1', '-n', '500', '-c', String(CONCURRENCY), '-d', bodyFile, '-H', 'content-type: application/grpc-web+proto', new URL(path, url).href]);
// Sequential round trips (one connection, one call at a time): nothing, a session opened and closed, a call.
const sequential = {};
for (const [name, target, extra] of [['noop', '/__bench/noop', []], ['dial', '/__bench/dial', []], ['call', path, ['-d', bodyFile, '-H', 'content-type: application/grpc-web+proto']]]) {
  const r = await h2load(['--h1', '-n', quick ? '200' : '1000', '-c', '1', ...extra, new URL(target, url).href]);
  sequential[name] = 1000 / r.rps;
}
// workerd's CPU for an empty response: its HTTP server and miniflare's entry Worker, without the gateway.
const cpuNoop0 = workerdCpuMs();
const noopRun = await h2load(['--h1', '-n', String(REQUESTS), '-c', String(CONCURRENCY), new URL('/__bench/noop', url).href]);
const cpuPerNoop = (workerdCpuMs() - cpuNoop0) / noopRun.ok;
const cpu0 = workerdCpuMs();
const viaGateway = await h2load(['--h1', '-n', String(REQUESTS), '-c', String(CONCURRENCY), '-d', bodyFile, '-H', 'content-type: application/grpc-web+proto', new URL(path, url).href]);
const cpuPerCall = (workerdCpuMs() - cpu0) / viaGateway.ok;
const loadDuring = load();
await mf.dispose();
// The same through the ORIGIN_SESSION Durable Object: one session to the origin for every call.
log('throughput through the Durable Object…');
const withObject = await startGateway(origin.port, true);
await h2load(['--h1', '-n', '500', '-c', String(CONCURRENCY), '-d', bodyFile, '-H', 'content-type: application/grpc-web+proto', new URL(path, withObject.url).href]);
const cpuObject0 = workerdCpuMs();
const viaObject = await h2load(['--h1', '-n', String(REQUESTS), '-c', String(CONCURRENCY), '-d', bodyFile, '-H', 'content-type: application/grpc-web+proto', new URL(path, withObject.url).href]);
const cpuPerObjectCall = (workerdCpuMs() - cpuObject0) / viaObject.ok;
const seqObject = await h2load(['--h1', '-n', quick ? '200' : '1000', '-c', '1', '-d', bodyFile, '-H', 'content-type: application/grpc-web+proto', new URL(path, withObject.url).href]);
await withObject.mf.dispose();
const direct = await h2load(['-n', String(REQUESTS), '-c', '4', '-m', String(CONCURRENCY / 4), '-d', bodyFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers', `http://127.0.0.1:${origin.port}${path}`]);
await origin.close();
const uptimeAfter = execFileSync('uptime', { encoding: 'utf8' }).trim();

const md = `## At the edge: the gateway Worker

\`npm run bench:edge\` (\`bench/edge.mjs\`${quick ? ' --quick' : ''}), ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, wrangler/miniflare 4 with workerd ${JSON.parse(readFileSync(root('node_modules/workerd/package.json'), 'utf8')).version}.
The machine is shared and busy: \`uptime\` before: \`${uptimeBefore}\`; load during the gateway run: ${loadDuring}; after: \`${uptimeAfter}\`. Read the figures as orders of magnitude.

| what | figure |
| --- | --- |
| bundle (\`wrangler deploy --dry-run\`): gateway.js | ${kib(built.js.raw)} (${kib(built.js.gzip)} gzip) |
| bundle, \`--minify\`: gateway.js | ${kib(minified.js.raw)} (${kib(minified.js.gzip)} gzip) |
| h2core.wasm (a separate compiled module) | ${kib(built.wasm.raw)} (${kib(built.wasm.gzip)} gzip) |
| instantiating the core from its compiled module, in workerd | ${instantiate.toFixed(2)} ms (mean of many, performance.now() in 1 ms steps) |
| first request of a fresh isolate / a later one (round trip from Node) | ${median(coldFirst).toFixed(1)} ms / ${median(warm).toFixed(1)} ms (median of ${coldFirst.length}) |
| workerd CPU per unary gRPC-web call through the gateway | ${cpuPerCall.toFixed(2)} ms (user + system, ${viaGateway.ok} calls); an empty Worker response costs ${cpuPerNoop.toFixed(2)} ms (${Math.round(noopRun.rps)} per second) |
| one at a time (h2load --h1 -c1): an empty Worker response / a session to the origin opened and closed / a unary call | ${sequential.noop.toFixed(2)} ms / ${sequential.dial.toFixed(2)} ms / ${sequential.call.toFixed(2)} ms per request |
| calls per second through the gateway in workerd (h2load --h1, ${CONCURRENCY} connections) | ${Math.round(viaGateway.rps)} |
| the same through the ORIGIN_SESSION Durable Object (one session for all calls): calls per second / workerd CPU per call / one at a time | ${Math.round(viaObject.rps)} / ${cpuPerObjectCall.toFixed(2)} ms / ${(1000 / seqObject.rps).toFixed(2)} ms |
| calls per second to the grpc-js origin directly (h2load, 4 connections × ${CONCURRENCY / 4} streams) | ${Math.round(direct.rps)} |

Without the Durable Object each gateway call opens its own HTTP/2 connection to the origin
(workerd ties sockets to the request that opened them), so a call costs a TCP handshake, both
prefaces and SETTINGS on top of the call; with it, every call is a stream on one kept session
(plus the hop from the Worker to the object). The origin called directly reuses its connections. The workerd CPU
figure includes miniflare's entry Worker and workerd's HTTP/1.1 handling, not only the gateway.
`;
console.log(md);
if (mdPath) writeFileSync(mdPath, md);
