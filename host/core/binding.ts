// Binding: one face for both builds of the wire core.
//
// The WebAssembly build hands out addresses into its linear memory; the JS
// build hands out the typed arrays themselves. A CoreBinding turns either
// into the same five views (abi.ts, "Exchange buffers") and keeps them fresh:
// call sync() after every core call that may have grown a buffer.

import { IO_FIELDS, IO_IN, IO_OUT, IO_RECORDS, IO_STRINGS, IO_STATUS, STATUS_GENERATION, STATUS_OPEN_BLOCK, STATUS_GARBAGE, ABI_VERSION } from '../../assembly/abi.js';

export type CodecName = 'wasm' | 'js';

/** CoreExports is what assembly/index.ts exports, as the host sees it. */
export interface CoreExports {
  abiVersion(): number;
  ioGeneration(): number;
  ioBytes(which: number): number | Uint8Array;
  ioWords(which: number): number | Int32Array;
  ioLength(which: number): number;
  ioReserve(which: number, n: number): number;
  collect(): void;
  hpackDecoderNew(maxTableSize: number, maxHeaderListSize: number): number;
  hpackDecoderFree(handle: number): number;
  hpackDecoderSetMaxTableSize(handle: number, size: number): number;
  hpackDecode(handle: number, length: number): number;
  hpackEncoderNew(maxTableSize: number, huffman: number): number;
  hpackEncoderFree(handle: number): number;
  hpackEncoderSetMaxTableSize(handle: number, size: number): number;
  hpackEncode(handle: number, count: number): number;
  frameReaderNew(maxFrameSize: number, maxHeaderBlockBytes: number): number;
  frameReaderFree(handle: number): number;
  frameReaderAttachDecoder(handle: number, decoderHandle: number): number;
  frameReaderSetMaxFrameSize(handle: number, n: number): number;
  frameRead(handle: number, length: number): number;
  frameWrite(count: number): number;
  frameReaderAttachFlow(handle: number, flowHandle: number, position: number): number;
  flowNew(localInitialWindow: number): number;
  flowFree(handle: number): number;
  flowFlush(handle: number, count: number): number;
  flowSnapshot(handle: number, slot: number, streamId: number, at: number): number;
  // Every export takes and returns numbers (or, from the JS build, views).
  [name: string]: (...args: number[]) => any;
}

/** COLLECT_MIN_FREES is how many contexts are freed, at least, between two collections. */
const COLLECT_MIN_FREES = 64;
/** COLLECT_GARBAGE_BYTES: dropped buffers the core may hold before sync() collects them. A peer that
 *  makes a connection grow and drop large buffers (big field blocks, long CONTINUATION runs) would
 *  otherwise grow the WebAssembly memory until enough contexts are freed (CVE-2019-9516 floods). */
const COLLECT_GARBAGE_BYTES = 8 << 20;

/** CoreBinding wraps one instance of the core and its exchange-buffer views. */
export class CoreBinding {
  in!: Uint8Array;
  out!: Uint8Array;
  strings!: Uint8Array;
  records!: Int32Array;
  fields!: Int32Array;
  /** status is never replaced: status[STATUS_GENERATION] is the I/O generation. */
  private status!: Int32Array;
  /** latin1 makes a string of strings[start..end) (header bytes are octets, RFC 9110 §5.5). */
  latin1!: (start: number, end: number) => string;
  /** writeIn writes a string's char codes as octets into `in` at pos and returns the new position. */
  writeIn!: (pos: number, str: string) => number;
  private generation = -1;
  private liveContexts = 0;
  private freedSinceCollect = 0;

  constructor(
    readonly codec: CodecName,
    readonly x: CoreExports,
    private readonly memory: WebAssembly.Memory | null,
  ) {
    const version = x.abiVersion();
    if (version !== ABI_VERSION) {
      throw new Error(`h2wasm: core ABI ${version} does not match host ABI ${ABI_VERSION}; rebuild with npm run build`);
    }
    this.refresh();
  }

  /** sync re-reads the views if the core grew its memory or replaced a buffer.
   *  Growing a WebAssembly memory detaches its old ArrayBuffer, so the status
   *  view then has length 0 and its generation word reads undefined, which
   *  differs from any generation: one typed-array read covers both cases (the
   *  memory.buffer getter it replaces is a call into the runtime, per block). */
  sync(): void {
    if (this.status[STATUS_GENERATION] !== this.generation) this.refresh();
    if (this.status[STATUS_GARBAGE] > COLLECT_GARBAGE_BYTES) {
      // Safe between calls: what the records of the last call point into is referenced by the I/O globals.
      this.x.collect();
      this.freedSinceCollect = 0;
    }
  }

  /** contextCreated counts a context made in the core (for collection pacing). */
  contextCreated(): void {
    this.liveContexts++;
  }

  /** contextFreed counts a context freed in the core, and collects the core's
   *  garbage once enough was freed: at least COLLECT_MIN_FREES, and at least
   *  half as many as are live, so the cost of a collection (proportional to
   *  what is live) is spread over the frees that made it necessary. */
  contextFreed(): void {
    this.liveContexts--;
    if (++this.freedSinceCollect >= COLLECT_MIN_FREES + (this.liveContexts >> 1)) {
      this.freedSinceCollect = 0;
      this.x.collect();
      this.sync();
    }
  }

