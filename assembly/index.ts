// The only export surface of the wire core. Every export takes and returns
// numbers: handles, lengths, offsets into the exchange buffers (abi.ts) and
// result codes. Nothing here throws: errors are negative ERR_* results.

import { ABI_VERSION, IO_IN, IO_OUT, IO_STRINGS, IO_RECORDS, IO_FIELDS, ERR_BAD_ARGUMENT } from './abi';
import { bufferRef, wordsRef } from './portable/target';
import {
  ioIn, ioOut, ioStrings, ioRecords, ioFields, ioGeneration as generation,
  reserveIn, reserveOut,
} from './io';

/** abiVersion returns the ABI_VERSION this core was built with. */
export function abiVersion(): i32 {
  return ABI_VERSION;
}

/** ioGeneration changes whenever an exchange buffer was replaced. */
export function ioGeneration(): i32 {
  return generation;
}

/** ioBytes returns the host's reference to byte buffer `which` (IO_IN, IO_OUT, IO_STRINGS). */
export function ioBytes(which: i32): usize {
  if (which == IO_IN) return bufferRef(ioIn);
  if (which == IO_OUT) return bufferRef(ioOut);
  return bufferRef(ioStrings);
}

/** ioWords returns the host's reference to word buffer `which` (IO_RECORDS, IO_FIELDS). */
export function ioWords(which: i32): usize {
  if (which == IO_RECORDS) return wordsRef(ioRecords);
  return wordsRef(ioFields);
}

/** ioLength returns the length (bytes or words) of buffer `which`. */
export function ioLength(which: i32): i32 {
  if (which == IO_IN) return ioIn.length;
  if (which == IO_OUT) return ioOut.length;
  if (which == IO_STRINGS) return ioStrings.length;
  if (which == IO_RECORDS) return ioRecords.length;
  if (which == IO_FIELDS) return ioFields.length;
  return ERR_BAD_ARGUMENT;
}

/** ioReserve makes buffer `which` (IO_IN or IO_OUT) hold at least n bytes; 0 or ERR_*. */
export function ioReserve(which: i32, n: i32): i32 {
  if (n < 0) return ERR_BAD_ARGUMENT;
  const ok = which == IO_IN ? reserveIn(n) : which == IO_OUT ? reserveOut(n, 0) : false;
  return ok ? 0 : ERR_BAD_ARGUMENT;
}

// ---------------------------------------------------------------------------
// Frame codec (assembly/frame/): the resumable reader, one context per handle,
// and the stateless writer. Record and command layouts: abi.ts, docs/abi.md.

import { ERR_BAD_HANDLE, ERR_OUT_OF_MEMORY } from './abi';
import { HandleSlots } from './handles';
import { FrameReader, MAX_HEADER_BLOCK_LIMIT } from './frame/reader';
import { writeFrames } from './frame/writer';

const readerSlots = new HandleSlots();
const readers: Array<FrameReader | null> = [];

/** readerAt returns the live reader a handle names, or null. */
function readerAt(h: i32): FrameReader | null {
  const slot = readerSlots.slotOf(h);
  if (slot < 0 || slot >= readers.length) return null;
  return readers[slot];
}

/** frameReaderNew makes a frame reader; its handle, or ERR_BAD_ARGUMENT / ERR_OUT_OF_MEMORY.
 *  maxFrameSize is 16384..16777215 (RFC 9113 §6.5.2); maxHeaderBlockBytes is 1..2^30. */
export function frameReaderNew(maxFrameSize: i32, maxHeaderBlockBytes: i32): i32 {
  if (!FrameReader.validMaxFrameSize(maxFrameSize)) return ERR_BAD_ARGUMENT;
  if (maxHeaderBlockBytes < 1 || maxHeaderBlockBytes > MAX_HEADER_BLOCK_LIMIT) return ERR_BAD_ARGUMENT;
  const h = readerSlots.acquire();
  if (h < 0) return ERR_OUT_OF_MEMORY;
  const slot = h & 0xffff;
  while (readers.length <= slot) readers.push(null);
  readers[slot] = new FrameReader(maxFrameSize, maxHeaderBlockBytes);
  return h;
}

/** frameReaderFree frees a frame reader; 0 or ERR_BAD_HANDLE. */
export function frameReaderFree(h: i32): i32 {
  const slot = readerSlots.slotOf(h);
  if (slot < 0) return ERR_BAD_HANDLE;
  if (slot < readers.length) readers[slot] = null;
  readerSlots.release(h);
  return 0;
}

/** frameReaderSetMaxFrameSize changes the reader's largest accepted payload (from the next frame header on); 0 or ERR_*. */
export function frameReaderSetMaxFrameSize(h: i32, n: i32): i32 {
  const r = readerAt(h);
  if (r === null) return ERR_BAD_HANDLE;
  return r.setMaxFrameSize(n);
}

/** frameRead feeds ioIn[0..len) to the reader; the number of records in ioRecords, or ERR_*. */
export function frameRead(h: i32, len: i32): i32 {
  const r = readerAt(h);
  if (r === null) return ERR_BAD_HANDLE;
  return r.read(len);
}

/** frameWrite writes `count` command records from ioRecords as frames into ioOut; the byte count or ERR_*. */
export function frameWrite(count: i32): i32 {
  return writeFrames(count);
}
