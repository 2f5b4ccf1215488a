// RawH2 is a raw HTTP/2 client for conformance tests: it speaks to a server
// over a plain TCP socket with our own frame codec and HPACK, and lets a test
// send anything, valid or not (hand-made 9-octet headers for the frames the
// encoder refuses to write). It mirrors h2spec's spec.Conn: received frames
// are read in order as events, and the expect* helpers take h2spec's
// verifiers (spec/verifier.go) as their model, made exact: where h2spec
// passes a bare TCP close or a wrong error code, they want the GOAWAY or
// RST_STREAM with the code RFC 9113 names (H2SPEC_LENIENT=1 restores
// h2spec's rules; see expectGoaway and expectStreamError).

import { connectWithin, writeThenYield } from './raw-socket.js';
import { readSync } from 'node:fs';
import net from 'node:net';
import {
  DEFAULT_INITIAL_WINDOW_SIZE, FLAG_ACK, FLAG_END_HEADERS, FLAG_END_STREAM, FLAG_PADDED, FLAG_PRIORITY,
  DEFAULT_MAX_FRAME_SIZE, FRAME_WINDOW_UPDATE, SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE,
} from '../../assembly/abi.js';
import { concatBytes } from '../../host/bytes.js';
import { loadCore, type Core } from '../../host/core/core.js';
import { FrameError, type Frame, type FrameDecoder, type FrameInit } from '../../host/core/frames.js';
import type { HpackDecoder, HpackEncoder } from '../../host/core/hpack.js';

/** CLIENT_PREFACE is the client connection preface (RFC 9113 §3.4). */
export const CLIENT_PREFACE = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** DEFAULT_TIMEOUT_MS bounds each expectation; CONFORMANCE_TIMEOUT_MS overrides it. */
export const DEFAULT_TIMEOUT_MS = positiveInt(process.env.CONFORMANCE_TIMEOUT_MS) ?? 3000;

/** H2SPEC_LENIENT (env H2SPEC_LENIENT=1) judges errors as h2spec does: a bare close passes for a
 *  connection or stream error, and a GOAWAY or RST_STREAM with the wrong code is passed over (the
 *  close that follows it then passes). By default the error must arrive as a frame with the exact
 *  code, since RFC 9113 §5.4 has the endpoint send it and §7 names the code each error MUST carry. */
export const H2SPEC_LENIENT = process.env.H2SPEC_LENIENT === '1';

/** DEFAULT_WINDOW_SIZE is the SETTINGS_INITIAL_WINDOW_SIZE h2spec sends in its handshake (RFC 9113's default, 65535). */
export const DEFAULT_WINDOW_SIZE = DEFAULT_INITIAL_WINDOW_SIZE;

// RFC 9113 §7 error codes, §6.5.2 setting identifiers and §6 frame types (for
// hand-made frames) come from assembly/abi.ts, under the names h2spec's cases use.
export {
  H2_NO_ERROR as NO_ERROR,
  H2_PROTOCOL_ERROR as PROTOCOL_ERROR,
  H2_INTERNAL_ERROR as INTERNAL_ERROR,
  H2_FLOW_CONTROL_ERROR as FLOW_CONTROL_ERROR,
  H2_SETTINGS_TIMEOUT as SETTINGS_TIMEOUT,
  H2_STREAM_CLOSED as STREAM_CLOSED,
  H2_FRAME_SIZE_ERROR as FRAME_SIZE_ERROR,
  H2_REFUSED_STREAM as REFUSED_STREAM,
  H2_CANCEL as CANCEL,
  H2_COMPRESSION_ERROR as COMPRESSION_ERROR,
  H2_CONNECT_ERROR as CONNECT_ERROR,
  H2_ENHANCE_YOUR_CALM as ENHANCE_YOUR_CALM,
  H2_INADEQUATE_SECURITY as INADEQUATE_SECURITY,
  H2_HTTP_1_1_REQUIRED as HTTP_1_1_REQUIRED,
  SETTINGS_HEADER_TABLE_SIZE,
  SETTINGS_ENABLE_PUSH,
  SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_MAX_HEADER_LIST_SIZE,
  FRAME_DATA as TYPE_DATA,
  FRAME_HEADERS as TYPE_HEADERS,
  FRAME_PRIORITY as TYPE_PRIORITY,
  FRAME_RST_STREAM as TYPE_RST_STREAM,
  FRAME_SETTINGS as TYPE_SETTINGS,
  FRAME_PUSH_PROMISE as TYPE_PUSH_PROMISE,
  FRAME_PING as TYPE_PING,
  FRAME_GOAWAY as TYPE_GOAWAY,
  FRAME_WINDOW_UPDATE as TYPE_WINDOW_UPDATE,
  FRAME_CONTINUATION as TYPE_CONTINUATION,
} from '../../assembly/abi.js';

