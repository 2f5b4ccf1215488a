// Frames: the frame-level API over the core's frame reader and writer, for
// tools and tests (the connection engine talks to the records directly).
//
// FrameDecoder turns bytes into Frame objects, however the bytes are split;
// encodeFrames turns Frame objects into bytes. Both copy every byte range out
// of the core's exchange buffers before the next core call, and re-read the
// views (binding.sync()) after every call that may have grown them.

import {
  REC_WORDS, REC_TYPE, REC_FLAGS, REC_STREAM, REC_LENGTH, REC_A, REC_B, REC_C, REC_D,
  REC_STREAM_ERROR, REC_UNKNOWN, REC_CONNECTION_ERROR, REC_HEADERS_DECODED, REC_PUSH_PROMISE_DECODED,
  FRAME_DATA, FRAME_HEADERS, FRAME_PRIORITY, FRAME_RST_STREAM, FRAME_SETTINGS,
  FRAME_PUSH_PROMISE, FRAME_PING, FRAME_GOAWAY, FRAME_WINDOW_UPDATE, FRAME_CONTINUATION,
  FRAME_PRIORITY_UPDATE, FLAG_END_STREAM, FLAG_ACK, FLAG_END_HEADERS, FLAG_PADDED, FLAG_PRIORITY,
  DEFAULT_MAX_FRAME_SIZE, REC_WINDOW_UPDATE_OWED, REC_DATA_FIRST, REC_DATA_LAST, REC_DATA_UNTRACKED,
  REC_F_FLOW_OPENED, WU_WOKEN, WU_UNTRACKED,
} from '../../assembly/abi.js';
import { concatBytes, copyBytes } from '../bytes.js';
import { type CoreBinding, writeLatin1 } from './binding.js';
import { CoreContext } from './context.js';
import { errorReason } from './errors.js';
import type { HeaderList, HpackDecoder } from './hpack.js';
import type { FlowControl, FlowPosition } from './flow.js';

/** DEFAULT_MAX_HEADER_BLOCK_BYTES bounds one header block (HEADERS or PUSH_PROMISE plus its CONTINUATIONs). */
export const DEFAULT_MAX_HEADER_BLOCK_BYTES = 256 * 1024;

/** PrioritySpec is an RFC 7540-style priority: HEADERS priority fields and PRIORITY frames. */
export interface PrioritySpec {
  exclusive: boolean;
  dependency: number;
  /** 1..256 (the wire value plus one). */
  weight: number;
}

export interface DataFrame {
  type: 'DATA';
  streamId: number;
  flags: number;
  endStream: boolean;
  data: Uint8Array;
  /** Present when the frame is PADDED. */
  padLength?: number;
  /** With a flow attached: no flow slot had the stream (charged to the connection, given back). */
  untracked?: boolean;
}

export interface HeadersFrame {
  type: 'HEADERS';
  streamId: number;
  flags: number;
  endStream: boolean;
  endHeaders: boolean;
  /** The field block fragment, padding and priority fields stripped. */
  fragment: Uint8Array;
  priority?: PrioritySpec;
  padLength?: number;
  /** With a flow attached: this block opened the stream's flow slot. */
  flowOpened?: boolean;
}

export interface PriorityFrame extends PrioritySpec {
  type: 'PRIORITY';
  streamId: number;
  flags: number;
}

export interface RstStreamFrame {
  type: 'RST_STREAM';
  streamId: number;
  flags: number;
  errorCode: number;
}

export interface SettingsFrame {
  type: 'SETTINGS';
  /** 0 in a valid frame. */
  streamId: number;
  flags: number;
  ack: boolean;
  /** [identifier, value] pairs in wire order; values unsigned. */
  settings: Array<[id: number, value: number]>;
  /** With a flow attached: how many stream send windows its INITIAL_WINDOW_SIZE took from <= 0 to > 0. */
  woken?: number;
}

export interface PushPromiseFrame {
  type: 'PUSH_PROMISE';
  streamId: number;
  flags: number;
  endHeaders: boolean;
  promisedStreamId: number;
  fragment: Uint8Array;
  padLength?: number;
  /** With a flow attached (client position): this block opened the promised stream's flow slot. */
  flowOpened?: boolean;
}

