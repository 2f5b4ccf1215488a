// The AssemblyScript builtins that portable core code uses, as module-local
// functions for the plain-JS build. esbuild's `inject` turns each free use of
// these names in assembly/ into an import from this file, so nothing is ever
// put on globalThis. Only value-level builtins are here: types are erased.
// Conversions follow AssemblyScript's wrap-around semantics for 32-bit values.
export function i8(x) { return (x << 24) >> 24; }
export function i16(x) { return (x << 16) >> 16; }
export function i32(x) { return x | 0; }
export function isize(x) { return x | 0; }
export function u8(x) { return x & 0xff; }
export function u16(x) { return x & 0xffff; }
export function u32(x) { return x >>> 0; }
export function usize(x) { return x >>> 0; }
export function bool(x) { return !!x; }
export function unchecked(x) { return x; }
export function min(a, b) { return a < b ? a : b; }
export function max(a, b) { return a > b ? a : b; }
// Assertions are for the debug WebAssembly build (test/hpack/invariants.test.ts);
// like the release build, the JS build compiles them to nothing.
export function assert(_condition, _message) {}