import { errorCodeName as errorName } from '../../host/engine/error-codes.js';

/** errorName returns the RFC 9113 §7 name of an error code (the engine's own table). */
export { errorName };

/** Event is what the client saw, in order: a frame, the end of the connection, or a server frame our decoder rejected. */
export type Event =
  | { kind: 'frame'; frame: Frame }
  | { kind: 'closed'; reason: string }
  | { kind: 'bad-frame'; error: FrameError };

/** Fields is a header field list in wire order. */
export type Fields = ReadonlyArray<readonly [string, string]>;

let corePromise: Promise<Core> | null = null;

/** sharedCore loads the wire core once per test file. */
export function sharedCore(): Promise<Core> {
  corePromise ??= loadCore();
  return corePromise;
}

/** frameHeader makes a 9-octet frame header by hand (RFC 9113 §4.1); `length` is written as given. */
export function frameHeader(length: number, type: number, flags: number, streamId: number): Uint8Array {
  const h = new Uint8Array(9);
  h[0] = (length >>> 16) & 0xff;
  h[1] = (length >>> 8) & 0xff;
  h[2] = length & 0xff;
  h[3] = type & 0xff;
  h[4] = flags & 0xff;
  new DataView(h.buffer).setUint32(5, streamId >>> 0);
  return h;
}

/** rawFrame makes a whole frame by hand: header (length defaults to the payload's) and payload. */
export function rawFrame(type: number, flags: number, streamId: number, payload: Uint8Array | ArrayLike<number> = [], length?: number): Uint8Array {
  const p = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  return concatBytes([frameHeader(length ?? p.length, type, flags, streamId), p]);
}

/** bytes turns a binary string ("\x00\x01…", one char per octet) into octets. */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** describe renders an event for failure messages, h2spec style. */
export function describe(ev: Event | undefined): string {
  if (ev === undefined) return 'nothing';
  if (ev.kind === 'closed') return `connection closed (${ev.reason})`;
  if (ev.kind === 'bad-frame') return `a frame our decoder rejected (${ev.error.message})`;
  const f = ev.frame;
  switch (f.type) {
    case 'GOAWAY': return `GOAWAY (last_stream_id:${f.lastStreamId}, error:${errorName(f.errorCode)}${f.debugData.length ? `, debug:${JSON.stringify(new TextDecoder().decode(f.debugData))}` : ''})`;
    case 'RST_STREAM': return `RST_STREAM (stream_id:${f.streamId}, error:${errorName(f.errorCode)})`;
    case 'SETTINGS': return `SETTINGS (${f.ack ? 'ACK' : JSON.stringify(f.settings)})`;
    case 'PING': return `PING (${f.ack ? 'ACK, ' : ''}data:${Buffer.from(f.data).toString('hex')})`;
    case 'HEADERS': return `HEADERS (stream_id:${f.streamId}${f.endStream ? ', END_STREAM' : ''}${'headers' in f && f.headers ? `, ${f.headers.map(([n, v]) => `${n}: ${v}`).join(', ')}` : ''})`;
    case 'DATA': return `DATA (stream_id:${f.streamId}, length:${f.data.length}${f.endStream ? ', END_STREAM' : ''})`;
    case 'WINDOW_UPDATE': return `WINDOW_UPDATE (stream_id:${f.streamId}, increment:${f.increment})`;
    default: return `${f.type} (stream_id:${f.streamId})`;
  }
}

