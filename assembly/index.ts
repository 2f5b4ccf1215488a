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
