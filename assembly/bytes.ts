// Byte helpers shared by the HPACK tables.

import { hashRange, rangesEqual } from './portable/target';

/** hashBytes returns a 32-bit hash of buf[start..end) (0 for a range outside buf).
 *  Hashes are per build: never store one or send it across the boundary. */
export function hashBytes(buf: Uint8Array, start: i32, end: i32): i32 {
  if (start < 0 || end > buf.length || end < start) return 0;
  return hashRange(buf, start, end);
}

/** bytesEqual reports whether a[aPos..aPos+n) equals b[bPos..bPos+n); false for a range outside either. */
export function bytesEqual(a: Uint8Array, aPos: i32, b: Uint8Array, bPos: i32, n: i32): bool {
  if (n < 0 || aPos < 0 || bPos < 0 || aPos + n > a.length || bPos + n > b.length) return false;
  return rangesEqual(a, aPos, b, bPos, n);
}

/** nextPowerOfTwo returns the smallest power of two >= n (n >= 1, at most 2^30). */
export function nextPowerOfTwo(n: i32): i32 {
  let p = 1;
  while (p < n) p = p << 1;
  return p;
}

/** EMPTY_BYTES and EMPTY_WORDS stand for buffers not grown yet. They are shared by every context
 *  and never written (their length is 0), so an idle connection's tables and reader cost a few
 *  words each instead of a small heap object per buffer. */
export const EMPTY_BYTES = new Uint8Array(0);
export const EMPTY_WORDS = new Int32Array(0);
