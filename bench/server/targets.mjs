// The servers under test, how to start one, and how to tell it is ready.
//
// Every target is started directly (no shell, no npm), so the pid we hold is
// the server's own process and its VmRSS and CPU time are the server's. The
// Node programs get the same node flags and the same arguments: --host
// 127.0.0.1 --port P --tls-port Q --tls-self-signed. The peers written in
// other languages serve `/` from a directory holding "hello world\n" as its
// index, on h2c only (no TLS port: their TLS workload is left empty):
//   nghttpd (Debian nghttp2-server), one thread; h2o (Debian h2o), one thread;
//   Deno's Deno.serve (hyper) and Bun's node:http2, from the npm registry's
//   @deno/linux-x64-glibc and @oven/bun-linux-x64, installed on first use into
//   .cache/peers (not dependencies of the project).
import http2 from 'node:http2';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, stop } from './children.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const H2WASM_BIN = `${ROOT}bin/h2wasm.js`;
const H2WASM_CLI = `${ROOT}dist/host/node/cli.js`;
const NODE_PEER = `${ROOT}bench/node-http2-server.mjs`;
const DENO_PEER = `${ROOT}bench/server/deno-serve.ts`;
const PEERS_DIR = `${ROOT}.cache/peers`;
const DENO = `${PEERS_DIR}/node_modules/@deno/linux-x64-glibc/deno`;
const BUN = `${PEERS_DIR}/node_modules/@oven/bun-linux-x64/bin/bun`;
const PEER_PACKAGES = ['@deno/linux-x64-glibc@2.9.6', '@oven/bun-linux-x64@1.4.5'];

/** helloRoot makes (once) a directory whose index is "hello world\n", for the file servers. */
let helloDir = null;
function helloRoot() {
  if (helloDir === null) {
    helloDir = mkdtempSync(join(tmpdir(), 'h2wasm-bench-root-'));
    writeFileSync(join(helloDir, 'index.html'), 'hello world\n');
  }
  return helloDir;
}

/** onPath reports whether a command is on PATH. */
function onPath(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** installPeers installs Deno and Bun from the npm registry into .cache/peers (once). */
function installPeers() {
  if (existsSync(DENO) && existsSync(BUN)) return null;
  try {
    mkdirSync(PEERS_DIR, { recursive: true });
    if (!existsSync(`${PEERS_DIR}/package.json`)) writeFileSync(`${PEERS_DIR}/package.json`, '{"private":true}\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', PEERS_DIR, ...PEER_PACKAGES], { stdio: 'ignore', timeout: 300_000 });
    return null;
  } catch (e) {
    return `npm install ${PEER_PACKAGES.join(' ')} failed: ${e.message}`;
  }
}

/** h2oConfig writes an h2o configuration serving helloRoot() on 127.0.0.1:port with one thread. */
function h2oConfig(port) {
  const dir = mkdtempSync(join(tmpdir(), 'h2wasm-bench-h2o-'));
  const file = join(dir, 'h2o.conf');
  writeFileSync(file, [
    'num-threads: 1',
    'access-log: /dev/null',
    // Run as root, h2o would switch to nobody, who may not read our temporary directories.
    `user: ${userInfo().username}`,
    'listen:',
    '  host: 127.0.0.1',
    `  port: ${port}`,
    'hosts:',
    '  default:',
    '    paths:',
    '      /:',
    `        file.dir: ${helloRoot()}`,
    '',
  ].join('\n'));
  return file;
}

/** BEFORE: a checkout of an earlier h2wasm, built (H2WASM_BEFORE=DIR), for before/after runs in one benchmark. */
const BEFORE = process.env.H2WASM_BEFORE;

/** nodeTarget runs a Node program with our flags; the last three are the common arguments. */
const nodeTarget = (label, script, args, ownFlags = []) => ({
  label, tls: true,
  command: (port, tlsPort, nodeFlags) => [process.execPath, [...ownFlags, ...nodeFlags, script, ...args, '--host', '127.0.0.1', '--port', String(port), '--tls-port', String(tlsPort), '--tls-self-signed']],
});

/** COMMAND_FLAGS are the node flags the h2wasm command runs with (bin/h2wasm.js's #! line), so the
 *  h2wasm targets measure `h2wasm serve` as installed; `wasm-v8` runs it with V8's defaults. */
export const COMMAND_FLAGS = ['--max-semi-space-size=32', '--v8-pool-size=0'];

/** TARGETS: the names --targets accepts. `before` is h2wasm serve (wasm) from H2WASM_BEFORE. */
export const TARGETS = {
  wasm: nodeTarget('h2wasm wasm', H2WASM_BIN, ['serve', '--codec', 'wasm'], COMMAND_FLAGS),
  'wasm-v8': nodeTarget('h2wasm wasm, Node and V8 defaults', H2WASM_BIN, ['serve', '--codec', 'wasm']),
  js: nodeTarget('h2wasm js', H2WASM_BIN, ['serve', '--codec', 'js'], COMMAND_FLAGS),
  before: nodeTarget(`h2wasm wasm before (${BEFORE ?? 'H2WASM_BEFORE unset'})`, `${BEFORE}/bin/h2wasm.js`, ['serve', '--codec', 'wasm']),
  workers2: nodeTarget('h2wasm wasm, 2 workers', H2WASM_BIN, ['serve', '--codec', 'wasm', '--workers', '2'], COMMAND_FLAGS),
  node: nodeTarget('node:http2', NODE_PEER, []),
  nghttpd: {
    label: 'nghttpd (1 thread)', tls: false,
    command: (port) => ['nghttpd', ['--no-tls', '-n', '1', '-a', '127.0.0.1', '-d', helloRoot(), String(port)]],
  },
  h2o: { label: 'h2o (1 thread)', tls: false, command: (port) => ['h2o', ['-c', h2oConfig(port)]] },
  deno: { label: 'Deno.serve', tls: false, command: (port) => [DENO, ['run', '--allow-net', DENO_PEER, String(port)]] },
  bun: { label: 'Bun node:http2', tls: false, command: (port) => [BUN, [NODE_PEER, '--host', '127.0.0.1', '--port', String(port)]] },
};

