// External HTTP/2 servers for the client tests: nghttpd (h2c or TLS) and h2o,
// each a child process on 127.0.0.1 with a document root in a temp dir, killed
// after the test. A missing binary fails the test with the apt-get line that
// installs it (never a skip).

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from '../../host/node/self-signed.js';
import { defer } from './peers.js';

const INSTALL: Record<string, string> = {
  nghttpd: 'apt-get install -y nghttp2-server',
  h2o: 'apt-get install -y h2o',
};

/** ExternalServer is a running server process. */
export interface ExternalServer {
  readonly port: number;
  readonly origin: string;
  readonly child: ChildProcess;
  /** The server's stderr and stdout so far (for failure messages). */
  output(): string;
  /** The certificate (PEM) the client must trust, for TLS servers. */
  readonly ca: string | null;
}

/** DocRoot is a temp directory of files with their sha256. */
export interface DocRoot {
  dir: string;
  files: Map<string, { bytes: number; sha256: string }>;
}

/** docRoot writes the files into a fresh temp dir (removed after the test). */
export function docRoot(files: Record<string, Uint8Array | string>): DocRoot {
  const dir = mkdtempSync(join(tmpdir(), 'h2wasm-client-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const out = new Map<string, { bytes: number; sha256: string }>();
  for (const [name, data] of Object.entries(files)) {
    writeFileSync(join(dir, name), data);
    out.set(name, { bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.length, sha256: createHash('sha256').update(data).digest('hex') });
  }
  return { dir, files: out };
}

/** deterministicBytes returns n bytes of a fixed pseudo-random sequence (xorshift32), for sha256 checks. */
export function deterministicBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** freePort asks the kernel for a free port on 127.0.0.1 (a server started on it right after is all but sure to get it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** spawnServer runs cmd and resolves once its port accepts TCP connections; it fails clearly when
 *  the binary is missing, the process exits, or the port stays closed past timeoutMs. */
async function spawnServer(cmd: string, args: string[], port: number, options: { cwd?: string; ca?: string | null; timeoutMs?: number; tls: boolean }): Promise<ExternalServer> {
  const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out = (out + b.toString('utf8')).slice(-20_000); });
  child.stderr!.on('data', (b: Buffer) => { out = (out + b.toString('utf8')).slice(-20_000); });
  let exited: string | null = null;
  let spawnError: Error | null = null;
  child.once('error', (e) => { spawnError = e; });
  child.once('exit', (code, signal) => { exited = `exit code ${code}, signal ${signal}`; });
  defer(() => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || spawnError !== null) { resolve(); return; }
    const t = setTimeout(() => { child.kill('SIGKILL'); }, 3000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  }));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    if (spawnError !== null) {
      const e = spawnError as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw new Error(`${cmd} is not installed; the client peer tests need it: ${INSTALL[cmd] ?? `install ${cmd}`}`);
      throw new Error(`${cmd} did not start: ${e.message}`);
    }
    if (exited !== null) throw new Error(`${cmd} ${args.join(' ')} exited before listening (${exited}):\n${out}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) throw new Error(`${cmd} ${args.join(' ')} did not listen on 127.0.0.1:${port} within ${options.timeoutMs ?? 10_000} ms:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, child, output: () => out, ca: options.ca ?? null };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** certFiles writes a fresh self-signed certificate for 127.0.0.1 and localhost into dir. */
function certFiles(dir: string): { cert: string; key: string; certFile: string; keyFile: string } {
  const { cert, key } = selfSignedCertificate(['localhost', '127.0.0.1']);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, cert);
  writeFileSync(keyFile, key, { mode: 0o600 });
  return { cert, key, certFile, keyFile };
}

/** startNghttpd runs `nghttpd` serving root (h2c with --no-tls, or TLS with a fresh self-signed
 *  certificate), with extra flags (e.g. --echo-upload). */
export async function startNghttpd(root: DocRoot, options: { tls?: boolean; args?: string[] } = {}): Promise<ExternalServer> {
  const port = await freePort();
  const tls = options.tls ?? false;
  const args = ['-a', '127.0.0.1', '-d', root.dir, ...(options.args ?? [])];
  if (!tls) return spawnServer('nghttpd', [...args, '--no-tls', String(port)], port, { tls });
  const keys = mkdtempSync(join(tmpdir(), 'h2wasm-cert-'));
  defer(() => rmSync(keys, { recursive: true, force: true }));
  const c = certFiles(keys);
  return spawnServer('nghttpd', [...args, String(port), c.keyFile, c.certFile], port, { tls, ca: c.cert });
}

/** startH2o runs h2o over TLS (ALPN h2 and http/1.1) serving root, with a config file in a temp dir. */
export async function startH2o(root: DocRoot): Promise<ExternalServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'h2wasm-h2o-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const c = certFiles(dir);
  const conf = join(dir, 'h2o.conf');
  writeFileSync(conf, [
    `listen:`,
    `  host: 127.0.0.1`,
    `  port: ${port}`,
    `  ssl:`,
    `    certificate-file: ${c.certFile}`,
    `    key-file: ${c.keyFile}`,
    `    ocsp-update-interval: 0`,
    `error-log: ${join(dir, 'error.log')}`,
    `num-threads: 1`,
    // Run as root, h2o switches to "nobody", who cannot read the 0700 temp dirs: keep our user.
    ...(process.getuid?.() === 0 ? [`user: ${userInfo().username}`] : []),
    `hosts:`,
    `  default:`,
    `    paths:`,
    `      /:`,
    `        file.dir: ${root.dir}`,
    '',
  ].join('\n'));
  try {
    return await spawnServer('h2o', ['-c', conf], port, { tls: true, ca: c.cert, cwd: dir });
  } catch (e) {
    let log = '';
    try { log = readFileSync(join(dir, 'error.log'), 'utf8'); } catch { /* none */ }
    throw new Error(`${(e as Error).message}\nh2o error.log:\n${log}`);
  }
}
