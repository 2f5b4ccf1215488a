// OutputBuffer: the bytes of one connection's next socket write. Frames are
// laid down in order; small ones are copied into an arena, large DATA
// payloads are referenced in place (never copied), and take() hands the lot
// to the transport as one list for one write (a writev on Node).
//
// Only the 9-octet frame header is written here (RFC 9113 §4.1); field blocks
// come from the core's HPACK encoder and control frames from its frame
// writer, so the wire core stays the one place that lays out payloads.

import { FRAME_HEADER_SIZE } from '../../assembly/abi.js';

/** ARENA_SIZE is the first capacity of the arena that small frames are copied into (made on first use). */
const ARENA_SIZE = 4096;
const NO_ARENA = new Uint8Array(0);
/** COPY_LIMIT: DATA payloads up to this size are copied into the arena; larger ones are referenced. */
const COPY_LIMIT = 1024;

/** OutputBuffer collects frames for the next write. */
export class OutputBuffer {
  private arena = NO_ARENA;
  private pos = 0;
  /** Where the arena's unflushed run starts. */
  private runStart = 0;
  private chunks: Uint8Array[] = [];
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
      this.chunks.push(this.arena.slice(this.runStart, this.pos));
      this.pos = this.runStart = 0;
    } else {
      this.chunks.push(this.arena.subarray(this.runStart, this.pos));
      this.arena = NO_ARENA;
      this.pos = this.runStart = 0;
    }
  }

  /** release drops the arena (an idle connection keeps no output memory); the next frame makes a new one. */
  release(): void {
    if (this.pos === 0) this.arena = NO_ARENA;
  }

  /** reserve makes room for n more bytes in the arena's current run. */
  private reserve(n: number): void {
    if (this.pos + n <= this.arena.length) return;
    const run = this.arena.subarray(this.runStart, this.pos);
    const next = new Uint8Array(Math.max(ARENA_SIZE, (run.length + n) * 2));
    next.set(run, 0);
    this.arena = next;
    this.pos = run.length;
    this.runStart = 0;
  }
}
