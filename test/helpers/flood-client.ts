// FloodClient is the raw attacker of the abuse tests (test/abuse/): one TCP connection that writes
// whatever frames a test makes, in bounded loops that stop themselves, and either reads what the
// server answers (GOAWAY and RST_STREAM codes, response statuses, the close) or never reads at all
// (socket paused, no 'data' listener), so that the server's output really piles up and its socket
// send blocks. Frames are plain bytes: the builders below write them by hand (RFC 9113 §4.1) and
// request field blocks use HPACK representations that need no table state (RFC 7541 §6.1, §6.2.2),
// so a test can send anything, valid or not, without an encoder that refuses.

import net from 'node:net';
import { concatBytes } from '../../host/bytes.js';
import { int } from './hpack.js';
import { connectWithin, writeThenYield } from './raw-socket.js';
import type { HpackDecoder } from '../../host/core/hpack.js';
import {
  CLIENT_PREFACE, FLAGS, TYPE_CONTINUATION, TYPE_DATA, TYPE_GOAWAY, TYPE_HEADERS, TYPE_PING, TYPE_RST_STREAM,
  TYPE_SETTINGS, TYPE_WINDOW_UPDATE, errorName, rawFrame, sharedCore,
} from './raw-h2.js';

export { CLIENT_PREFACE, FLAGS, errorName, rawFrame };

// ---------------------------------------------------------------------------
// Frame builders.

/** settingsFrame makes a SETTINGS frame (RFC 9113 §6.5) with the given (id, value) pairs. */
export function settingsFrame(settings: ReadonlyArray<readonly [number, number]> = []): Uint8Array {
  const p = new Uint8Array(settings.length * 6);
  const v = new DataView(p.buffer);
  settings.forEach(([id, value], i) => {
    v.setUint16(i * 6, id);
    v.setUint32(i * 6 + 2, value >>> 0);
  });
  return rawFrame(TYPE_SETTINGS, 0, 0, p);
}

/** SETTINGS_ACK is an empty SETTINGS frame with ACK. */
export const SETTINGS_ACK = rawFrame(TYPE_SETTINGS, FLAGS.ACK, 0);

/** preface is the client preface, our SETTINGS and (unless ack is false) an ACK of the server's
 *  SETTINGS, which a client that never reads cannot wait for but the server always sends first. */
export function preface(settings: ReadonlyArray<readonly [number, number]> = [], ack = true): Uint8Array {
  return concatBytes([CLIENT_PREFACE, settingsFrame(settings), ...(ack ? [SETTINGS_ACK] : [])]);
}

/** pingFrame makes a PING (RFC 9113 §6.7) whose 8 octets carry n. */
export function pingFrame(n: number, ack = false): Uint8Array {
  const p = new Uint8Array(8);
  new DataView(p.buffer).setUint32(4, n >>> 0);
  return rawFrame(TYPE_PING, ack ? FLAGS.ACK : 0, 0, p);
}

/** headersFrame makes a HEADERS frame with a ready field block; END_HEADERS unless told otherwise. */
export function headersFrame(streamId: number, block: Uint8Array, options: { endStream?: boolean; endHeaders?: boolean } = {}): Uint8Array {
  const flags = (options.endStream ? FLAGS.END_STREAM : 0) | (options.endHeaders === false ? 0 : FLAGS.END_HEADERS);
  return rawFrame(TYPE_HEADERS, flags, streamId, block);
}

/** continuationFrame makes a CONTINUATION frame (RFC 9113 §6.10). */
export function continuationFrame(streamId: number, fragment: Uint8Array, endHeaders = false): Uint8Array {
  return rawFrame(TYPE_CONTINUATION, endHeaders ? FLAGS.END_HEADERS : 0, streamId, fragment);
}

/** dataFrame makes a DATA frame. */
export function dataFrame(streamId: number, data: Uint8Array = new Uint8Array(0), endStream = false): Uint8Array {
  return rawFrame(TYPE_DATA, endStream ? FLAGS.END_STREAM : 0, streamId, data);
}