/** HeadersOptions tune one HEADERS frame: END_STREAM (default off), END_HEADERS (default on), padding and priority. */
export interface HeadersOptions {
  endStream?: boolean;
  endHeaders?: boolean;
  padLength?: number;
  priority?: { exclusive: boolean; dependency: number; weight: number };
}

/** ConnectOptions tune one client connection. */
export interface ConnectOptions {
  /** Per-expectation timeout in ms (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Replenish the server's send windows as DATA arrives, as h2spec's Conn does (default true). */
  autoWindowUpdate?: boolean;
  /** When above 0, every frame goes out in its own write, at least this many ms after the one
   *  before, so that a server in another process reads them one by one, as it does from real
   *  clients over TLS (one record per frame). A test's calls keep their order; raw octets
   *  (sendRaw) stay one write. Default 0: each call is written at once. */
  paceMs?: number;
}

/** WaitOptions tune one waitFor call. */
export interface WaitOptions {
  timeoutMs?: number;
  /** A description of what was expected, for the failure message. */
  expected?: string;
  /** An event that makes the wait fail at once (e.g. RST_STREAM while waiting for a response). */
  failOn?: (ev: Event) => boolean;
}

/** RawH2 is one client connection. */
export class RawH2 {
  /** Every event so far, in order; `cursor` is the next one an expectation reads. */
  readonly events: Event[] = [];
  private cursor = 0;
  /** The server's SETTINGS, as received in the handshake (and later). */
  readonly serverSettings = new Map<number, number>();
  /** True once the connection ended (EOF, reset or our close). */
  closed = false;
  private wake: (() => void) | null = null;
  private readonly encoder: HpackEncoder;
  private readonly decoder: HpackDecoder;
  private readonly reader: FrameDecoder;
  private readonly timeoutMs: number;
  private readonly autoWindowUpdate: boolean;
  private readonly paceMs: number;
  /** The paced writes not yet made, in order (paceMs > 0). */
  private paced: Promise<void> = Promise.resolve();
  private recvWindow = new Map<number, number>([[0, DEFAULT_WINDOW_SIZE]]);
  private decodeFailed = false;
  private disposed = false;

