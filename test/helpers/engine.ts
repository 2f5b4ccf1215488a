// Engine harness: a ServerConnection driven without sockets, through an
// in-memory Transport. The client side encodes frames with a core of its own
// (so nothing the client does can touch the server core's exchange buffers)
// and decodes everything the server writes, in order, into frames.
//
// Time is vitest's fake clock (Date and every timer faked: the ticker's
// setInterval, the engine's setImmediate follow-up flushes). The engine's
// flushes are microtasks, which stay real: settle() drains them and fires the
// zero-delay timers until nothing moves.

import { afterEach, beforeEach, expect, vi } from 'vitest';
import { loadCore, type Core } from '../../host/core/core.js';
import type { CodecName } from '../../host/core/binding.js';
import { FrameError, type Frame, type FrameDecoder, type FrameInit, type DataFrame, type DecodedHeadersFrame, type GoawayFrame, type RstStreamFrame } from '../../host/core/frames.js';
import type { HeaderList, HpackEncoder } from '../../host/core/hpack.js';
import { ServerConnection, CLIENT_PREFACE } from '../../host/engine/server.js';
import { resolveOptions, type ResolvedOptions } from '../../host/engine/options.js';
import { TICK_MS } from '../../host/engine/ticker.js';
import type { EngineOptions, ServerStream, StreamHandler, Transport } from '../../host/engine/types.js';
import { sharedCore, FUZZ_SCALE } from './codecs.js';
import { cat } from './frames.js';

export { cat, rawFrame } from './frames.js';
export { CLIENT_PREFACE };

// ---------------------------------------------------------------------------
// Cores: the server's is shared per codec (as serve() shares one), the client's is its own.

const clientCores = new Map<CodecName, Promise<Core>>();

/** clientCore returns a second core per codec, for the client side of the harness. */
export function clientCore(codec: CodecName): Promise<Core> {
  let core = clientCores.get(codec);
  if (!core) {
    core = loadCore({ codec });
    clientCores.set(codec, core);
  }
  return core;
}

// ---------------------------------------------------------------------------
// Fake transport.

/** TransportEvent is one thing the engine did to its transport, in order. */
export type TransportEvent =
  | { kind: 'write'; bytes: number; frames: Frame[]; accepted: boolean }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'end' }
  | { kind: 'destroy' };

/** FakeTransport records what the engine does with it; `full` makes write() report a backed-up pipe. */
export class FakeTransport implements Transport {
  readonly remote = '192.0.2.1:40000';
  readonly events: TransportEvent[] = [];
  /** write() returns false while this is set (the bytes are still taken, as a socket takes them). */
  full = false;
  /** Server output our decoder rejected: a frame no valid server would write. */
  readonly badOutput: FrameError[] = [];
  /** Frames in the order written. */
  readonly frames: Frame[] = [];
  paused = false;
  ended = false;
  destroyed = false;
  /** What unsentBytes reports (a test sets it to act out a peer that does or does not read). */
  unsentBytes = 0;

  constructor(private readonly decoder: FrameDecoder, private readonly client: Core) {}

  write(chunks: Uint8Array[], totalBytes: number): boolean {
    const bytes = cat(...chunks);
    expect(bytes.length, 'write(): totalBytes is the sum of the chunks').toBe(totalBytes);
    let frames: Frame[] = [];
    if (this.badOutput.length === 0) {
      try {
        // Work around a core bug (test/engine/core-views.test.ts): a context made on the client core
        // may have grown its memory without the binding re-reading its views.
        this.client.binding.sync();
        frames = this.decoder.push(bytes);
      } catch (e) {
        if (!(e instanceof FrameError)) throw e;
        this.badOutput.push(e);
        frames = e.frames;
      }
    }
    this.frames.push(...frames);
    const accepted = !this.full;
    this.events.push({ kind: 'write', bytes: totalBytes, frames, accepted });
    return accepted;
  }

