// Per-target primitives: the plain-JS side. See target.ts.

/** bufferRef returns what the host needs to reach a buffer: the array itself. */
export function bufferRef(buf: Uint8Array): Uint8Array {
  return buf;
}

/** wordsRef returns what the host needs to reach a word buffer: the array itself. */
export function wordsRef(buf: Int32Array): Int32Array {
  return buf;
}

/** copyBytes copies n bytes from src[srcPos..] to dst[dstPos..]; overlapping ranges are allowed. */
export function copyBytes(dst: Uint8Array, dstPos: number, src: Uint8Array, srcPos: number, n: number): void {
  if (dst === src) dst.copyWithin(dstPos, srcPos, srcPos + n);
  else if (n < 16) for (let i = 0; i < n; i++) dst[dstPos + i] = src[srcPos + i];
  else dst.set(src.subarray(srcPos, srcPos + n), dstPos);
}

/** imul32 is a 32-bit multiplication that wraps, as Math.imul does. */
export const imul32 = Math.imul;

/** clz32 counts the leading zero bits of a 32-bit value. */
export const clz32 = Math.clz32;

/** collectGarbage does nothing: the JS engine collects on its own. */
export function collectGarbage(): void {}

/** TARGET_IS_WASM reports which build this is. */
export const TARGET_IS_WASM = false;