/** rstStreamFrame makes a RST_STREAM frame with an error code. */
export function rstStreamFrame(streamId: number, code: number): Uint8Array {
  const p = new Uint8Array(4);
  new DataView(p.buffer).setUint32(0, code >>> 0);
  return rawFrame(TYPE_RST_STREAM, 0, streamId, p);
}

/** windowUpdateFrame makes a WINDOW_UPDATE frame; the increment is written as given (0 included). */
export function windowUpdateFrame(streamId: number, increment: number): Uint8Array {
  const p = new Uint8Array(4);
  new DataView(p.buffer).setUint32(0, increment >>> 0);
  return rawFrame(TYPE_WINDOW_UPDATE, 0, streamId, p);
}

/** repeat concatenates n frames made by make(i). */
export function repeat(n: number, make: (i: number) => Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) parts.push(make(i));
  return concatBytes(parts);
}

// ---------------------------------------------------------------------------
// HPACK without table state.

/** hpackString encodes a raw (not Huffman) string literal (RFC 7541 §5.2). */
export function hpackString(s: string): number[] {
  const octets = Buffer.from(s, 'latin1');
  return [...int(0, 7, octets.length), ...octets];
}

/** literal is a literal field without indexing (RFC 7541 §6.2.2): a static-table name index, or a new name. */
export function literal(name: number | string, value: string): number[] {
  return typeof name === 'number'
    ? [...int(0, 4, name), ...hpackString(value)]
    : [0x00, ...hpackString(name), ...hpackString(value)];
}

/** literalIndexed is a literal field with incremental indexing and a new name (RFC 7541 §6.2.1):
 *  it inserts (name, value) into the peer's dynamic table. */
export function literalIndexed(name: string, value: string): number[] {
  return [0x40, ...hpackString(name), ...hpackString(value)];
}

/** indexed is an indexed field (RFC 7541 §6.1): 1..61 the static table, 62.. the dynamic table. */
export function indexed(index: number): number[] {
  return int(0x80, 7, index);
}

/** requestBlock is the field block of a request: :method, :scheme http, :path, :authority (static
 *  indexes 2/3, 6, 4/5 and 1), then extra fields as literals. Sending it twice gives the same bytes. */
