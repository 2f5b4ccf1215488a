// The servers under test, how to start one, and how to tell it is ready.
//
// Every target is a Node program started directly with process.execPath (no
// shell, no npm), so the pid we hold is the server's own process and its VmRSS
// is the server's memory. All of them get the same node flags and the same
// arguments: --host 127.0.0.1 --port P --tls-port Q --tls-self-signed.
import http2 from 'node:http2';
import net from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { start, stop } from './children.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const H2WASM_BIN = `${ROOT}bin/h2wasm.js`;
const H2WASM_CLI = `${ROOT}dist/host/node/cli.js`;
const NODE_PEER = `${ROOT}bench/node-http2-server.mjs`;

/** BEFORE: a checkout of an earlier h2wasm, built (H2WASM_BEFORE=DIR), for before/after runs in one benchmark. */
const BEFORE = process.env.H2WASM_BEFORE;

/** TARGETS: the names --targets accepts. `before` is h2wasm serve (wasm) from H2WASM_BEFORE. */
export const TARGETS = {
  wasm: { label: 'h2wasm wasm', script: H2WASM_BIN, args: ['serve', '--codec', 'wasm'] },
  js: { label: 'h2wasm js', script: H2WASM_BIN, args: ['serve', '--codec', 'js'] },
  before: { label: `h2wasm wasm before (${BEFORE ?? 'H2WASM_BEFORE unset'})`, script: `${BEFORE}/bin/h2wasm.js`, args: ['serve', '--codec', 'wasm'] },
  node: { label: 'node:http2', script: NODE_PEER, args: [] },
};

/**
 * unavailable reports why a target cannot run before trying it (the build is
 * missing), or null. Whether `h2wasm serve` exists is left to starting it: a
 * CLI without it exits at once with its usage, which startServer reports.
 */
export function unavailable(name) {
  if (name === 'node') return null;
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
  const argv = [...nodeFlags, t.script, ...t.args, '--host', '127.0.0.1', '--port', String(port), '--tls-port', String(tlsPort), '--tls-self-signed'];
  const proc = start(process.execPath, argv);
  let exited = null;
  proc.exited.then((e) => (exited = e));
  const deadline = Date.now() + readyTimeoutMs;
  const server = { name, label: t.label, pid: proc.child.pid, port, tlsPort, proc, argv: ['node', ...argv].join(' ') };
  server.stop = () => stop(proc);
  for (const url of [`http://127.0.0.1:${port}`, `https://127.0.0.1:${tlsPort}`]) {
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