  private constructor(
    readonly core: Core,
    readonly socket: net.Socket,
    readonly host: string,
    readonly port: number,
    options: ConnectOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.autoWindowUpdate = options.autoWindowUpdate ?? true;
    this.paceMs = options.paceMs ?? 0;
    this.encoder = core.hpackEncoder();
    this.decoder = core.hpackDecoder({ maxHeaderListSize: 1 << 20 });
    this.reader = core.frameDecoder({ hpack: this.decoder, maxFrameSize: DEFAULT_MAX_FRAME_SIZE });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onClosed('EOF'));
    socket.on('close', () => this.onClosed('socket closed'));
    socket.on('error', (err: NodeJS.ErrnoException) => this.onClosed(err.code ?? err.message));
  }

  /** connect opens a TCP connection to host:port (loopback by default). */
  static async connect(port: number, host = '127.0.0.1', options: ConnectOptions = {}): Promise<RawH2> {
    const core = await sharedCore();
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await connectWithin(port, host, timeoutMs, 'raw-h2');
    socket.setNoDelay(true);
    const c = new RawH2(core, socket, host, port, options);
    live.add(c);
    return c;
  }

  /** authority is the :authority h2spec sends (host:port). */
  get authority(): string {
    return `${this.host}:${this.port}`;
  }

  /** commonHeaders are h2spec's spec.CommonHeaders: GET http://host:port/. */
  commonHeaders(method = 'GET'): Array<[string, string]> {
    return [[':method', method], [':scheme', 'http'], [':path', '/'], [':authority', this.authority]];
  }

  /** dummyHeaders are h2spec's spec.DummyHeaders: `count` fields x-dummyN of `len` octets (h2spec's default 4000). */
  dummyHeaders(count: number, len = 4000): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < count; i++) out.push([`x-dummy${i}`, 'x'.repeat(len)]);
    return out;
  }

  /** encodeHeaders encodes fields with this connection's HPACK encoder (its dynamic table carries over, as h2spec's does). */
  encodeHeaders(fields: Fields): Uint8Array {
    return this.encoder.encode(fields);
  }

  /** sendRaw writes octets as they are, in one write (after the paced writes before it). */
  sendRaw(data: Uint8Array): void {
    if (this.paceMs <= 0) {
      this.writeNow(data);
      return;
    }
    this.paced = this.paced.then(async () => {
      this.writeNow(data);
      await new Promise<void>((resolve) => setTimeout(resolve, this.paceMs));
    });
  }

  private writeNow(data: Uint8Array): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(data, this.afterWrite);
  }

  /** afterWrite reads what the server sent before its reset when a write fails on it. A server
   *  that ends the connection (GOAWAY, then close with our octets unread) resets it; our next write
   *  then fails (EPIPE, ECONNRESET), and Node destroys the socket with the GOAWAY still unread in
   *  the kernel, where Linux keeps it readable after the reset, as a Go client (h2spec) reads it.
   *  Node calls a write's callback with the error before it destroys the socket, so the octets
   *  are read here, straight from the descriptor (non-blocking: EAGAIN ends it). */
  private readonly afterWrite = (error?: Error | null): void => {
    if (!error || this.closed || this.disposed) return;
    const fd = (this.socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, buffer.length, null);
      } catch {
        return; // EAGAIN (nothing more), or the reset itself once the octets before it are read.
      }
      if (n <= 0) return;
      this.onData(Buffer.from(buffer.subarray(0, n)));
    }
  };

  /** write writes octets and waits while the socket's buffer is full (for floods: our own memory
   *  stays bounded). It resolves false, without writing, once the connection has ended. */
  async write(data: Uint8Array): Promise<boolean> {
    await this.paced;
    if (this.closed || this.socket.destroyed || !this.socket.writable) return false;
    // A GOAWAY stops a flood early (and should a write still meet the server's reset, afterWrite
    // reads what came before it).
    await writeThenYield(this.socket, data, this.afterWrite);
    return !this.closed;
  }

  /** sawGoaway reports whether a GOAWAY has arrived (read or not yet read by an expectation). */
  sawGoaway(): boolean {
    return this.events.some((ev) => ev.kind === 'frame' && ev.frame.type === 'GOAWAY');
  }

  /** send encodes frames with our codec and writes them in one write (one write each when paced). */
  send(frames: ReadonlyArray<FrameInit>): void {
    if (this.paceMs > 0 && frames.length > 1) {
      for (const f of frames) this.sendRaw(this.core.encodeFrames([f]));
      return;
    }
    this.sendRaw(this.core.encodeFrames(frames));
  }

  /** sendPreface writes the client preface and a SETTINGS frame (h2spec's: INITIAL_WINDOW_SIZE 65535). */
  sendPreface(settings: Array<[number, number]> = [[SETTINGS_INITIAL_WINDOW_SIZE, DEFAULT_WINDOW_SIZE]]): void {
    this.sendRaw(concatBytes([CLIENT_PREFACE, this.core.encodeFrames([{ type: 'SETTINGS', settings }])]));
  }

  /** handshake is h2spec's Conn.Handshake: preface and SETTINGS, then the server's SETTINGS (ACKed) and the ACK of ours, in any order. */
  async handshake(): Promise<void> {
    this.sendPreface();
    let remote = false;
    let local = false;
    while (!(remote && local)) {
      const f = await this.waitFor((ev) => ev.kind === 'frame' && ev.frame.type === 'SETTINGS', {
        expected: remote ? 'SETTINGS ACK (handshake)' : 'the server SETTINGS (handshake)',
      });
      if (f.type !== 'SETTINGS') continue;
      if (f.ack) {
        local = true;
      } else {
        remote = true;
        for (const [id, value] of f.settings) this.serverSettings.set(id, value);
        this.send([{ type: 'SETTINGS', ack: true, settings: [] }]);
      }
    }
  }

  /** maxFrameSize is the server's SETTINGS_MAX_FRAME_SIZE (default 16384). */
  get maxFrameSize(): number {
    return this.serverSettings.get(SETTINGS_MAX_FRAME_SIZE) ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** headers sends one HEADERS frame with END_HEADERS (unless told otherwise) carrying the encoded fields. */
  headers(streamId: number, fields: Fields, options: HeadersOptions = {}): void {
    this.headersBlock(streamId, this.encodeHeaders(fields), options);
  }

  /** headersBlock sends one HEADERS frame with a ready-made field block fragment. */
  headersBlock(streamId: number, fragment: Uint8Array, options: HeadersOptions = {}): void {
    const f: FrameInit = {
      type: 'HEADERS', streamId, fragment,
      endStream: options.endStream ?? false,
      endHeaders: options.endHeaders ?? true,
    };
    if (options.padLength !== undefined) f.padLength = options.padLength;
    if (options.priority !== undefined) f.priority = options.priority;
    this.send([f]);
  }

  /** continuation sends one CONTINUATION frame. */
  continuation(streamId: number, fragment: Uint8Array, endHeaders: boolean): void {
    this.send([{ type: 'CONTINUATION', streamId, fragment, endHeaders }]);
  }

  /** data sends one DATA frame. */
  data(streamId: number, data: Uint8Array | string, endStream: boolean, padLength?: number): void {
    const d = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const f: FrameInit = { type: 'DATA', streamId, data: d, endStream };
    if (padLength !== undefined) f.padLength = padLength;
    this.send([f]);
  }

  /** priority sends a PRIORITY frame; `weight` is h2spec's wire weight (0..255), i.e. 1..256 less one. */
  priority(streamId: number, dependency: number, weight: number, exclusive = false): void {
    this.send([{ type: 'PRIORITY', streamId, dependency, weight: weight + 1, exclusive }]);
  }

  /** rstStream sends RST_STREAM. */
  rstStream(streamId: number, errorCode: number): void {
    this.send([{ type: 'RST_STREAM', streamId, errorCode }]);
  }

  /** settings sends a SETTINGS frame (not an ACK). */
  settings(settings: Array<[number, number]>): void {
    this.send([{ type: 'SETTINGS', settings }]);
  }

  /** ping sends PING with 8 octets of data (shorter data is zero-padded, as Go's [8]byte). */
  ping(data: Uint8Array | string = new Uint8Array(8), ack = false): Uint8Array {
    const d = pingData(data);
    this.send([{ type: 'PING', data: d, ack }]);
    return d;
  }

  /** windowUpdate sends WINDOW_UPDATE (any increment, 0 included; the reserved bit is cleared). */
  windowUpdate(streamId: number, increment: number): void {
    const p = new Uint8Array(4);
    new DataView(p.buffer).setUint32(0, increment & 0x7fffffff);
    this.sendRaw(rawFrame(FRAME_WINDOW_UPDATE, 0, streamId, p));
  }

  /** goaway sends GOAWAY. */
  goaway(lastStreamId: number, errorCode: number, debug = ''): void {
    this.send([{ type: 'GOAWAY', lastStreamId, errorCode, debugData: new TextEncoder().encode(debug) }]);
  }

  /** next returns the next event, waiting up to the timeout; undefined on timeout. */
  async next(timeoutMs = this.timeoutMs): Promise<Event | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.events.length) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
    return this.events[this.cursor++];
  }

  /** waitFor reads events until one is a frame matching `predicate` and returns that frame.
   *  It throws when the connection ends first, on a `failOn` event, or after the timeout. */
  async waitFor(predicate: (ev: Event) => boolean, options: WaitOptions = {}): Promise<Frame> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const seen: Event[] = [];
    for (;;) {
      const ev = await this.next(Math.max(0, deadline - Date.now()));
      if (ev === undefined) throw this.failure(options.expected ?? 'a matching frame', seen, `timeout after ${timeoutMs} ms`);
      if (ev.kind === 'frame' && predicate(ev)) return ev.frame;
      seen.push(ev);
      if (ev.kind !== 'frame') throw this.failure(options.expected ?? 'a matching frame', seen);
      if (options.failOn?.(ev)) throw this.failure(options.expected ?? 'a matching frame', seen);
    }
  }

  /** expectGoaway is h2spec's VerifyConnectionError made exact: a GOAWAY with one of `codes` must
   *  arrive (the close that follows it is fine). A close before any GOAWAY fails, and so does a GOAWAY
   *  with another code: RFC 9113 §5.4.1 has the endpoint send GOAWAY with the error's code, and §7
   *  names the code. Under H2SPEC_LENIENT, h2spec's own rule: the close passes, and a GOAWAY with
   *  another code is passed over (the close after it then passes). */
  async expectGoaway(codes: number[], timeoutMs = this.timeoutMs): Promise<void> {
    const expected = `${codes.map((c) => `GOAWAY ${errorName(c)}`).join(' or ')}${H2SPEC_LENIENT ? ' or connection closed (H2SPEC_LENIENT)' : ''}`;
    await this.expectEnd(expected, timeoutMs, (ev) => {
      if (ev.kind === 'closed') return H2SPEC_LENIENT ? 'pass' : 'fail';
      if (ev.kind === 'frame' && ev.frame.type === 'GOAWAY') return codes.includes(ev.frame.errorCode) ? 'pass' : wrongCode;
      return 'continue';
    });
  }

  /** expectClose is h2spec's VerifyConnectionClose: the connection ends (a GOAWAY before it is fine).
   *  For the cases where only the close is asked for: an invalid preface (RFC 9113 §3.4: "A GOAWAY
   *  frame MAY be omitted"), the peer's own GOAWAY. */
  async expectClose(timeoutMs = this.timeoutMs): Promise<void> {
    await this.expectEnd('connection closed', timeoutMs, (ev) => (ev.kind === 'closed' ? 'pass' : 'continue'));
  }

  /** expectStreamError is h2spec's VerifyStreamError made exact: an RST_STREAM with one of `codes`
   *  on `streamId` (on any stream when undefined), or a GOAWAY with one of `codes`, since RFC 9113
   *  §5.4.1 lets an endpoint "treat a stream error as a connection error". A close with neither
   *  fails, and so does an RST_STREAM (on that stream) or GOAWAY with another code. Under
   *  H2SPEC_LENIENT, h2spec's own rule: a close passes and other codes are passed over. */
  async expectStreamError(streamId: number | undefined, codes: number[], timeoutMs = this.timeoutMs): Promise<void> {
    const names = codes.map(errorName).join(' or ');
    const on = streamId === undefined ? '' : ` on stream ${streamId}`;
    await this.expectEnd(`RST_STREAM ${names}${on} or GOAWAY ${names}${H2SPEC_LENIENT ? ' or connection closed (H2SPEC_LENIENT)' : ''}`, timeoutMs, (ev) => {
      if (ev.kind === 'closed') return H2SPEC_LENIENT ? 'pass' : 'fail';
      if (ev.kind !== 'frame') return 'continue';
      const f = ev.frame;
      if (f.type === 'GOAWAY') return codes.includes(f.errorCode) ? 'pass' : wrongCode;
      if (f.type === 'RST_STREAM' && (streamId === undefined || f.streamId === streamId)) return codes.includes(f.errorCode) ? 'pass' : wrongCode;
      return 'continue';
    });
  }

  /** expectResponse is h2spec's VerifyHeadersFrame: a HEADERS frame on the stream (we also want :status). */
  async expectResponse(streamId: number, timeoutMs = this.timeoutMs): Promise<Frame> {
    const f = await this.waitFor((ev) => ev.kind === 'frame' && ev.frame.type === 'HEADERS' && ev.frame.streamId === streamId, {
      timeoutMs,
      expected: `a response HEADERS on stream ${streamId}`,
      failOn: (ev) => ev.kind === 'frame' && (ev.frame.type === 'GOAWAY' || (ev.frame.type === 'RST_STREAM' && ev.frame.streamId === streamId)),
    });
    if (!('headers' in f) || f.headers === null || !f.headers.some(([n]) => n === ':status')) {
      throw new Error(`raw-h2: the response HEADERS on stream ${streamId} has no :status: ${describe({ kind: 'frame', frame: f })}`);
    }
    return f;
  }

  /** expectStreamClose is h2spec's VerifyStreamClose: a DATA or HEADERS frame with END_STREAM (on the stream, when given). */
  async expectStreamClose(streamId?: number, timeoutMs = this.timeoutMs): Promise<Frame> {
    return this.waitFor((ev) => ev.kind === 'frame' && (ev.frame.type === 'DATA' || ev.frame.type === 'HEADERS')
      && ev.frame.endStream && (streamId === undefined || ev.frame.streamId === streamId), {
      timeoutMs,
      expected: `END_STREAM${streamId === undefined ? '' : ` on stream ${streamId}`}`,
      failOn: (ev) => ev.kind === 'frame' && (ev.frame.type === 'GOAWAY' || ev.frame.type === 'RST_STREAM'),
    });
  }

  /** expectPingAck is h2spec's VerifyPingFrameWithAck: a PING with ACK (and `data`, when given). */
  async expectPingAck(data?: Uint8Array | string, timeoutMs = this.timeoutMs): Promise<Frame> {
    const want = data === undefined ? undefined : pingData(data);
    return this.waitFor((ev) => ev.kind === 'frame' && ev.frame.type === 'PING' && ev.frame.ack
      && (want === undefined || Buffer.from(ev.frame.data).equals(Buffer.from(want))), {
      timeoutMs,
      expected: `PING ACK${want === undefined ? '' : ` with data ${Buffer.from(want).toString('hex')}`}`,
      failOn: (ev) => ev.kind === 'frame' && ev.frame.type === 'GOAWAY',
    });
  }

  /** expectPingAckOrClose is h2spec's VerifyPingFrameOrConnectionClose made exact: the PING ACK
   *  (with `data`, when given) must come; the cases that use it do nothing wrong, so closing on
   *  them is no answer. Under H2SPEC_LENIENT, a close passes too, as in h2spec. */
  async expectPingAckOrClose(data?: Uint8Array | string, timeoutMs = this.timeoutMs): Promise<void> {
    const want = data === undefined ? undefined : pingData(data);
    await this.expectEnd(`PING ACK${H2SPEC_LENIENT ? ' or connection closed (H2SPEC_LENIENT)' : ''}`, timeoutMs, (ev) => {
      if (ev.kind === 'closed') return H2SPEC_LENIENT ? 'pass' : 'fail';
      if (ev.kind === 'frame' && ev.frame.type === 'PING' && ev.frame.ack) {
        return want === undefined || Buffer.from(ev.frame.data).equals(Buffer.from(want)) ? 'pass' : 'continue';
      }
      return 'continue';
    });
  }

  /** expectSettingsAck waits for a SETTINGS frame with ACK. */
  async expectSettingsAck(timeoutMs = this.timeoutMs): Promise<Frame> {
    return this.waitFor((ev) => ev.kind === 'frame' && ev.frame.type === 'SETTINGS' && ev.frame.ack, {
      timeoutMs, expected: 'SETTINGS ACK',
      failOn: (ev) => ev.kind === 'frame' && ev.frame.type === 'GOAWAY',
    });
  }

  /** expectData waits for a DATA frame on the stream and returns it. */
  async expectData(streamId: number, timeoutMs = this.timeoutMs): Promise<Frame> {
    return this.waitFor((ev) => ev.kind === 'frame' && ev.frame.type === 'DATA' && ev.frame.streamId === streamId, {
      timeoutMs, expected: `DATA on stream ${streamId}`,
      failOn: (ev) => ev.kind === 'frame' && (ev.frame.type === 'GOAWAY' || (ev.frame.type === 'RST_STREAM' && ev.frame.streamId === streamId)),
    });
  }

  /** close ends the connection and frees the codec contexts; safe to call twice. */
  close(): void {
    if (this.disposed) return;
    this.disposed = true;
    live.delete(this);
    if (!this.socket.destroyed) this.socket.destroy();
    this.closed = true;
    this.reader.close();
    this.encoder.close();
    this.decoder.close();
  }

  private async expectEnd(expected: string, timeoutMs: number, judge: (ev: Event) => 'pass' | 'fail' | 'continue'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const seen: Event[] = [];
    for (;;) {
      const ev = await this.next(Math.max(0, deadline - Date.now()));
      if (ev === undefined) throw this.failure(expected, seen, `timeout after ${timeoutMs} ms`);
      seen.push(ev);
      const verdict = judge(ev);
      if (verdict === 'pass') return;
      if (verdict === 'fail' || ev.kind !== 'frame') throw this.failure(expected, seen);
    }
  }

  private failure(expected: string, seen: Event[], why?: string): Error {
    const shown = seen.slice(-6).map(describe);
    const more = seen.length > 6 ? `…${seen.length - 6} earlier, ` : '';
    return new Error(`expected ${expected}; got ${seen.length ? more + shown.join(', ') : 'no frame'}${why ? ` (${why})` : ''}`);
  }

  private push(ev: Event): void {
    this.events.push(ev);
    this.wake?.();
  }

  private onData(chunk: Buffer): void {
    if (this.decodeFailed || this.disposed) return;
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      this.decodeFailed = true;
      for (const f of e.frames) this.onFrame(f);
      this.push({ kind: 'bad-frame', error: e });
      return;
    }
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    this.push({ kind: 'frame', frame: f });
    if (f.type === 'DATA' && this.autoWindowUpdate && f.data.length > 0) this.replenish(f.streamId, f.data.length + (f.padLength ?? 0));
  }

  /** replenish is h2spec's updateWindowSize: once a window is used up, top it back to 65535. */
  private replenish(streamId: number, length: number): void {
    for (const id of [streamId, 0]) {
      const w = (this.recvWindow.get(id) ?? DEFAULT_WINDOW_SIZE) - length;
      if (w <= 0) {
        const increment = DEFAULT_WINDOW_SIZE - w;
        this.windowUpdate(id, increment);
        this.recvWindow.set(id, w + increment);
      } else {
        this.recvWindow.set(id, w);
      }
    }
  }

  private onClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.push({ kind: 'closed', reason });
  }
}

/** pingData makes 8 octets from data, zero-padded (a string is taken as latin1). */
export function pingData(data: Uint8Array | string): Uint8Array {
  const src = typeof data === 'string' ? bytes(data) : data;
  const d = new Uint8Array(8);
  d.set(src.subarray(0, 8));
  return d;
}

/** wrongCode is the verdict on a GOAWAY or RST_STREAM with an unexpected code. */
const wrongCode: 'fail' | 'continue' = H2SPEC_LENIENT ? 'continue' : 'fail';

const live = new Set<RawH2>();

/** closeAll closes every connection still open (call it in afterEach). */
export function closeAll(): void {
  for (const c of [...live]) c.close();
}

/** FLAGS are the RFC 9113 §6 frame flags, for hand-made frames. */
export const FLAGS = { END_STREAM: FLAG_END_STREAM, END_HEADERS: FLAG_END_HEADERS, ACK: FLAG_ACK, PADDED: FLAG_PADDED, PRIORITY: FLAG_PRIORITY } as const;

function positiveInt(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