  pause(): void {
    this.paused = true;
    this.events.push({ kind: 'pause' });
  }

  resume(): void {
    this.paused = false;
    this.events.push({ kind: 'resume' });
  }

  end(): void {
    this.ended = true;
    this.events.push({ kind: 'end' });
  }

  destroy(): void {
    this.destroyed = true;
    this.events.push({ kind: 'destroy' });
  }

  count(kind: TransportEvent['kind']): number {
    return this.events.filter((e) => e.kind === kind).length;
  }
}

// ---------------------------------------------------------------------------
// The harness.

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  context?: Record<string, unknown>;
}

export interface HarnessOptions {
  /** Engine options (log is always the harness's collector). */
  options?: Omit<EngineOptions, 'log'>;
  /** The handler; by default streams are kept in `streams` and left to the test. */
  handler?: StreamHandler;
  /** Send the preface and SETTINGS (default true). */
  preface?: boolean;
  /** ACK the server's SETTINGS (default true; needs preface). */
  ack?: boolean;
  /** The client's SETTINGS, as [id, value] pairs. */
  settings?: Array<[number, number]>;
}

export interface RequestOptions {
  endStream?: boolean;
  /** Extra fields after the pseudo-headers. */
  extra?: Array<[string, string]>;
}

const live = new Set<EngineHarness>();

/** DEFAULT_REQUEST is a GET of / over https. */
export const DEFAULT_REQUEST: Array<[string, string]> = [
  [':method', 'GET'], [':scheme', 'https'], [':path', '/'], [':authority', 'example.com'],
];

/** EngineHarness is one server connection and the client at its other end. */
export class EngineHarness {
  readonly logs: LogLine[] = [];
  readonly transport: FakeTransport;
  readonly conn: ServerConnection;
  readonly resolved: ResolvedOptions;
  /** Streams handed to the default handler, by id. */
  readonly streams = new Map<number, ServerStream>();
  /** Exceptions thrown by receive()/drained()/shutdown() (the engine must never throw). */
  readonly thrown: unknown[] = [];
  private readonly encoder: HpackEncoder;
  private readonly decoder: FrameDecoder;
  private cursor = 0;

  private constructor(readonly server: Core, readonly client: Core, ho: HarnessOptions) {
    const hpack = client.hpackDecoder();
    this.decoder = client.frameDecoder({ hpack, maxFrameSize: 16777215 });
    this.encoder = client.hpackEncoder();
    this.transport = new FakeTransport(this.decoder, client);
    this.resolved = resolveOptions({ ...ho.options, log: (level, message, context) => this.logs.push({ level, message, context }) });
    const handler: StreamHandler = ho.handler ?? ((s) => { this.streams.set(s.id, s); });
    this.conn = new ServerConnection(server, this.transport, this.resolved, handler);
    live.add(this);
  }

  /** open makes a connection (fake timers must be on) and, by default, does the handshake. */
  static async open(codec: CodecName, ho: HarnessOptions = {}): Promise<EngineHarness> {
    const h = new EngineHarness(await sharedCore(codec), await clientCore(codec), ho);
    await h.settle();
    if (ho.preface !== false) {
      h.sendBytes(cat(CLIENT_PREFACE, h.encode([{ type: 'SETTINGS', settings: ho.settings ?? [] }])));
      if (ho.ack !== false) h.send({ type: 'SETTINGS', ack: true, settings: [] });
      await h.settle();
    }
    return h;
  }

  // --- client → server -------------------------------------------------------

  encode(frames: FrameInit[]): Uint8Array {
    return this.client.encodeFrames(frames);
  }

  /** sendBytes hands bytes to the connection as one transport read. */
  sendBytes(bytes: Uint8Array): void {
    try {
      this.conn.receive(bytes);
    } catch (e) {
      this.thrown.push(e);
    }
  }