export interface PingFrame {
  type: 'PING';
  streamId: number;
  flags: number;
  ack: boolean;
  /** Exactly 8 opaque octets. */
  data: Uint8Array;
}

export interface GoawayFrame {
  type: 'GOAWAY';
  streamId: number;
  flags: number;
  lastStreamId: number;
  errorCode: number;
  debugData: Uint8Array;
}

export interface WindowUpdateFrame {
  type: 'WINDOW_UPDATE';
  streamId: number;
  flags: number;
  increment: number;
  /** With a flow attached: the send window went from <= 0 to > 0. */
  woken?: boolean;
  /** With a flow attached: no flow slot had the stream (nothing credited). */
  untracked?: boolean;
  /** With a flow attached: the send window after the increment. */
  window?: number;
}

/** WindowUpdateOwedFrame is not a frame but a WINDOW_UPDATE the attached flow owes the peer
 *  (the next flush writes it). */
export interface WindowUpdateOwedFrame {
  type: 'WINDOW_UPDATE_OWED';
  streamId: number;
  increment: number;
}

export interface ContinuationFrame {
  type: 'CONTINUATION';
  streamId: number;
  flags: number;
  endHeaders: boolean;
  fragment: Uint8Array;
  /** With a flow attached: the block this CONTINUATION completes opened the stream's flow slot. */
  flowOpened?: boolean;
}

export interface PriorityUpdateFrame {
  type: 'PRIORITY_UPDATE';
  streamId: number;
  flags: number;
  prioritizedStreamId: number;
  /** The Priority Field Value (RFC 9218 §7.1), octets as latin1. */
  fieldValue: string;
}

export interface UnknownFrame {
  type: 'UNKNOWN';
  streamId: number;
  flags: number;
  frameType: number;
  /** Decoder: the payload length (the payload itself is discarded, RFC 9113 §4.1). */
  length?: number;
  /** Encoder: the payload to write. */
  payload?: Uint8Array;
}

/** StreamErrorFrame is not a frame but a stream error the decoder found (RFC 9113 §5.4.2). */
export interface StreamErrorFrame {
  type: 'STREAM_ERROR';
  streamId: number;
  /** RFC 9113 §7 error code. */
  errorCode: number;
  /** ERROR_NAMES entry of the core's reason, e.g. 'PRIORITY_SELF'. */
  reason: string;
}

/** DecodedHeadersFrame is a whole field block (HEADERS and its CONTINUATIONs)
 *  decoded by the HPACK decoder given as `frameDecoder({ hpack })`. */
export interface DecodedHeadersFrame {
  type: 'HEADERS';
  streamId: number;
  /** The HEADERS frame's flags, plus END_HEADERS. */
  flags: number;
  endStream: boolean;
  endHeaders: true;
  /** The decoded field list, or null when it was over the decoder's
   *  maxHeaderListSize: a stream error (answer 431 or reset the stream); the
   *  block was still decoded, so the connection's HPACK state is intact. */
  headers: HeaderList | null;
  priority?: PrioritySpec;
  /** With a flow attached: this block opened the stream's flow slot. */
  flowOpened?: boolean;
}

/** DecodedPushPromiseFrame is a PUSH_PROMISE whose field block was decoded (see DecodedHeadersFrame). */
export interface DecodedPushPromiseFrame {
  type: 'PUSH_PROMISE';
  streamId: number;
  flags: number;
  endHeaders: true;
  promisedStreamId: number;
  headers: HeaderList | null;
  /** With a flow attached (client position): this block opened the promised stream's flow slot. */
  flowOpened?: boolean;
}

export type Frame =
  | DataFrame | HeadersFrame | PriorityFrame | RstStreamFrame | SettingsFrame | PushPromiseFrame
  | PingFrame | GoawayFrame | WindowUpdateFrame | ContinuationFrame | PriorityUpdateFrame
  | UnknownFrame | StreamErrorFrame | DecodedHeadersFrame | DecodedPushPromiseFrame | WindowUpdateOwedFrame;

