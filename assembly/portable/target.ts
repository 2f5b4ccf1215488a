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
