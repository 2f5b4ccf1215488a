import { STATUS_GARBAGE, STATUS_GENERATION, STATUS_WORDS } from './abi';

// The exchange buffers shared by the host and every context of one core
// instance (see abi.ts for the layout). A buffer only ever grows; growing
// replaces it and bumps ioGeneration so the host re-reads its views.

/** DEFAULT_IO_BYTES is the starting size of each byte buffer: one socket read's worth. */
const DEFAULT_IO_BYTES = 65536;
/** DEFAULT_IO_WORDS is the starting size of each word buffer, in i32 words. */
const DEFAULT_IO_WORDS = 8192;
/** MAX_IO_BYTES caps any exchange buffer (a request over it fails with ERR_OUT_OF_MEMORY). */
export const MAX_IO_BYTES = 1 << 27;

export let ioIn = new Uint8Array(DEFAULT_IO_BYTES);
export let ioOut = new Uint8Array(DEFAULT_IO_BYTES);
export let ioStrings = new Uint8Array(DEFAULT_IO_BYTES);
export let ioRecords = new Int32Array(DEFAULT_IO_WORDS);
export let ioFields = new Int32Array(DEFAULT_IO_WORDS);
export let ioGeneration = 0;
/** ioStatus is never replaced; ioStatus[STATUS_GENERATION] mirrors ioGeneration. */
export const ioStatus = new Int32Array(STATUS_WORDS);

/** bumpGeneration records that an exchange buffer was replaced. */
function bumpGeneration(): void {
  ioGeneration++;
  ioStatus[STATUS_GENERATION] = ioGeneration;
}

/** grownSize returns a capacity of at least need, doubling from have. */
function grownSize(have: i32, need: i32): i32 {
  let size = have;
  while (size < need) size = size << 1;
  return size;
}

/** noteGarbage counts n bytes of a buffer the core no longer references (STATUS_GARBAGE). */
export function noteGarbage(n: i32): void {
  ioStatus[STATUS_GARBAGE] += n;
}

/** growBytes returns a copy of buf, at least need bytes long, keeping its first keep bytes. */
export function growBytes(buf: Uint8Array, need: i32, keep: i32): Uint8Array {
  noteGarbage(buf.length);
  const next = new Uint8Array(grownSize(buf.length, need));
  if (keep > 0) next.set(buf.subarray(0, keep), 0);
  return next;
}

/** growWords returns a copy of buf, at least need words long, keeping its first keep words. */
export function growWords(buf: Int32Array, need: i32, keep: i32): Int32Array {
  noteGarbage(buf.length << 2);
  const next = new Int32Array(grownSize(buf.length, need));
  if (keep > 0) next.set(buf.subarray(0, keep), 0);
  return next;
}

/** reserveIn makes ioIn hold at least n bytes; it reports false if n is over MAX_IO_BYTES. */
export function reserveIn(n: i32): bool {
  if (n <= ioIn.length) return true;
  if (n > MAX_IO_BYTES) return false;
  ioIn = growBytes(ioIn, n, 0);
  bumpGeneration();
  return true;
}

/** reserveOut makes ioOut hold at least n bytes, keeping the first keep bytes. */
export function reserveOut(n: i32, keep: i32): bool {
  if (n <= ioOut.length) return true;
  if (n > MAX_IO_BYTES) return false;
  ioOut = growBytes(ioOut, n, keep);
  bumpGeneration();
  return true;
}

/** reserveStrings makes ioStrings hold at least n bytes, keeping the first keep bytes. */
export function reserveStrings(n: i32, keep: i32): bool {
  if (n <= ioStrings.length) return true;
  if (n > MAX_IO_BYTES) return false;
  ioStrings = growBytes(ioStrings, n, keep);
  bumpGeneration();
  return true;
}

/** reserveRecords makes ioRecords hold at least n words, keeping the first keep words. */
export function reserveRecords(n: i32, keep: i32): bool {
  if (n <= ioRecords.length) return true;
  if (n > MAX_IO_BYTES >> 2) return false;
  ioRecords = growWords(ioRecords, n, keep);
  bumpGeneration();
  return true;
}

/** reserveFields makes ioFields hold at least n words, keeping the first keep words. */
export function reserveFields(n: i32, keep: i32): bool {
  if (n <= ioFields.length) return true;
  if (n > MAX_IO_BYTES >> 2) return false;
  ioFields = growWords(ioFields, n, keep);
  bumpGeneration();
  return true;
}