/** WireFrame is a Frame that maps to exactly one frame on the wire. */
export type WireFrame = Exclude<Frame, StreamErrorFrame | DecodedHeadersFrame | DecodedPushPromiseFrame | WindowUpdateOwedFrame>;

type FlagFields = 'flags' | 'endStream' | 'endHeaders' | 'ack';
/** Frames that only ever travel on stream 0 (RFC 9113 §6.5, §6.7, §6.8; RFC 9218 §7.1). */
type ConnectionFrame = SettingsFrame | PingFrame | GoawayFrame | PriorityUpdateFrame;
type Optional<F> = FlagFields | (F extends ConnectionFrame ? 'streamId' : never);
type Loosen<F> = F extends unknown ? Omit<F, Optional<F> & keyof F> & Partial<Pick<F, Optional<F> & keyof F>> : never;

/** FrameInit is what encodeFrames takes: any Frame but STREAM_ERROR, with `flags` and
 *  the flag booleans optional, and `streamId` optional (0) on connection frames. The flags written are `flags` OR the bits the
 *  booleans, `padLength` and `priority` imply. (encodeFrames also takes decoded
 *  Frames as they are, and refuses STREAM_ERROR entries with a TypeError.) */
export type FrameInit = Loosen<WireFrame>;

/** FrameError is a connection error (RFC 9113 §5.4.1) the decoder found. */
export class FrameError extends Error {
  override name = 'FrameError';

  constructor(
    /** RFC 9113 §7 error code. */
    readonly code: number,
    /** ERROR_NAMES entry of the core's reason, e.g. 'FRAME_SIZE'. */
    readonly reason: string,
    /** The stream of the offending frame. */
    readonly streamId: number,
    /** The frames decoded by the push that found the error, before it. */
    readonly frames: Frame[],
  ) {
    super(`h2wasm: HTTP/2 connection error ${reason} (code ${code}) on stream ${streamId}`);
  }
}

export interface FrameDecoderOptions {
  /** The owner promises to call close(): no collector safety net (saves memory per context). */
  untracked?: boolean;
  /** Largest accepted payload, 16384..16777215 (RFC 9113 §6.5.2); default 16384. */
  maxFrameSize?: number;
  /** Decode every field block with this decoder, in the same core call that
   *  reads its frames: HEADERS and PUSH_PROMISE then come out whole, with
   *  `headers` instead of `fragment` (CONTINUATIONs folded in). A decoding
   *  error is a connection error with code 9 (COMPRESSION_ERROR). */
  hpack?: HpackDecoder;
  /** Largest header block (fragment bytes over HEADERS/PUSH_PROMISE and CONTINUATIONs); default 256 KiB. */
  maxHeaderBlockBytes?: number;
  /** Keep these flow-control windows in the same core call (FlowControl.attach); the frames then carry
   *  the flow's findings (untracked, woken, flowOpened) and WINDOW_UPDATE_OWED reports. */
  flow?: FlowControl;
  /** Which end reads these frames, for `flow`: 'server' (default) or 'client'. */
  position?: FlowPosition;
}

/** FrameDecoder decodes a byte stream (one direction of a connection) into frames. */
export class FrameDecoder extends CoreContext {
  private hpack: HpackDecoder | null = null;
  private flow: FlowControl | null = null;
  private error: FrameError | null = null;
  /** Chunks of the DATA frame in progress (a frame split across reads). */
  private dataChunks: Uint8Array[] = [];

