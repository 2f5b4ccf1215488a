// Byte helpers shared by the host and the tests. Runtime-neutral: no Node
// imports, so it bundles into a Worker as it is.

/** concatBytes joins byte arrays into one new array (always a copy, even of a single part). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** POOL_SIZE is the size of the shared buffer small copies are carved from. */
const POOL_SIZE = 64 * 1024;
/** SMALL_COPY: copies up to this size are made octet by octet (no subarray view to make). */
const SMALL_COPY = 256;
/** POOLED_MAX: copies up to this size come from the pool; larger ones get their own buffer. */
const POOLED_MAX = 4096;

let pool = new Uint8Array(POOL_SIZE);
let poolAt = 0;

/** allocBytes returns n zeroed bytes the caller owns, carved from the pool when small (see copyBytes). */
export function allocBytes(n: number): Uint8Array {
  if (n > POOLED_MAX) return new Uint8Array(n);
  if (poolAt + n > POOL_SIZE) {
    pool = new Uint8Array(POOL_SIZE);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt = (poolAt + n + 7) & ~7;
  return out;
}

/** copyBytes returns a copy of src[start..end) that the caller owns. Small copies are carved from a
 *  shared 64 KiB pool, as Node's Buffer.allocUnsafe does: V8 gives every typed array over 64 bytes
 *  its own off-heap backing store, and making one costs more (≈0.5 µs) than encoding a header
 *  block. A pooled copy is a distinct range no one else writes, but its .buffer is the pool's. */
export function copyBytes(src: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > POOLED_MAX) return src.slice(start, end);
  const out = allocBytes(n);
  if (n <= SMALL_COPY) {
    // A response's frames: a loop costs less than the view that set() would need.
    for (let i = 0; i < n; i++) out[i] = src[start + i];
  } else {
    out.set(src.subarray(start, end));
  }
  return out;
}
