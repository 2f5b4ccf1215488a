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

/** hashRange hashes buf[start..end) (the caller checked the range); see target.ts. */
export function hashRange(buf: Uint8Array, start: number, end: number): number {
  let h = end - start;
  for (let i = start; i < end; i++) h = Math.imul(((h << 5) | (h >>> 27)) ^ buf[i], 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** rangesEqual reports whether a[aPos..aPos+n) equals b[bPos..bPos+n) (the caller checked both ranges). */
export function rangesEqual(a: Uint8Array, aPos: number, b: Uint8Array, bPos: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aPos + i] !== b[bPos + i]) return false;
  return true;
}

/** huffmanPack appends the Huffman codes of src[start..end) to dst at pos; see target.ts. Here the
 *  accumulator is 32 bits (no 64-bit integers on the JS path): codes over 24 bits go in two parts. */
export function huffmanPack(src: Uint8Array, start: number, end: number, dst: Uint8Array, pos: number, codes: Uint32Array, lengths: Uint8Array): number {
  let acc = 0; // pending bits, right-aligned; only the low `n` are meaningful
  let n = 0; // always < 8 between symbols
  for (let i = start; i < end; i++) {
    const sym = src[i];
    const code = codes[sym];
    const len = lengths[sym];
    if (len > 24) {
      // Keep n + len within 32 bits: append the high part first.
      acc = (acc << (len - 16)) | (code >>> 16);
      n += len - 16;
      while (n >= 8) {
        n -= 8;
        dst[pos++] = acc >>> n;
      }
      acc = (acc << 16) | (code & 0xffff);
      n += 16;
    } else {
      acc = (acc << len) | code;
      n += len;
    }
    while (n >= 8) {
      n -= 8;
      dst[pos++] = acc >>> n;
    }
  }
  if (n > 0) dst[pos++] = (acc << (8 - n)) | (0xff >>> n);
  return pos;
}

/** huffmanUnpack walks huffman.ts's octet table over src[start..end); see target.ts. Here one
 *  octet per step, read from the array. */
export function huffmanUnpack(src: Uint8Array, start: number, end: number, dst: Uint8Array, pos: number, table: Uint32Array, fail: number, accept: number): number {
  let state = 0;
  let seen = 0;
  let x = accept; // the empty string is valid
  for (let i = start; i < end; i++) {
    x = table[state | src[i]];
    dst[pos] = x;
    dst[pos + 1] = x >>> 16;
    pos += (x >>> 24) & 3;
    seen |= x;
    state = x & 0xff00;
  }
  if ((seen & fail) !== 0 || (x & accept) === 0) return -1;
  return pos;
}

/** imul32 is a 32-bit multiplication that wraps, as Math.imul does. */
export const imul32 = Math.imul;

/** clz32 counts the leading zero bits of a 32-bit value. */
export const clz32 = Math.clz32;

/** collectGarbage does nothing: the JS engine collects on its own. */
export function collectGarbage(): void {}

/** TARGET_IS_WASM reports which build this is. */
export const TARGET_IS_WASM = false;