  constructor(binding: CoreBinding, options: FrameDecoderOptions = {}) {
    const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    const maxBlock = options.maxHeaderBlockBytes ?? DEFAULT_MAX_HEADER_BLOCK_BYTES;
    const h = binding.x.frameReaderNew(maxFrameSize, maxBlock);
    if (h < 0) throw new RangeError(`h2wasm: cannot make a frame decoder (${errorReason(h)}; maxFrameSize ${maxFrameSize}, maxHeaderBlockBytes ${maxBlock})`);
    super(binding, h, binding.x.frameReaderFree, options.untracked === true);
    const hpack = options.hpack;
    if (hpack !== undefined) {
      if (!hpack.onCore(binding) || binding.x.frameReaderAttachDecoder(h, hpack.coreHandle) < 0) {
        this.close();
        throw new TypeError('h2wasm: frameDecoder({ hpack }) needs an open HPACK decoder of the same core');
      }
      this.hpack = hpack;
    }
    const flow = options.flow;
    if (flow !== undefined) {
      if (!flow.onCore(binding) || flow.closed) {
        this.close();
        throw new TypeError('h2wasm: frameDecoder({ flow }) needs an open FlowControl of the same core');
      }
      flow.attach(h, options.position ?? 'server');
      this.flow = flow;
    }
  }

