// A small HPACK encoder for the benchmark's literal-heavy shapes: field
// blocks as other encoders (and attackers) make them, which h2wasm's own
// encoder never does. Stateless: no dynamic table is ever used, so a block
// decodes the same whatever came before it on the connection.
//
//   shapeBlock(list, { literal: 'never' | 'without', staticIndex: bool, huffman: bool })
//
// - literal 'never'   → every field "Literal Header Field Never Indexed" (RFC 7541 §6.2.3)
// - literal 'without' → every field "Literal Header Field without Indexing" (§6.2.2)
// - staticIndex       → a field equal to a static entry is sent indexed (§6.1), and a
//                       literal's name refers to the static table when it can
//                       (what an encoder with a zero-size table sends)
// - huffman           → strings Huffman-coded (§5.2) when shorter, else raw
// Node only (the Huffman code table comes from hpack.js's package).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** HUFFMAN[octet] = [bit length, code] (RFC 7541 Appendix B). */
const HUFFMAN = require('hpack.js/lib/hpack/huffman.js').encode;

/** STATIC is RFC 7541 Appendix A, index 1..61, as [name, value]. */
const STATIC = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];
const FULL = new Map(STATIC.map(([n, v], i) => [`${n}\0${v}`, i + 1]));
const NAME = new Map();
STATIC.forEach(([n], i) => NAME.has(n) || NAME.set(n, i + 1));

/** integer appends an HPACK integer (RFC 7541 §5.1) with an N-bit prefix over the first octet's flags. */
function integer(out, flags, prefixBits, n) {
  const max = (1 << prefixBits) - 1;
  if (n < max) {
    out.push(flags | n);
    return;
  }
  out.push(flags | max);
  n -= max;
  while (n >= 128) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

/** huffmanBytes returns the Huffman code of a latin1 string, padded with ones. */
function huffmanBytes(s) {
  const out = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const [len, code] = HUFFMAN[s.charCodeAt(i) & 0xff];
    for (let k = len - 1; k >= 0; k--) {
      acc = (acc << 1) | ((code / 2 ** k) & 1);
      if (++bits === 8) {
        out.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) out.push(((acc << (8 - bits)) | (0xff >> bits)) & 0xff);
  return out;
}

/** string appends a string literal (RFC 7541 §5.2). */
function string(out, s, huffman) {
  const h = huffman ? huffmanBytes(s) : null;
  if (h !== null && h.length < s.length) {
    integer(out, 0x80, 7, h.length);
    for (const b of h) out.push(b);
  } else {
    integer(out, 0, 7, s.length);
    for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
  }
}

/** shapeBlock encodes one header list in the given shape (see the file comment). */
export function shapeBlock(list, { literal, staticIndex, huffman }) {
  const out = [];
  const flags = literal === 'never' ? 0x10 : 0x00;
  for (const [name, value] of list) {
    if (staticIndex) {
      const full = FULL.get(`${name}\0${value}`);
      if (full !== undefined) {
        integer(out, 0x80, 7, full);
        continue;
      }
    }
    const nameIndex = staticIndex ? NAME.get(name) ?? 0 : 0;
    integer(out, flags, 4, nameIndex);
    if (nameIndex === 0) string(out, name, huffman);
    string(out, value, huffman);
  }
  return Uint8Array.from(out);
}