  /** send encodes frames and hands them to the connection as one read. */
  send(...frames: FrameInit[]): void {
    this.sendBytes(this.encode(frames));
  }

  /** headersFrame encodes a field block now (HPACK order = send order) as one HEADERS frame. */
  headersFrame(streamId: number, fields: HeaderList | Array<[string, string]>, endStream: boolean): FrameInit {
    return { type: 'HEADERS', streamId, fragment: this.encoder.encode(fields), endHeaders: true, endStream };
  }

  /** request opens a stream: DEFAULT_REQUEST (or fields) plus extra fields, END_STREAM by default. */
  request(streamId: number, fields: Array<[string, string]> | null = null, o: RequestOptions = {}): void {
    const list = [...(fields ?? DEFAULT_REQUEST), ...(o.extra ?? [])];
    this.send(this.headersFrame(streamId, list, o.endStream ?? true));
  }

  data(streamId: number, data: Uint8Array | string, endStream = false, padLength?: number): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const f: FrameInit = { type: 'DATA', streamId, data: bytes, endStream };
    if (padLength !== undefined) (f as { padLength?: number }).padLength = padLength;
    this.send(f);
  }

  windowUpdate(streamId: number, increment: number): void {
    this.send({ type: 'WINDOW_UPDATE', streamId, increment });
  }

  // --- time and microtasks --------------------------------------------------

  /** settle drains microtasks and fires zero-delay timers (the engine's setImmediate follow-up
   *  flushes) until the transport sees nothing new for a few rounds. */
  async settle(): Promise<void> {
    let quiet = 0;
    for (let round = 0; round < 10_000 && quiet < 3; round++) {
      const before = this.transport.events.length;
      for (let k = 0; k < 25; k++) await Promise.resolve();
      vi.advanceTimersByTime(0);
      quiet = this.transport.events.length === before ? quiet + 1 : 0;
    }
  }

  /** advance moves the fake clock by ms, a ticker period at a time, draining microtasks between. */
  async advance(ms: number): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(TICK_MS, left);
      vi.advanceTimersByTime(step);
      left -= step;
      for (let k = 0; k < 25; k++) await Promise.resolve();
    }
    await this.settle();
  }

  // --- server → client ------------------------------------------------------

  get frames(): Frame[] {
    return this.transport.frames;
  }

  /** take returns the frames written since the last take(). */
  take(): Frame[] {
    const out = this.frames.slice(this.cursor);
    this.cursor = this.frames.length;
    return out;
  }

  framesFor(streamId: number): Frame[] {
    return this.frames.filter((f) => f.streamId === streamId);
  }

  /** dataFor returns the DATA bytes the server sent on a stream, concatenated. */
  dataFor(streamId: number): Uint8Array {
    return cat(...this.frames.filter((f): f is DataFrame => f.type === 'DATA' && f.streamId === streamId).map((f) => f.data));
  }

  /** textFor returns dataFor as UTF-8 text. */
  textFor(streamId: number): string {
    return new TextDecoder().decode(this.dataFor(streamId));
  }

  /** ended reports whether the server sent END_STREAM on the stream. */
  endedStream(streamId: number): boolean {
    return this.frames.some((f) => f.streamId === streamId && (f.type === 'DATA' || f.type === 'HEADERS') && f.endStream);
  }

  /** wantHeaders expects the n-th field block on a stream (0: the response head) and returns its fields. */
  wantHeaders(streamId: number, n = 0): HeaderList {
    const blocks = this.frames.filter((f): f is DecodedHeadersFrame => f.type === 'HEADERS' && f.streamId === streamId);
    expect(blocks.length, `HEADERS #${n} on stream ${streamId}`).toBeGreaterThan(n);
    const h = blocks[n].headers;
    expect(h).not.toBeNull();
    return h!;
  }

  /** wantStatus expects the response status on a stream. */
  wantStatus(streamId: number, status: number): HeaderList {
    const h = this.wantHeaders(streamId);
    expect(h[0]).toEqual([':status', String(status)]);
    return h;
  }

  /** wantRst expects exactly one RST_STREAM on a stream, with this code. */
  wantRst(streamId: number, code: number): RstStreamFrame {
    const rst = this.frames.filter((f): f is RstStreamFrame => f.type === 'RST_STREAM' && f.streamId === streamId);
    expect(rst.map((f) => f.errorCode), `RST_STREAM on stream ${streamId}`).toEqual([code]);
    return rst[0];
  }

  /** noRst expects no RST_STREAM on a stream. */
  noRst(streamId: number): void {
    expect(this.frames.filter((f) => f.type === 'RST_STREAM' && f.streamId === streamId)).toEqual([]);
  }

  goaways(): GoawayFrame[] {
    return this.frames.filter((f): f is GoawayFrame => f.type === 'GOAWAY');
  }

  /** wantGoaway expects the last frame the server wrote to be a GOAWAY with this code (and last id). */
  wantGoaway(code: number, lastStreamId?: number): GoawayFrame {
    const last = this.frames[this.frames.length - 1];
    expect(last?.type, 'the last frame is a GOAWAY').toBe('GOAWAY');
    const g = last as GoawayFrame;
    expect(g.errorCode, `GOAWAY code (debug: ${new TextDecoder().decode(g.debugData)})`).toBe(code);
    if (lastStreamId !== undefined) expect(g.lastStreamId).toBe(lastStreamId);
    return g;
  }

  noGoaway(): void {
    expect(this.goaways()).toEqual([]);
  }

  /** wantClean expects no engine exception, no internal error, and only valid frames written. */
  wantClean(): void {
    expect(this.thrown).toEqual([]);
    expect(this.transport.badOutput).toEqual([]);
    expect(this.logs.filter((l) => l.message === 'internal error').map((l) => String(l.context?.error)), 'internal errors').toEqual([]);
  }

  logsAt(level: LogLine['level']): LogLine[] {
    return this.logs.filter((l) => l.level === level);
  }

  /** dispose closes the connection (stopping its ticker registration) and the client contexts. */
  dispose(): void {
    live.delete(this);
    this.conn.transportClosed();
    this.decoder.close();
    this.encoder.close();
  }
}