export function requestBlock(method: string, path: string, authority: string, extra: ReadonlyArray<readonly [string, string]> = []): Uint8Array {
  const out: number[] = [];
  if (method === 'GET') out.push(0x82);
  else if (method === 'POST') out.push(0x83);
  else out.push(...literal(2, method));
  out.push(0x86);
  if (path === '/') out.push(0x84);
  else out.push(...literal(4, path));
  out.push(...literal(1, authority));
  for (const [n, v] of extra) out.push(...literal(n, v));
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------
// The client.

/** FloodEvent is what a reading FloodClient saw, in order. */
export type FloodEvent =
  | { kind: 'goaway'; code: number; lastStreamId: number; debug: string }
  | { kind: 'rst'; streamId: number; code: number }
  | { kind: 'headers'; streamId: number; status: string | null; endStream: boolean }
  | { kind: 'data'; streamId: number; length: number; endStream: boolean }
  | { kind: 'settings'; ack: boolean }
  | { kind: 'ping'; ack: boolean }
  | { kind: 'closed'; reason: string };

/** FloodOptions tune one FloodClient. */
export interface FloodOptions {
  /** Read and parse what the server sends (default true); false: the socket is paused and never read. */
  read?: boolean;
  /** Answer the server's SETTINGS with an ACK as it arrives (reading clients only; default false:
   *  preface() already carries one). */
  ackSettings?: boolean;
  /** TCP connect timeout, ms (default 5000). */
  connectTimeoutMs?: number;
}

/** PumpResult says how a write loop ended. */
export interface PumpResult {
  writes: number;
  bytes: number;
  ms: number;
  stoppedBy: 'goaway' | 'closed' | 'done' | 'limit';
}

/** BlockedResult says how floodUntilBlocked ended. */
export interface BlockedResult {
  /** The socket's unsent backlog stayed at or above the threshold for holdMs: the server stopped reading. */
  blocked: boolean;
  /** The connection ended (reset or error) while we were writing. */
  closedByServer: boolean;
  bytes: number;
  ms: number;
  /** The largest unsent backlog seen on our socket. */
  maxBacklog: number;
}

const live = new Set<FloodClient>();

/** closeAllFloodClients destroys every FloodClient still open (afterEach). */
export function closeAllFloodClients(): void {
  for (const c of [...live]) c.close();
}

/** sleep resolves after ms. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** FloodClient is one raw attacker connection. */
export class FloodClient {
  /** Every event so far (reading clients). */
  readonly events: FloodEvent[] = [];
  /** Octets received so far (reading clients). */
  received = 0;
  /** The first octets received, kept for replies that are not HTTP/2 (an HTTP/1.1 400, say). */
  head: Uint8Array = new Uint8Array(0);
  /** True once the connection ended, by either side. */
  closed = false;
  /** True once we destroyed the socket ourselves. */
  private closedByUs = false;
  private buffered: Uint8Array = new Uint8Array(0);
  private block: { streamId: number; endStream: boolean; parts: Uint8Array[] } | null = null;
  private decoder: HpackDecoder | null = null;
  private wake: (() => void) | null = null;

  private constructor(readonly socket: net.Socket, readonly port: number, options: FloodOptions, decoder: HpackDecoder | null) {
    this.decoder = decoder;
    const read = options.read ?? true;
    socket.on('error', (err: NodeJS.ErrnoException) => this.onClosed(err.code ?? err.message));
    socket.on('close', () => this.onClosed('socket closed'));
    if (read) {
      socket.on('data', (chunk: Buffer) => this.onData(chunk, options.ackSettings ?? false));
      socket.on('end', () => this.onClosed('EOF'));
    } else {
      socket.pause();
    }
  }

  /** connect opens a TCP connection to 127.0.0.1:port. */
  static async connect(port: number, options: FloodOptions = {}): Promise<FloodClient> {
    const read = options.read ?? true;
    const decoder = read ? (await sharedCore()).hpackDecoder({ maxHeaderListSize: 1 << 24 }) : null;
    const timeoutMs = options.connectTimeoutMs ?? 5000;
    const connecting = connectWithin(port, '127.0.0.1', timeoutMs, 'flood-client', !read);
    let socket: net.Socket;
    try {
      socket = await connecting;
    } catch (e) {
      decoder?.close();
      throw e;
    }
    socket.setNoDelay(true);
    const c = new FloodClient(socket, port, options, decoder);
    live.add(c);
    return c;
  }

  /** authority is host:port, for request blocks. */
  get authority(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** send writes octets at once (false when the connection has ended). */
  send(data: Uint8Array): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.socket.write(data);
    return true;
  }

  /** write writes octets, then waits for 'drain' if the socket's buffer is full, or otherwise lets
   *  one turn of I/O happen (so a GOAWAY is read before we write into a closed connection). It
   *  resolves false once the connection has ended. */
  async write(data: Uint8Array): Promise<boolean> {
    if (this.closed || this.socket.destroyed) return false;
    await writeThenYield(this.socket, data);
    return !this.closed;
  }

  /** pump writes next(i) for i = 0, 1, … (waiting for drain between writes) until next returns
   *  null, a GOAWAY arrives, the connection ends, or maxWrites or maxMs is reached. */
  async pump(next: (i: number) => Uint8Array | null, limits: { maxWrites: number; maxMs: number }): Promise<PumpResult> {
    const start = performance.now();
    let bytes = 0;
    let i = 0;
    const result = (stoppedBy: PumpResult['stoppedBy']): PumpResult => ({ writes: i, bytes, ms: performance.now() - start, stoppedBy });
    for (; ; i++) {
      if (this.goaway() !== undefined) return result('goaway');
      if (this.closed) return result('closed');
      if (i >= limits.maxWrites || performance.now() - start >= limits.maxMs) return result('limit');
      const data = next(i);
      if (data === null) return result('done');
      bytes += data.length;
      await this.write(data);
    }
  }

  /** floodUntilBlocked is the never-reading flood (CVE-2019-9512, -9515 and kin): it writes next(i)
   *  while our socket's unsent backlog is under backlogBytes, and once the backlog stays at or above
   *  it for holdMs (the server stopped reading: our send is blocked) it returns, still holding the
   *  blocked connection. It also stops when the connection ends, or at maxMs / maxBytes. `during`
   *  is started once, when the backlog first reaches the threshold or duringAfterMs into the flood,
   *  whichever comes first, and awaited before returning (so a blocked connection is held while it
   *  runs). It never reads, and it does not close the socket (the test does). */
  async floodUntilBlocked(next: (i: number) => Uint8Array, options: {
    backlogBytes?: number; holdMs?: number; maxMs?: number; maxBytes?: number;
    during?: () => Promise<unknown>; duringAfterMs?: number;
  } = {}): Promise<BlockedResult> {
    const backlog = options.backlogBytes ?? 1 << 20;
    const holdMs = options.holdMs ?? 2000;
    const maxMs = options.maxMs ?? 30_000;
    const maxBytes = options.maxBytes ?? 2 ** 31;
    const duringAfterMs = options.duringAfterMs ?? 1000;
    const start = performance.now();
    let bytes = 0;
    let maxBacklog = 0;
    let blockedSince = -1;
    let i = 0;
    let sinceYield = 0;
    let during: Promise<unknown> | null = null;
    const startDuring = () => {
      if (during === null && options.during) during = options.during();
    };
    const done = async (blocked: boolean): Promise<BlockedResult> => {
      startDuring();
      await during;
      return { blocked: blocked && !this.closed, closedByServer: this.closed && !this.closedByUs, bytes, ms: performance.now() - start, maxBacklog };
    };
    while (!this.closed) {
      const now = performance.now();
      if (now - start >= maxMs || bytes >= maxBytes) return done(false);
      if (now - start >= duringAfterMs) startDuring();
      const pending = this.socket.writableLength;
      maxBacklog = Math.max(maxBacklog, pending);
      if (pending < backlog) {
        blockedSince = -1;
        const data = next(i++);
        bytes += data.length;
        this.socket.write(data);
        // Let the event loop run now and then (socket errors, timers), without waiting for drain.
        if (++sinceYield >= 16) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        continue;
      }
      startDuring();
      if (blockedSince < 0) blockedSince = now;
      if (now - blockedSince >= holdMs) return done(true);
      await sleep(50);
    }
    return done(false);
  }

  /** goaway returns the first GOAWAY received, if any. */
  goaway(): Extract<FloodEvent, { kind: 'goaway' }> | undefined {
    return this.events.find((e): e is Extract<FloodEvent, { kind: 'goaway' }> => e.kind === 'goaway');
  }

  /** resets returns the RST_STREAM frames received. */
  resets(): Array<Extract<FloodEvent, { kind: 'rst' }>> {
    return this.events.filter((e): e is Extract<FloodEvent, { kind: 'rst' }> => e.kind === 'rst');
  }

  /** responses returns the response HEADERS received (those with a :status). */
  responses(): Array<Extract<FloodEvent, { kind: 'headers' }>> {
    return this.events.filter((e): e is Extract<FloodEvent, { kind: 'headers' }> => e.kind === 'headers' && e.status !== null);
  }

  /** waitUntil resolves true once cond() holds (checked at every event), false after timeoutMs. */
  async waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return true;
  }

  /** waitClosed resolves true once the connection has ended, false after timeoutMs. */
  waitClosed(timeoutMs: number): Promise<boolean> {
    return this.waitUntil(() => this.closed, timeoutMs);
  }

  /** summary renders what was received, for failure messages. */
  summary(): string {
    const counts = new Map<string, number>();
    for (const e of this.events) {
      const key = e.kind === 'goaway' ? `GOAWAY ${errorName(e.code)}${e.debug ? ` "${e.debug}"` : ''}`
        : e.kind === 'rst' ? `RST_STREAM ${errorName(e.code)}`
          : e.kind === 'headers' ? `HEADERS ${e.status ?? '(no :status)'}`
            : e.kind === 'closed' ? `closed (${e.reason})`
              : e.kind === 'data' ? 'DATA' : e.kind === 'settings' ? `SETTINGS${e.ack ? ' ACK' : ''}` : `PING${e.ack ? ' ACK' : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return `${this.received} octets: ${[...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ') || 'nothing'}`;
  }

  /** close destroys the socket (safe to call twice). */
  close(): void {
    live.delete(this);
    if (!this.closed) this.closedByUs = true;
    if (!this.socket.destroyed) this.socket.destroy();
    this.onClosed('closed by us');
    this.decoder?.close();
    this.decoder = null;
  }

  private push(e: FloodEvent): void {
    this.events.push(e);
    this.wake?.();
  }

  private onClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.push({ kind: 'closed', reason });
  }

  private onData(chunk: Buffer, ackSettings: boolean): void {
    this.received += chunk.length;
    if (this.head.length < 256) this.head = concatBytes([this.head, chunk.subarray(0, 256 - this.head.length)]);
    this.buffered = this.buffered.length === 0 ? new Uint8Array(chunk) : concatBytes([this.buffered, chunk]);
    let off = 0;
    while (this.buffered.length - off >= 9) {
      const b = this.buffered;
      const length = (b[off] << 16) | (b[off + 1] << 8) | b[off + 2];
      if (b.length - off < 9 + length) break;
      const type = b[off + 3];
      const flags = b[off + 4];
      const streamId = new DataView(b.buffer, b.byteOffset + off + 5, 4).getUint32(0) & 0x7fffffff;
      this.onFrame(type, flags, streamId, b.subarray(off + 9, off + 9 + length), ackSettings);
      off += 9 + length;
    }
    this.buffered = off === 0 ? this.buffered : this.buffered.slice(off);
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Uint8Array, ackSettings: boolean): void {
    const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
    switch (type) {
      case TYPE_GOAWAY:
        if (payload.length >= 8) {
          this.push({
            kind: 'goaway', lastStreamId: view.getUint32(0) & 0x7fffffff, code: view.getUint32(4),
            debug: Buffer.from(payload.subarray(8)).toString('latin1'),
          });
        }
        break;
      case TYPE_RST_STREAM:
        if (payload.length >= 4) this.push({ kind: 'rst', streamId, code: view.getUint32(0) });
        break;
      case TYPE_DATA:
        this.push({ kind: 'data', streamId, length: payload.length, endStream: (flags & FLAGS.END_STREAM) !== 0 });
        break;
      case TYPE_SETTINGS: {
        const ack = (flags & FLAGS.ACK) !== 0;
        this.push({ kind: 'settings', ack });
        if (!ack && ackSettings) this.send(SETTINGS_ACK);
        break;
      }
      case TYPE_PING:
        this.push({ kind: 'ping', ack: (flags & FLAGS.ACK) !== 0 });
        break;
      case TYPE_HEADERS: {
        let frag = payload;
        if ((flags & FLAGS.PADDED) !== 0) frag = frag.subarray(1, frag.length - payload[0]);
        if ((flags & FLAGS.PRIORITY) !== 0) frag = frag.subarray(5);
        this.block = { streamId, endStream: (flags & FLAGS.END_STREAM) !== 0, parts: [frag] };
        if ((flags & FLAGS.END_HEADERS) !== 0) this.endBlock();
        break;
      }
      case TYPE_CONTINUATION:
        if (this.block !== null) {
          this.block.parts.push(payload);
          if ((flags & FLAGS.END_HEADERS) !== 0) this.endBlock();
        }
        break;
      default:
        break;
    }
  }

  private endBlock(): void {
    const b = this.block!;
    this.block = null;
    let status: string | null = null;
    try {
      const fields = this.decoder?.decode(concatBytes(b.parts)) ?? [];
      status = fields.find(([n]) => n === ':status')?.[1] ?? null;
    } catch {
      status = null;
    }
    this.push({ kind: 'headers', streamId: b.streamId, status, endStream: b.endStream });
  }
}