  /** push decodes bytes (any amount, any split) and returns the frames completed by them.
   *  It throws FrameError on a connection error, and again on every later push. */
  push(bytes: Uint8Array): Frame[] {
    if (this.error !== null) throw this.error;
    if (this.closed) throw new Error('h2wasm: frame decoder is closed');
    const b = this.binding;
    const x = b.x;
    const frames: Frame[] = [];
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, b.in.length);
      b.in.set(bytes.subarray(off, off + n), 0);
      off += n;
      const count = x.frameRead(this.handle, n);
      b.sync();
      if (count < 0) throw new Error(`h2wasm: frame reader failed (${errorReason(count)})`);
      this.collect(count, frames);
      if (this.error !== null) throw this.error;
    }
    return frames;
  }

  /** setMaxFrameSize changes the largest accepted payload from the next frame header on. */
  setMaxFrameSize(n: number): void {
    if (this.closed) throw new Error('h2wasm: frame decoder is closed');
    const r = this.binding.x.frameReaderSetMaxFrameSize(this.handle, n);
    if (r < 0) throw new RangeError(`h2wasm: bad max frame size ${n} (16384..16777215)`);
  }


  /** collect turns `count` records into frames, copying every byte range out of the core. */
  private collect(count: number, frames: Frame[]): void {
    const b = this.binding;
    const r = b.records;
    for (let i = 0; i < count; i++) {
      const base = i * REC_WORDS;
      const type = r[base + REC_TYPE];
      const flags = r[base + REC_FLAGS] & 0xff;
      const flowOpened = (r[base + REC_FLAGS] & REC_F_FLOW_OPENED) !== 0;
      const streamId = r[base + REC_STREAM];
      const length = r[base + REC_LENGTH];
      const a = r[base + REC_A];
      const bw = r[base + REC_B];
      const c = r[base + REC_C];
      const d = r[base + REC_D];
      switch (type) {
        case FRAME_DATA: {
          const chunk = copyBytes(b.in, a, a + bw);
          if (c & REC_DATA_FIRST) this.dataChunks = [];
          let data: Uint8Array = chunk;
          if ((c & (REC_DATA_FIRST | REC_DATA_LAST)) !== (REC_DATA_FIRST | REC_DATA_LAST)) {
            this.dataChunks.push(chunk);
            if (!(c & REC_DATA_LAST)) break;
            data = concatBytes(this.dataChunks);
            this.dataChunks = [];
          }
          const f: DataFrame = { type: 'DATA', streamId, flags, endStream: (flags & FLAG_END_STREAM) !== 0, data };
          if (flags & FLAG_PADDED) f.padLength = d;
          if (c & REC_DATA_UNTRACKED) f.untracked = true;
          frames.push(f);
          break;
        }
        case FRAME_HEADERS: {
          const f: HeadersFrame = {
            type: 'HEADERS', streamId, flags,
            endStream: (flags & FLAG_END_STREAM) !== 0,
            endHeaders: (flags & FLAG_END_HEADERS) !== 0,
            fragment: copyBytes(b.strings, a, a + bw),
          };
          const prio = (flags & FLAG_PRIORITY) !== 0;
          if (prio) f.priority = prioritySpecOf(c, d);
          if (flags & FLAG_PADDED) f.padLength = length - 1 - (prio ? 5 : 0) - bw;
          if (flowOpened) f.flowOpened = true;
          frames.push(f);
          break;
        }
        case FRAME_PRIORITY:
          frames.push({ type: 'PRIORITY', streamId, flags, ...prioritySpecOf(c, d) });
          break;
        case FRAME_RST_STREAM:
          frames.push({ type: 'RST_STREAM', streamId, flags, errorCode: a >>> 0 });
          break;
        case FRAME_SETTINGS: {
          const f: SettingsFrame = { type: 'SETTINGS', streamId, flags, ack: (flags & FLAG_ACK) !== 0, settings: readSettings(b.strings, a, bw) };
          if (this.flow && !f.ack) f.woken = c;
          frames.push(f);
          break;
        }
        case FRAME_PUSH_PROMISE: {
          const f: PushPromiseFrame = {
            type: 'PUSH_PROMISE', streamId, flags,
            endHeaders: (flags & FLAG_END_HEADERS) !== 0,
            promisedStreamId: c,
            fragment: copyBytes(b.strings, a, a + bw),
          };
          if (flags & FLAG_PADDED) f.padLength = length - 5 - bw;
          if (flowOpened) f.flowOpened = true;
          frames.push(f);
          break;
        }
        case FRAME_PING: {
          const data = new Uint8Array(8);
          const v = new DataView(data.buffer);
          v.setInt32(0, a);
          v.setInt32(4, bw);
          frames.push({ type: 'PING', streamId, flags, ack: (flags & FLAG_ACK) !== 0, data });
          break;
        }
        case FRAME_GOAWAY:
          frames.push({ type: 'GOAWAY', streamId, flags, lastStreamId: a, errorCode: bw >>> 0, debugData: copyBytes(b.strings, c, c + d) });
          break;
        case FRAME_WINDOW_UPDATE: {
          const f: WindowUpdateFrame = { type: 'WINDOW_UPDATE', streamId, flags, increment: a };
          if (this.flow) {
            f.woken = (bw & WU_WOKEN) !== 0;
            f.untracked = (bw & WU_UNTRACKED) !== 0;
            f.window = c;
          }
          frames.push(f);
          break;
        }
        case REC_WINDOW_UPDATE_OWED:
          frames.push({ type: 'WINDOW_UPDATE_OWED', streamId, increment: a });
          break;
        case FRAME_CONTINUATION:
          frames.push({
            type: 'CONTINUATION', streamId, flags,
            endHeaders: (flags & FLAG_END_HEADERS) !== 0,
            fragment: copyBytes(b.strings, a, a + bw),
            ...(flowOpened ? { flowOpened: true } : {}),
          });
          break;
        case FRAME_PRIORITY_UPDATE:
          frames.push({ type: 'PRIORITY_UPDATE', streamId, flags, prioritizedStreamId: a, fieldValue: b.latin1(bw, bw + c) });
          break;
        case REC_HEADERS_DECODED: {
          const f: DecodedHeadersFrame = {
            type: 'HEADERS', streamId, flags,
            endStream: (flags & FLAG_END_STREAM) !== 0,
            endHeaders: true,
            headers: bw >= 0 ? this.hpack!.readFields(a, bw) : null,
          };
          if ((flags & FLAG_PRIORITY) !== 0) f.priority = prioritySpecOf(c, d);
          if (flowOpened) f.flowOpened = true;
          frames.push(f);
          break;
        }
        case REC_PUSH_PROMISE_DECODED:
          frames.push({
            type: 'PUSH_PROMISE', streamId, flags, endHeaders: true, promisedStreamId: c,
            headers: bw >= 0 ? this.hpack!.readFields(a, bw) : null,
            ...(flowOpened ? { flowOpened: true } : {}),
          });
          break;
        case REC_UNKNOWN:
          frames.push({ type: 'UNKNOWN', streamId, flags, frameType: a, length });
          break;
        case REC_STREAM_ERROR:
          frames.push({ type: 'STREAM_ERROR', streamId, errorCode: bw, reason: errorReason(a) });
          break;
        case REC_CONNECTION_ERROR:
          this.error = new FrameError(bw, errorReason(a), streamId, frames);
          return;
        default:
          throw new Error(`h2wasm: unknown frame record type ${type}`);
      }
    }
  }
}