/**
 * unavailable reports why a target cannot run before trying it (the build is
 * missing), or null. Whether `h2wasm serve` exists is left to starting it: a
 * CLI without it exits at once with its usage, which startServer reports.
 */
export function unavailable(name) {
  if (name === 'node') return null;
  if (name === 'nghttpd') return onPath('nghttpd') ? null : 'nghttpd is missing (apt-get install nghttp2-server)';
  if (name === 'h2o') return onPath('h2o') ? null : 'h2o is missing (apt-get install h2o)';
  if (name === 'deno' || name === 'bun') return installPeers();
  if (name === 'before') return BEFORE && existsSync(`${BEFORE}/dist/host/node/cli.js`) ? null : 'set H2WASM_BEFORE to a built checkout (npm run build there)';
  if (!existsSync(H2WASM_CLI)) return `${H2WASM_CLI} is missing: run \`npm run build\` first`;
  return null;
}

/** freePort asks the kernel for a free port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** get resolves to the status of one HTTP/2 GET, or rejects. */
function get(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, { rejectUnauthorized: false });
    const t = setTimeout(() => {
      session.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    const done = (err, v) => {
      clearTimeout(t);
      session.close();
      session.destroy();
      err ? reject(err) : resolve(v);
    };
    session.on('error', (e) => done(e));
    const req = session.request({ ':path': '/' });
    let status = 0;
    let headers = {};
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      status = h[':status'];
      headers = Object.fromEntries(Object.entries(h).filter(([k]) => !k.startsWith(':')));
    });
    req.on('data', (d) => (body += d));
    req.on('end', () => done(null, { status, headers, body }));
    req.on('error', (e) => done(e));
  });
}

/**
 * startServer starts target `name` with nodeFlags on fresh ports and resolves
 * when `GET /` answers "hello world\n" over both h2c and h2 (TLS), or rejects
 * with the server's stderr tail if it exits or is not ready in readyTimeoutMs.
 * Resolves to { name, label, pid, port, tlsPort, proc, argv, helloHeaders, stop() }
 * where helloHeaders are the response headers of `GET /` over h2c.
 */
export async function startServer(name, { nodeFlags = [], readyTimeoutMs = 20_000 } = {}) {
  const t = TARGETS[name];
  const port = await freePort();
  let tlsPort = await freePort();
  while (tlsPort === port) tlsPort = await freePort();
  const [cmd, argv] = t.command(port, tlsPort, nodeFlags);
  const proc = start(cmd, argv);
  let exited = null;
  proc.exited.then((e) => (exited = e));
  const deadline = Date.now() + readyTimeoutMs;
  const shown = cmd === process.execPath ? 'node' : cmd.replace(ROOT, '');
  const server = { name, label: t.label, pid: proc.child.pid, port, tlsPort: t.tls ? tlsPort : null, proc, argv: [shown, ...argv].join(' ') };
  server.stop = () => stop(proc);
  for (const url of t.tls ? [`http://127.0.0.1:${port}`, `https://127.0.0.1:${tlsPort}`] : [`http://127.0.0.1:${port}`]) {
    for (;;) {
      if (exited) throw new Error(`${t.label} exited (${exited.code ?? exited.signal}) before it was ready:\n${proc.stderrTail().slice(-3000)}`);
      if (Date.now() > deadline) {
        await stop(proc);
        throw new Error(`${t.label} not ready on ${url} within ${readyTimeoutMs} ms:\n${proc.stderrTail().slice(-3000)}`);
      }
      try {
        const r = await get(url, 2000);
        if (r.status === 200 && r.body === 'hello world\n') {
          server.helloHeaders ??= r.headers;
          break;
        }
        await stop(proc);
        throw new Error(`${t.label}: GET ${url}/ answered ${r.status} ${JSON.stringify(r.body.slice(0, 80))}, not 200 "hello world\\n"`);
      } catch (err) {
        if (err.message.startsWith(`${t.label}:`)) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  return server;
}

/** cpuMs returns the user + system CPU time of pid so far, in ms (Linux /proc; USER_HZ 100), or null. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/** treeCpuMs is the CPU time (ms) of pid and its child processes (nghttpx's worker, h2wasm's
 *  --workers), or null when pid is gone. */
export function treeCpuMs(pid) {
  const own = cpuMs(pid);
  if (own === null) return null;
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {}
  return children.reduce((sum, c) => sum + (treeCpuMs(c) ?? 0), own);
}

/** rssKiB reads VmRSS (KiB) of a process from /proc, or null if it is gone. */
export function rssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * settledRss waits `afterMs`, then samples VmRSS every 250 ms until two samples
 * in a row differ by less than 0.5% (or maxMs passes) and returns the last one,
 * with every sample taken.
 */
export async function settledRss(pid, { afterMs = 1000, maxMs = 5000 } = {}) {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  await sleep(afterMs);
  const samples = [rssKiB(pid)];
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    await sleep(250);
    samples.push(rssKiB(pid));
    const [a, b] = samples.slice(-2);
    if (a !== null && b !== null && Math.abs(b - a) <= a * 0.005) break;
  }
  return { kib: samples.at(-1), samples };
}
