// Per-target primitives: the WebAssembly side.
//
// Everything that must differ between the WebAssembly build and the plain-JS
// build of the core lives here and in target_js.ts, function for function.
// scripts/build.mjs swaps this file for target_js.ts when it builds the JS
// codec. Keep the two files in step; test/portable.test.ts checks they export
// the same names.

/** bufferRef returns what the host needs to reach a buffer: its address. */
export function bufferRef(buf: Uint8Array): usize {
  return buf.dataStart;
}

/** recordsRef returns the address of an Int32Array's first element. */
export function wordsRef(buf: Int32Array): usize {
  return buf.dataStart;
}

/** copyBytes copies n bytes from src[srcPos..] to dst[dstPos..]; overlapping ranges are allowed. */
export function copyBytes(dst: Uint8Array, dstPos: i32, src: Uint8Array, srcPos: i32, n: i32): void {
  memory.copy(dst.dataStart + <usize>dstPos, src.dataStart + <usize>srcPos, <usize>n);
}

/** HASH_MULTIPLIER is the golden-ratio multiplier of Fibonacci hashing (FxHash uses it too). */
const HASH_MULTIPLIER: u32 = 0x9e3779b1;

/** hashRange hashes buf[start..end) (the caller checked the range), four octets a step.
 *  Hashes are only ever compared within one build, so each target may hash its own way. */
export function hashRange(buf: Uint8Array, start: i32, end: i32): i32 {
  let p = buf.dataStart + <usize>start;
  const e = buf.dataStart + <usize>end;
  let h: u32 = <u32>(end - start);
  while (p + 4 <= e) {
    h = (rotl<u32>(h, 5) ^ load<u32>(p)) * HASH_MULTIPLIER;
    p += 4;
  }
  while (p < e) {
    h = (rotl<u32>(h, 5) ^ <u32>load<u8>(p)) * HASH_MULTIPLIER;
    p++;
  }
  return <i32>(h ^ (h >>> 15));
}

/** rangesEqual reports whether a[aPos..aPos+n) equals b[bPos..bPos+n) (the caller checked both ranges), eight octets a step. */
export function rangesEqual(a: Uint8Array, aPos: i32, b: Uint8Array, bPos: i32, n: i32): bool {
  let pa = a.dataStart + <usize>aPos;
  let pb = b.dataStart + <usize>bPos;
  let left = n;
  while (left >= 8) {
    if (load<u64>(pa) != load<u64>(pb)) return false;
    pa += 8;
    pb += 8;
    left -= 8;
  }
  while (left > 0) {
    if (load<u8>(pa) != load<u8>(pb)) return false;
    pa++;
    pb++;
    left--;
  }
  return true;
}

/** huffmanPack appends the Huffman codes (codes[sym], lengths[sym] bits) of src[start..end) to
 *  dst at pos, padded to an octet with ones (RFC 7541 §5.2), and returns the new position; the
 *  caller reserved the exact length. A 64-bit accumulator takes whole codes (at most 30 bits) and
 *  is drained four octets at a time with one big-endian store. */
export function huffmanPack(src: Uint8Array, start: i32, end: i32, dst: Uint8Array, pos: i32, codes: Uint32Array, lengths: Uint8Array): i32 {
  let acc: u64 = 0; // pending bits, right-aligned; only the low `n` are meaningful
  let n: i32 = 0; // < 32 between symbols
  const s = src.dataStart;
  const c = codes.dataStart;
  const l = lengths.dataStart;
  let out = dst.dataStart + <usize>pos;
  for (let i = start; i < end; i++) {
    const sym = <usize>load<u8>(s + <usize>i);
    const len = <i32>load<u8>(l + sym);
    acc = (acc << <u64>len) | <u64>load<u32>(c + (sym << 2));
    n += len;
    if (n >= 32) {
      n -= 32;
      store<u32>(out, bswap<u32>(<u32>(acc >> <u64>n)));
      out += 4;
    }
  }
  while (n >= 8) {
    n -= 8;
    store<u8>(out, <u8>(acc >> <u64>n));
    out++;
  }
  if (n > 0) {
    store<u8>(out, <u8>((acc << <u64>(8 - n)) | <u64>(0xff >>> n)));
    out++;
  }
  return <i32>(out - dst.dataStart);
}

/** huffmanUnpack walks the octet table of huffman.ts (BYTE_DECODE: per state and octet, first
 *  symbol in bits 0-7, next state pre-shifted in bits 8-15, second symbol in bits 16-23, symbol
 *  count in bits 24-25, and the fail / accept bits given) over src[start..end), appending symbols
 *  to dst at pos; it returns the new position, or -1 when a step failed or the last state may not
 *  end a string. Here four octets come from one load per step of the loop. */
export function huffmanUnpack(src: Uint8Array, start: i32, end: i32, dst: Uint8Array, pos: i32, table: Uint32Array, fail: u32, accept: u32): i32 {
  const t = table.dataStart;
  let s = src.dataStart + <usize>start;
  const e = src.dataStart + <usize>end;
  let out = dst.dataStart + <usize>pos;
  let state: u32 = 0;
  let seen: u32 = 0;
  let x: u32 = accept; // the empty string is valid
  while (s + 4 <= e) {
    const w = load<u32>(s);
    x = load<u32>(t + (<usize>(state | (w & 0xff)) << 2));
    store<u8>(out, <u8>x);
    store<u8>(out + 1, <u8>(x >>> 16));
    out += <usize>((x >>> 24) & 3);
    seen |= x;
    x = load<u32>(t + (<usize>((x & 0xff00) | ((w >>> 8) & 0xff)) << 2));
    store<u8>(out, <u8>x);
    store<u8>(out + 1, <u8>(x >>> 16));
    out += <usize>((x >>> 24) & 3);
    seen |= x;
    x = load<u32>(t + (<usize>((x & 0xff00) | ((w >>> 16) & 0xff)) << 2));
    store<u8>(out, <u8>x);
    store<u8>(out + 1, <u8>(x >>> 16));
    out += <usize>((x >>> 24) & 3);
    seen |= x;
    x = load<u32>(t + (<usize>((x & 0xff00) | (w >>> 24)) << 2));
    store<u8>(out, <u8>x);
    store<u8>(out + 1, <u8>(x >>> 16));
    out += <usize>((x >>> 24) & 3);
    seen |= x;
    state = x & 0xff00;
    s += 4;
  }
  while (s < e) {
    x = load<u32>(t + (<usize>(state | <u32>load<u8>(s)) << 2));
    store<u8>(out, <u8>x);
    store<u8>(out + 1, <u8>(x >>> 16));
    out += <usize>((x >>> 24) & 3);
    seen |= x;
    state = x & 0xff00;
    s++;
  }
  if ((seen & fail) != 0 || (x & accept) == 0) return -1;
  return <i32>(out - dst.dataStart);
}

/** imul32 is a 32-bit multiplication that wraps, as Math.imul does. */
export function imul32(a: i32, b: i32): i32 {
  return a * b;
}

/** clz32 counts the leading zero bits of a 32-bit value. */
export function clz32(x: u32): i32 {
  return <i32>clz<u32>(x);
}

/** collectGarbage runs a full collection. The core is built with
 *  AssemblyScript's minimal runtime, which never collects on its own (so it
 *  needs no shadow stack, which made every typed-array store a call); the
 *  host calls this between core calls, when no object is on the stack. */
export function collectGarbage(): void {
  __collect();
}

/** TARGET_IS_WASM reports which build this is. */
export const TARGET_IS_WASM: bool = true;