/** readSettings reads a SETTINGS payload of `length` octets at bytes[off..] (a frame record's
 *  REC_A / REC_B) as [identifier, value] pairs in wire order, values unsigned (RFC 9113 §6.5.1). */
export function readSettings(bytes: Uint8Array, off: number, length: number): Array<[id: number, value: number]> {
  const settings: Array<[number, number]> = [];
  for (let p = off; p + 6 <= off + length; p += 6) {
    settings.push([(bytes[p] << 8) | bytes[p + 1], ((bytes[p + 2] << 24) | (bytes[p + 3] << 16) | (bytes[p + 4] << 8) | bytes[p + 5]) >>> 0]);
  }
  return settings;
}

/** payloadBytes returns how many ioIn bytes a frame's command needs. */
function payloadBytes(f: FrameInit | WireFrame): number {
  switch (f.type) {
    case 'DATA': return f.data.length;
    case 'HEADERS': case 'PUSH_PROMISE': case 'CONTINUATION': return f.fragment.length;
    case 'SETTINGS': return f.settings.length * 6;
    case 'GOAWAY': return f.debugData.length;
    case 'PRIORITY_UPDATE': return f.fieldValue.length;
    case 'UNKNOWN': return f.payload?.length ?? 0;
    default: return 0;
  }
}

/** prioritySpecOf reads a record's dependency word (exclusive bit 31) and weight. */
function prioritySpecOf(word: number, weight: number): PrioritySpec {
  return { exclusive: word < 0, dependency: word & 0x7fffffff, weight };
}

/** prioritySpecWord makes a command's dependency word (exclusive bit 31). */
function prioritySpecWord(p: PrioritySpec): number {
  return (p.dependency & 0x7fffffff) | (p.exclusive ? 0x80000000 : 0);
}

/** encodable narrows an encodeFrames entry to one frame on the wire, refusing decoder reports and decoded field blocks. */
function encodable(f: FrameInit | Frame): FrameInit | WireFrame {
  if (f.type === 'WINDOW_UPDATE_OWED') {
    throw new TypeError('h2wasm: a WINDOW_UPDATE_OWED is a flow report, not a frame; a flow flush writes it');
  }
  if (f.type === 'STREAM_ERROR') {
    throw new TypeError('h2wasm: a STREAM_ERROR is a decoder report, not a frame; encode an RST_STREAM instead');
  }
  if ('headers' in f) {
    throw new TypeError('h2wasm: a decoded field block has no fragment to write; encode its headers with an HpackEncoder');
  }
  return f as FrameInit | WireFrame;
}

/** encodeFrames writes frames in order and returns their wire bytes (a copy). */
export function encodeFrames(binding: CoreBinding, frames: ReadonlyArray<FrameInit | Frame>): Uint8Array {
  const items = frames.map(encodable);
  let bytes = 0;
  for (const f of items) bytes += payloadBytes(f);
  // Reserve both before taking either view: a reservation may grow the memory.
  binding.reserveRecords(items.length * REC_WORDS);
  binding.reserveIn(bytes);
  const rec = binding.records;
  const inb = binding.in;
  let at = 0;
  for (let j = 0; j < items.length; j++) at = writeCommand(items[j], rec, j * REC_WORDS, inb, at);
  // One frameWrite for the whole list: one core call per flush.
  const n = binding.x.frameWrite(items.length);
  binding.sync();
  if (n < 0) throw new RangeError(`h2wasm: cannot encode these frames (${errorReason(n)})`);
  return copyBytes(binding.out, 0, n);
}

