// Real-peer test plumbing: servers started with serve() and closed after each
// test, a log collector, external tools (curl, nghttp, h2load) run as child
// processes, Node's http2 client with small request helpers, and a
// deterministic pseudo-random byte source for large transfers.

import { execFile, execFileSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import { Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { serve, type H2Server, type ServeOptions } from '../../host/node/serve.js';
import type { Log } from '../../host/engine/types.js';

// ---------------------------------------------------------------------------
// Logs.

/** LogLine is one call to a server's log. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  context?: Record<string, unknown>;
}

/** LogCollector keeps a server's log lines for assertions. */
export interface LogCollector {
  log: Log;
  lines: LogLine[];
  /** The lines at error level. */
  errors(): LogLine[];
}

/** collectLog makes a Log that remembers every line. */
export function collectLog(): LogCollector {
  const lines: LogLine[] = [];
  return {
    log: (level, message, context) => {
      lines.push({ level, message, context });
    },
    lines,
    errors: () => lines.filter((l) => l.level === 'error'),
  };
}

// ---------------------------------------------------------------------------
// Resources closed after each test.

const cleanups: Array<() => Promise<void> | void> = [];

/** defer runs f after the current test (latest first). */
export function defer(f: () => Promise<void> | void): void {
  cleanups.push(f);
}

afterEach(async () => {
  while (cleanups.length > 0) {
    const f = cleanups.pop()!;
    try {
      await f();
    } catch {
      // A cleanup that fails (a session already destroyed) must not hide the test's own result.
    }
  }
});

/** PeerServer is a running serve() with its log. */
export interface PeerServer extends H2Server {
  logs: LogCollector;
  /** The origin to give a client, e.g. http://127.0.0.1:4321. */
  origin: string;
}

/** startServer runs serve() on 127.0.0.1 port 0 with a collected log; the server is closed after the test. */
export async function startServer(options: Omit<ServeOptions, 'port' | 'hostname' | 'log'>): Promise<PeerServer> {
  const logs = collectLog();
  const server = await serve({ shutdownTimeout: 2000, ...options, port: 0, hostname: '127.0.0.1', log: logs.log });
  defer(() => server.close());
  const origin = `${server.tls ? 'https' : 'http'}://127.0.0.1:${server.port}`;
  return Object.assign(server, { logs, origin });
}

// ---------------------------------------------------------------------------
// External tools.

const checked = new Map<string, boolean>();

/** requireTool fails (never skips) with an install hint when a command-line peer is missing. */
export function requireTool(name: 'curl' | 'nghttp' | 'h2load'): void {
  let ok = checked.get(name);
  if (ok === undefined) {
    try {
      execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
      ok = true;
    } catch {
      ok = false;
    }
    checked.set(name, ok);
  }
  if (!ok) throw new Error(`${name} is not installed; the real-peer tests need it: apt-get install nghttp2-client curl`);
}

/** ToolResult is what a finished command produced. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** runTool runs a command with a deadline and returns its exit code and output (latin1, so binary bodies keep their bytes). */
export function runTool(cmd: 'curl' | 'nghttp' | 'h2load', args: string[], timeoutMs = 30_000): Promise<ToolResult> {
  requireTool(cmd);
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'latin1', maxBuffer: 64 << 20, timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`${cmd} ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
        return;
      }
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

/** runOk runs a command that must exit 0 and returns its stdout. */
export async function runOk(cmd: 'curl' | 'nghttp' | 'h2load', args: string[], timeoutMs?: number): Promise<string> {
  const r = await runTool(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------
// Node's http2 client.

/** connect opens an http2 client session (TLS certificates are not verified); it is closed after the test. */
export async function connect(origin: string, options: http2.SecureClientSessionOptions = {}): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(origin, { rejectUnauthorized: false, ...options });
  defer(() => destroySession(session));
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => {
      session.off('error', reject);
      resolve();
    });
    session.once('error', reject);
  });
  return session;
}

function destroySession(session: http2.ClientHttp2Session): Promise<void> {
  if (session.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    session.once('close', () => resolve());
    session.destroy();
  });
}

/** H2Reply is a complete HTTP/2 response as Node's client saw it. */
export interface H2Reply {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders | null;
}

/** H2RequestOptions describe one request: extra fields, a body, request trailers. */
export interface H2RequestOptions {
  method?: string;
  headers?: http2.OutgoingHttpHeaders;
  body?: string | Buffer | Readable;
  trailers?: Record<string, string>;
}

/** request sends one request on a session and collects the whole response (body and trailers). */
export function request(session: http2.ClientHttp2Session, path: string, options: H2RequestOptions = {}): Promise<H2Reply> {
  const hasBody = options.body !== undefined || options.trailers !== undefined;
  const req = session.request(
    { ':method': options.method ?? (hasBody ? 'POST' : 'GET'), ':path': path, ...options.headers },
    { endStream: !hasBody, waitForTrailers: options.trailers !== undefined },
  );
  if (options.trailers !== undefined) {
    const t = options.trailers;
    req.on('wantTrailers', () => req.sendTrailers(t));
  }
  if (options.body instanceof Readable) options.body.pipe(req);
  else if (hasBody) req.end(options.body);
  return collect(req);
}

/** collect gathers a client stream's response; it rejects on a stream error. */
export function collect(req: http2.ClientHttp2Stream): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    let headers: http2.IncomingHttpHeaders | null = null;
    let trailers: http2.IncomingHttpHeaders | null = null;
    const chunks: Buffer[] = [];
    req.on('response', (h) => { headers = h; });
    req.on('trailers', (t) => { trailers = t; });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      if (headers === null) reject(new Error('stream ended without a response'));
      else resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks), trailers });
    });
    req.on('close', () => {
      if (headers === null) reject(new Error(`stream closed without a response (rstCode ${req.rstCode})`));
    });
  });
}

/** StreamOutcome is how a client stream finished, when it may have been reset. */
export interface StreamOutcome {
  status: number | null;
  bytes: number;
  error: (Error & { code?: string }) | null;
  rstCode: number | undefined;
  ended: boolean;
}

/** outcome waits for a client stream to close and reports how it went, without rejecting. */
export function outcome(req: http2.ClientHttp2Stream): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    const o: StreamOutcome = { status: null, bytes: 0, error: null, rstCode: undefined, ended: false };
    req.on('response', (h) => { o.status = Number(h[':status']); });
    req.on('data', (c: Buffer) => { o.bytes += c.length; });
    req.on('end', () => { o.ended = true; });
    req.on('error', (e) => { o.error = e; });
    req.on('close', () => {
      o.rstCode = req.rstCode;
      resolve(o);
    });
    req.resume();
  });
}

// ---------------------------------------------------------------------------
// Bytes.

/** sha256 is the hex digest of some bytes. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** pseudoRandom returns a stream of `total` deterministic pseudo-random bytes (AES-128-CTR over zeros,
 *  keyed by the seed), in chunks of at most 64 KiB, produced on demand. */
export function pseudoRandom(seed: number, total: number): Readable {
  const key = createHash('sha256').update(`h2wasm-peers-${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(64 << 10);
  let left = total;
  return new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, zeros.length);
      left -= n;
      this.push(cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n)));
    },
  });
}

