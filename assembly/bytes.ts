// Byte helpers shared by the HPACK tables.

import { imul32 } from './portable/target';

/** FNV_OFFSET is the 32-bit FNV-1a offset basis (0x811c9dc5 as a signed value). */
const FNV_OFFSET = -2128831035;
/** FNV_PRIME is the 32-bit FNV-1a prime. */
const FNV_PRIME = 16777619;

/** hashBytes returns the 32-bit FNV-1a hash of buf[start..end). */
export function hashBytes(buf: Uint8Array, start: i32, end: i32): i32 {
  let h = FNV_OFFSET;
  if (start < 0 || end > buf.length) return h;
  for (let i = start; i < end; i++) h = imul32(h ^ i32(unchecked(buf[i])), FNV_PRIME);
  return h;
}

/** bytesEqual reports whether a[aPos..aPos+n) equals b[bPos..bPos+n). */
export function bytesEqual(a: Uint8Array, aPos: i32, b: Uint8Array, bPos: i32, n: i32): bool {
  if (aPos < 0 || bPos < 0 || aPos + n > a.length || bPos + n > b.length) return false;
  for (let i = 0; i < n; i++) {
    if (unchecked(a[aPos + i]) != unchecked(b[bPos + i])) return false;
  }
  return true;
}

/** nextPowerOfTwo returns the smallest power of two >= n (n >= 1, at most 2^30). */
export function nextPowerOfTwo(n: i32): i32 {
  let p = 1;
  while (p < n) p = p << 1;
  return p;
}
