// OutputBuffer: the bytes of one connection's next socket write. Frames are
// laid down in order; small ones are copied into an arena, large DATA
// payloads are referenced in place (never copied), and take() hands the lot
// to the transport as one list for one write (a writev on Node).
//
// Laid down here: the 9-octet frame header (RFC 9113 §4.1), and the payloads
// of the fixed-layout control frames (a word or two: RST_STREAM,
// WINDOW_UPDATE, PING, GOAWAY). They are written while the connection walks
// the records of a frameRead call, when no core call may touch the exchange
// buffers those records point into. Field blocks come from the core's HPACK
// encoder, and the SETTINGS preface from its frame writer.

import { FRAME_HEADER_SIZE, FRAME_PING, FRAME_GOAWAY, FLAG_ACK } from '../../assembly/abi.js';
import { allocBytes, copyBytes } from '../bytes.js';

/** ARENA_SIZE is the first capacity of the arena that small frames are copied into (made on first use):
 *  a response or two; a busy connection's arena grows to what its writes need. Kept small because
 *  a burst of new connections each makes one before the first idle tick lets it go. */
const ARENA_SIZE = 1024;
const NO_ARENA: Uint8Array = new Uint8Array(0);
/** COPY_LIMIT: DATA payloads up to this size are copied into the arena; larger ones are referenced. */
const COPY_LIMIT = 1024;

/** OutputBuffer collects frames for the next write. */
export class OutputBuffer {
  private arena: Uint8Array = NO_ARENA;
  private pos = 0;
  /** Where the arena's unflushed run starts. */
  private runStart = 0;
  private chunks: Uint8Array[] = [];
  /** The capacity of the next arena: the size of the last one handed off whole (see cut). */
  private nextSize = ARENA_SIZE;
  /** Bytes collected since the last take(). */
  bytes = 0;

  /** frameHeader appends a frame header (RFC 9113 §4.1). */
  frameHeader(length: number, type: number, flags: number, streamId: number): void {
    this.reserve(FRAME_HEADER_SIZE);
    const a = this.arena;
    let p = this.pos;
    a[p++] = length >>> 16;
    a[p++] = length >>> 8;
    a[p++] = length;
    a[p++] = type;
    a[p++] = flags;
    a[p++] = streamId >>> 24;
    a[p++] = streamId >>> 16;
    a[p++] = streamId >>> 8;
    a[p++] = streamId;
    this.pos = p;
    this.bytes += FRAME_HEADER_SIZE;
  }

  /** frame appends a frame header and its payload: copied when small, referenced when large. */
  frame(type: number, flags: number, streamId: number, payload: Uint8Array): void {
    this.frameHeader(payload.length, type, flags, streamId);
    this.payload(payload);
  }

  /** payload appends bytes after a frame header. */
  payload(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0) return;
    if (n <= COPY_LIMIT) {
      this.reserve(n);
      this.arena.set(bytes, this.pos);
      this.pos += n;
    } else {
      this.cut();
      this.chunks.push(bytes);
    }
    this.bytes += n;
  }

  /** u32Frame appends a frame whose payload is one 32-bit word: RST_STREAM's error code (RFC 9113
   *  §6.4) or WINDOW_UPDATE's increment (§6.9, reserved bit clear). */
  u32Frame(type: number, streamId: number, value: number): void {
    this.frameHeader(4, type, 0, streamId);
    this.word(value);
  }

  /** pingFrame appends a PING (RFC 9113 §6.7) carrying 8 opaque octets. */
  pingFrame(ack: boolean, data: Uint8Array): void {
    this.frameHeader(8, FRAME_PING, ack ? FLAG_ACK : 0, 0);
    this.reserve(8);
    this.arena.set(data.subarray(0, 8), this.pos);
    this.pos += 8;
    this.bytes += 8;
  }

  /** goawayFrame appends a GOAWAY (RFC 9113 §6.8): last stream id, error code, debug data. */
  goawayFrame(lastStreamId: number, code: number, debug: Uint8Array): void {
    this.frameHeader(8 + debug.length, FRAME_GOAWAY, 0, 0);
    this.word(lastStreamId & 0x7fffffff);
    this.word(code);
    this.payload(debug);
  }

  private word(v: number): void {
    this.reserve(4);
    const a = this.arena;
    const p = this.pos;
    a[p] = v >>> 24;
    a[p + 1] = v >>> 16;
    a[p + 2] = v >>> 8;
    a[p + 3] = v;
    this.pos = p + 4;
    this.bytes += 4;
  }

  /** copyFrom appends n bytes of src from at, copied (frame headers and WINDOW_UPDATEs the core's
   *  flush wrote): no view is made per frame. */
  copyFrom(src: Uint8Array, at: number, n: number): void {
    this.reserve(n);
    const a = this.arena;
    let p = this.pos;
    for (let i = at, end = at + n; i < end; i++) a[p++] = src[i];
    this.pos = p;
    this.bytes += n;
  }

  /** raw appends bytes that are already whole frames (from the core's frame writer). */
  raw(bytes: Uint8Array): void {
    this.payload(bytes);
  }

  /** take returns the collected chunks and starts a new write. */
  take(): Uint8Array[] {
    this.cut();
    const out = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    return out;
  }

  /** cut closes the arena's current run as a chunk. The chunk is a copy when small, so the arena
   *  can be reused at once; a large run keeps the arena and a fresh one is started. */
  private cut(): void {
    if (this.pos === this.runStart) return;
    const run = this.pos - this.runStart;
    if (run <= 4096) {
      this.chunks.push(copyBytes(this.arena, this.runStart, this.pos));
      this.pos = this.runStart = 0;
    } else {
      this.chunks.push(this.arena.subarray(this.runStart, this.pos));
      this.nextSize = this.arena.length;
      this.arena = NO_ARENA;
      this.pos = this.runStart = 0;
    }
  }

  /** release drops the arena (an idle connection keeps no output memory); the next frame makes a new one. */
  release(): void {
    if (this.pos === 0) {
      this.arena = NO_ARENA;
      this.nextSize = ARENA_SIZE;
    }
  }

  /** reserve makes room for n more bytes in the arena's current run. */
  private reserve(n: number): void {
    if (this.pos + n <= this.arena.length) return;
    const run = this.arena.subarray(this.runStart, this.pos);
    const next = allocBytes(Math.max(this.nextSize, (run.length + n) * 2));
    next.set(run, 0);
    this.arena = next;
    this.pos = run.length;
    this.runStart = 0;
  }
}