/** hashStream consumes a readable and returns its sha256 and length. */
export async function hashStream(source: AsyncIterable<Buffer | Uint8Array>): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of source) {
    h.update(c);
    bytes += c.length;
  }
  return { sha256: h.digest('hex'), bytes };
}

// ---------------------------------------------------------------------------
// Small things.

/** Gate is a promise the test resolves when it chooses. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

/** gate makes a Gate. */
export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => { open = resolve; });
  return { promise, open };
}

/** tcpConnectFails reports whether a plain TCP connection to the port is refused (or reset at once). */
export function tcpConnectFails(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

// ---------------------------------------------------------------------------
// A hand-made HTTP/2 client for the few frames Node's client will not send on
// demand (a request after GOAWAY). HPACK is written by hand: indexed static
// entries and literals without indexing, so no encoder state is needed.

/** RawFrame is one received frame. */
export interface RawFrame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 } as const;

function frameBytes(type: number, flags: number, stream: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

/** TinyH2 speaks just enough HTTP/2 to open GET streams and watch what comes back; it answers SETTINGS and PING. */
export class TinyH2 {
  readonly frames: RawFrame[] = [];
  readonly closed: Promise<void>;
  private buffered = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => {
      resolve();
      this.wake();
    }));
    socket.on('error', () => {});
    socket.on('data', (b: Buffer) => this.onData(b));
  }

  /** open connects and sends the client preface with an empty SETTINGS; it is closed after the test. */
  static async open(port: number): Promise<TinyH2> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new TinyH2(socket);
    defer(() => { socket.destroy(); });
    socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), frameBytes(FRAME.SETTINGS, 0, 0)]));
    return c;
  }

  /** get opens stream `id` with a GET of `path` (END_STREAM set). */
  get(id: number, path: string): void {
    const p = Buffer.from(path, 'latin1');
    // :method GET (static 2), :scheme http (static 6), :path literal (name 4), :authority literal (name 1) "x".
    const block = Buffer.concat([Buffer.from([0x82, 0x86, 0x04, p.length]), p, Buffer.from([0x01, 0x01, 0x78])]);
    this.socket.write(frameBytes(FRAME.HEADERS, 0x1 | 0x4, id, block));
  }

  /** waitFor resolves with the first frame (already received or to come) that matches, or rejects after timeoutMs. */
  async waitFor(what: string, match: (f: RawFrame) => boolean, timeoutMs = 5000): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(match);
      if (f !== undefined) return f;
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.destroyed) {
        throw new Error(`no ${what}; frames seen: ${this.frames.map(describeFrame).join(', ')}${this.socket.destroyed ? ' (connection closed)' : ''}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private onData(b: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, b]);
    while (this.buffered.length >= 9) {
      const length = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < 9 + length) break;
      const f: RawFrame = {
        type: this.buffered[3],
        flags: this.buffered[4],
        stream: this.buffered.readUInt32BE(5) & 0x7fffffff,
        payload: this.buffered.subarray(9, 9 + length),
      };
      this.buffered = this.buffered.subarray(9 + length);
      this.frames.push(f);
      if (f.type === FRAME.SETTINGS && (f.flags & 1) === 0) this.socket.write(frameBytes(FRAME.SETTINGS, 1, 0));
      if (f.type === FRAME.PING && (f.flags & 1) === 0) this.socket.write(frameBytes(FRAME.PING, 1, 0, f.payload));
    }
    this.wake();
  }
}

/** describeFrame names a frame for failure messages, e.g. "GOAWAY(last=1, code=0)". */
export function describeFrame(f: RawFrame): string {
  const name = Object.entries(FRAME).find(([, v]) => v === f.type)?.[0] ?? `type${f.type}`;
  if (f.type === FRAME.GOAWAY) return `GOAWAY(last=${f.payload.readUInt32BE(0) & 0x7fffffff}, code=${f.payload.readUInt32BE(4)})`;
  if (f.type === FRAME.RST_STREAM) return `RST_STREAM(${f.stream}, code=${f.payload.readUInt32BE(0)})`;
  return `${name}(${f.stream}, flags=${f.flags}, ${f.payload.length}B)`;
}

// ---------------------------------------------------------------------------
// HTTP/1.1 with Node's own client.

/** H1Reply is a complete HTTP/1.1 response. */
export interface H1Reply {
  status: number;
  httpVersion: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  trailers: NodeJS.Dict<string>;
}

/** http1Request makes one HTTP/1.1 request (https trusting any certificate) and reads the whole response. */
export async function http1Request(origin: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<H1Reply> {
  const url = new URL(path, origin);
  const common = { method: options.method ?? 'GET', headers: options.headers, agent: false as const };
  return new Promise((resolve, reject) => {
    const req = url.protocol === 'https:'
      ? https.request(url, { ...common, rejectUnauthorized: false }) // Node's https client offers no ALPN: the server's http/1.1 path
      : http.request(url, common);
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, httpVersion: res.httpVersion, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers }));
    });
    req.end(options.body);
  });
}

// ---------------------------------------------------------------------------
// curl output.

/** CurlReply is `curl -i` output split into the head, the body and any trailer lines after it. */
export interface CurlReply {
  statusLine: string;
  headers: Record<string, string>;
  rest: string;
}

/** parseCurlInclude splits `curl -i` output: status line, header fields (lowercased names), and what follows the blank line. */
export function parseCurlInclude(out: string): CurlReply {
  const end = out.search(/\r?\n\r?\n/);
  if (end < 0) throw new Error(`no header block in curl output: ${JSON.stringify(out.slice(0, 500))}`);
  const lines = out.slice(0, end).split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const sep = out.slice(end).match(/^\r?\n\r?\n/)![0];
  return { statusLine: lines[0].trim(), headers, rest: out.slice(end + sep.length) };
}