/** disposeAll closes every harness still open: call it in afterEach, before vi.useRealTimers(),
 *  so the shared ticker's fake interval is cleared with its last connection. */
export function disposeAll(): void {
  for (const h of [...live]) h.dispose();
}

/** bytesOf makes n bytes of a recognisable pattern (tag in the first octet of every 256). */
export function bytesOf(n: number, tag = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + tag * 7) & 0xff;
  return b;
}

/** dataFrames returns the DATA frames of a list, optionally of one stream. */
export function dataFrames(frames: Frame[], streamId?: number): DataFrame[] {
  return frames.filter((f): f is DataFrame => f.type === 'DATA' && (streamId === undefined || f.streamId === streamId));
}

/** wantBytes expects two byte arrays to be equal (vitest's toEqual walks 64 KiB arrays element by element, slowly). */
export function wantBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const same = Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length));
  expect(same, `${what}: content`).toBe(true);
}

/** FC_SEED fixes the engine property tests' seed so `npm test` is deterministic: H2WASM_FC_SEED
 *  picks another, and a fuzz run (H2WASM_FUZZ_SCALE > 1) draws a fresh one. */
export const FC_SEED: number | undefined =
  process.env.H2WASM_FC_SEED !== undefined ? Number(process.env.H2WASM_FC_SEED) : FUZZ_SCALE > 1 ? undefined : 0x68327761;

/** useFakeEngineTimers puts every test of the file on vitest's fake timers (the engine's ticker,
 *  setImmediate and Date) and closes the test's connections after it, so the shared ticker stops. */
export function useFakeEngineTimers(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    disposeAll();
    vi.useRealTimers();
  });
}