/** writeCommand fills the command record at rec[base..] for f, copying its payload into inb at `at`; returns the new `at`. */
function writeCommand(f: FrameInit | WireFrame, rec: Int32Array, base: number, inb: Uint8Array, at: number): number {
  let flags = ('flags' in f ? (f.flags ?? 0) : 0) & 0xff;
  let type = 0;
  let pad = 0;
  let a = 0, b = 0, c = 0, d = 0;
  const copy = (bytes: Uint8Array): number => {
    inb.set(bytes, at);
    const off = at;
    at += bytes.length;
    return off;
  };
  const padding = (padLength: number | undefined) => {
    if (padLength !== undefined) flags |= FLAG_PADDED;
    if (flags & FLAG_PADDED) pad = padLength ?? 0;
  };
  switch (f.type) {
    case 'DATA':
      type = FRAME_DATA;
      if (f.endStream) flags |= FLAG_END_STREAM;
      padding(f.padLength);
      b = f.data.length;
      a = copy(f.data);
      break;
    case 'HEADERS':
      type = FRAME_HEADERS;
      if (f.endStream) flags |= FLAG_END_STREAM;
      if (f.endHeaders) flags |= FLAG_END_HEADERS;
      if (f.priority) flags |= FLAG_PRIORITY;
      if (flags & FLAG_PRIORITY) {
        const p = f.priority ?? { exclusive: false, dependency: 0, weight: 16 };
        c = prioritySpecWord(p);
        d = p.weight;
      }
      padding(f.padLength);
      b = f.fragment.length;
      a = copy(f.fragment);
      break;
    case 'PRIORITY':
      type = FRAME_PRIORITY;
      c = prioritySpecWord(f);
      d = f.weight;
      break;
    case 'RST_STREAM':
      type = FRAME_RST_STREAM;
      a = f.errorCode;
      break;
    case 'SETTINGS': {
      type = FRAME_SETTINGS;
      if (f.ack) flags |= FLAG_ACK;
      a = at;
      b = f.settings.length * 6;
      for (const [id, value] of f.settings) {
        inb[at] = id >>> 8;
        inb[at + 1] = id;
        inb[at + 2] = value >>> 24;
        inb[at + 3] = value >>> 16;
        inb[at + 4] = value >>> 8;
        inb[at + 5] = value;
        at += 6;
      }
      break;
    }
    case 'PUSH_PROMISE':
      type = FRAME_PUSH_PROMISE;
      if (f.endHeaders) flags |= FLAG_END_HEADERS;
      padding(f.padLength);
      c = f.promisedStreamId;
      b = f.fragment.length;
      a = copy(f.fragment);
      break;
    case 'PING': {
      type = FRAME_PING;
      if (f.ack) flags |= FLAG_ACK;
      if (f.data.length !== 8) throw new TypeError('h2wasm: a PING frame carries exactly 8 octets (use UNKNOWN with frameType 6 for a malformed one)');
      const v = new DataView(f.data.buffer, f.data.byteOffset, 8);
      a = v.getInt32(0);
      b = v.getInt32(4);
      break;
    }
    case 'GOAWAY':
      type = FRAME_GOAWAY;
      a = f.lastStreamId;
      b = f.errorCode;
      d = f.debugData.length;
      c = copy(f.debugData);
      break;
    case 'WINDOW_UPDATE':
      type = FRAME_WINDOW_UPDATE;
      a = f.increment;
      break;
    case 'CONTINUATION':
      type = FRAME_CONTINUATION;
      if (f.endHeaders) flags |= FLAG_END_HEADERS;
      b = f.fragment.length;
      a = copy(f.fragment);
      break;
    case 'PRIORITY_UPDATE':
      type = FRAME_PRIORITY_UPDATE;
      a = f.prioritizedStreamId;
      b = at;
      c = f.fieldValue.length;
      at = writeLatin1(inb, at, f.fieldValue);
      break;
    case 'UNKNOWN': {
      type = REC_UNKNOWN;
      a = f.frameType;
      const payload = f.payload ?? new Uint8Array(0);
      c = payload.length;
      b = copy(payload);
      break;
    }
    default:
      throw new TypeError(`h2wasm: cannot encode a frame of type ${(f as { type: string }).type}`);
  }
  rec[base + REC_TYPE] = type;
  rec[base + REC_FLAGS] = flags;
  rec[base + REC_STREAM] = f.streamId ?? 0;
  rec[base + REC_LENGTH] = pad;
  rec[base + REC_A] = a;
  rec[base + REC_B] = b;
  rec[base + REC_C] = c;
  rec[base + REC_D] = d;
  return at;
}