  /** reserveIn makes `in` hold at least n bytes. */
  reserveIn(n: number): void {
    if (n > this.in.length) {
      if (this.x.ioReserve(IO_IN, n) < 0) throw new RangeError(`h2wasm: cannot hand ${n} bytes to the core`);
      this.sync();
    }
  }

  /** reserveOut makes `out` hold at least n bytes. */
  reserveOut(n: number): void {
    if (n > this.out.length) {
      if (this.x.ioReserve(IO_OUT, n) < 0) throw new RangeError(`h2wasm: cannot take ${n} bytes from the core`);
      this.sync();
    }
  }

  /** reserveRecords makes `records` hold at least n words (contents not kept). */
  reserveRecords(n: number): void {
    this.reserveWords(IO_RECORDS, n, this.records.length);
  }

  /** reserveFields makes `fields` hold at least n words (contents not kept). */
  reserveFields(n: number): void {
    this.reserveWords(IO_FIELDS, n, this.fields.length);
  }

  private reserveWords(which: number, n: number, have: number): void {
    if (n > have) {
      if (this.x.ioReserve(which, n) < 0) throw new RangeError(`h2wasm: cannot exchange ${n} words with the core`);
      this.sync();
    }
  }

  /** openBlockStream is the stream of the field block the last frameRead left open (waiting for
   *  CONTINUATION), or 0: read from the status word, so it costs no core call. Call after sync(). */
  get openBlockStream(): number {
    return this.status[STATUS_OPEN_BLOCK];
  }

  /** statusWord reads word i of the status buffer (STATUS_*): no core call. Call after sync(). */
  statusWord(i: number): number {
    return this.status[i];
  }

  private refresh(): void {
    this.generation = this.x.ioGeneration();
    this.in = this.bytes(IO_IN);
    this.out = this.bytes(IO_OUT);
    this.strings = this.bytes(IO_STRINGS);
    this.records = this.words(IO_RECORDS);
    this.fields = this.words(IO_FIELDS);
    this.status = this.words(IO_STATUS);
    this.latin1 = latin1Reader(this.strings);
    this.writeIn = latin1Writer(this.in);
  }

  private bytes(which: number): Uint8Array {
    const ref = this.x.ioBytes(which);
    if (typeof ref !== 'number') return ref;
    return new Uint8Array(this.memory!.buffer, ref, this.x.ioLength(which));
  }

  private words(which: number): Int32Array {
    const ref = this.x.ioWords(which);
    if (typeof ref !== 'number') return ref;
    return new Int32Array(this.memory!.buffer, ref, this.x.ioLength(which));
  }
}

interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
  latin1Write(str: string, offset: number, length: number): number;
}

/** SHORT_STRING is the length under which a plain loop beats a call into Buffer. */
const SHORT_STRING = 16;

/** latin1Writer returns a fast string-to-octets function over one byte view. */
export function latin1Writer(view: Uint8Array): (pos: number, str: string) => number {
  if (typeof Buffer !== 'undefined') {
    const buf = Buffer.from(view.buffer, view.byteOffset, view.byteLength) as unknown as Latin1Slicer;
    return (pos, str) => {
      const n = str.length;
      if (n < SHORT_STRING) return writeLatin1(view, pos, str);
      return pos + buf.latin1Write(str, pos, n);
    };
  }
  return (pos, str) => writeLatin1(view, pos, str);
}

/** latin1Reader returns a fast octets-to-string function over one byte view. */
export function latin1Reader(view: Uint8Array): (start: number, end: number) => string {
  if (typeof Buffer !== 'undefined') {
    // latin1Slice is what Buffer#toString('latin1') calls, minus argument checks.
    const buf = Buffer.from(view.buffer, view.byteOffset, view.byteLength) as unknown as Latin1Slicer;
    return (start, end) => buf.latin1Slice(start, end);
  }
  return (start, end) => latin1FromBytes(view, start, end);
}

/** ASCII_DECODER decodes octets below 0x80, where UTF-8 and latin1 agree (TextDecoder has no
 *  exact latin1: its "latin1" label is windows-1252, which differs on 0x80-0x9F). */
const ASCII_DECODER = typeof TextDecoder !== 'undefined' ? new TextDecoder() : null;

/** latin1FromBytes makes a string of bytes[start..end) without Node's Buffer. ASCII, by far the
 *  common case in header blocks, goes through TextDecoder: with the scan, about half the time of
 *  String.fromCharCode over the bytes (300-octet blocks). */
export function latin1FromBytes(bytes: Uint8Array, start: number, end: number): string {
  if (ASCII_DECODER !== null) {
    let i = start;
    while (i < end && bytes[i] < 0x80) i++;
    if (i === end) return ASCII_DECODER.decode(bytes.subarray(start, end));
  }
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

/** writeLatin1 writes str's char codes (each & 0xff) into bytes at pos and returns the new position. */
export function writeLatin1(bytes: Uint8Array, pos: number, str: string): number {
  const n = str.length;
  for (let i = 0; i < n; i++) bytes[pos + i] = str.charCodeAt(i);
  return pos + n;
}
