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
