// HPACK Huffman coding (RFC 7541 §5.2, Appendix B). Decoding walks the
// generated 4-bit state table (huffman_table.ts), two lookups per octet.

import { ERR_HPACK_HUFFMAN } from '../abi';
import { huffmanPack } from '../portable/target';
import {
  HUFFMAN_CODES, HUFFMAN_LENGTHS, HUFFMAN_DECODE, HUFFMAN_EMIT, HUFFMAN_FAIL, HUFFMAN_ACCEPT,
} from './huffman_table';

const CODES = new Uint32Array(257);
const LENGTHS = new Uint8Array(257);
const DECODE = new Uint32Array(4096);
for (let i = 0; i < 257; i++) {
  CODES[i] = HUFFMAN_CODES[i];
  LENGTHS[i] = HUFFMAN_LENGTHS[i];
}
for (let i = 0; i < 4096; i++) DECODE[i] = HUFFMAN_DECODE[i];

const FAIL = HUFFMAN_FAIL << 16;
const ACCEPT = HUFFMAN_ACCEPT << 16;

/** MAX_DECODED_PER_OCTET bounds decoded octets per encoded octet (codes are >= 5 bits). */
export const MAX_DECODED_PER_OCTET = 2;

/** huffmanEncodedLength returns the Huffman-coded length of src[start..end). */
export function huffmanEncodedLength(src: Uint8Array, start: i32, end: i32): i32 {
  let bits = 0;
  for (let i = start; i < end; i++) bits += i32(unchecked(LENGTHS[unchecked(src[i])]));
  return (bits + 7) >> 3;
}

/** huffmanEncode appends the Huffman coding of src[start..end) to dst at pos
 *  and returns the new position; the caller reserves huffmanEncodedLength bytes.
 *  The bit packing is per target (portable/target.ts): 64-bit in WebAssembly. */
export function huffmanEncode(src: Uint8Array, start: i32, end: i32, dst: Uint8Array, pos: i32): i32 {
  return huffmanPack(src, start, end, dst, pos, CODES, LENGTHS);
}

/** huffmanDecode appends the decoding of src[start..end) to dst at pos and
 *  returns the new position, or ERR_HPACK_HUFFMAN for EOS in the string,
 *  padding over 7 bits, or padding that is not all ones. The caller reserves
 *  (end - start) * MAX_DECODED_PER_OCTET bytes.
 *
 *  The loop has no data-dependent branch: every nibble stores its candidate
 *  symbol and advances the output by its EMIT bit, and the flags are OR-ed so
 *  that EOS is checked once at the end (after EOS the walk goes on from the
 *  root, harmlessly). A nibble completes at most one symbol (codes are at
 *  least 5 bits) and n nibbles complete fewer than n, so the stores stay
 *  inside the reserved room. */
export function huffmanDecode(src: Uint8Array, start: i32, end: i32, dst: Uint8Array, pos: i32): i32 {
  const table = DECODE;
  let state = 0;
  let seen = 0;
  let last = ACCEPT; // the empty string is valid
  for (let i = start; i < end; i++) {
    const octet = i32(unchecked(src[i]));
    const e1 = i32(unchecked(table[(state << 4) | (octet >>> 4)]));
    unchecked((dst[pos] = u8(e1 >>> 8)));
    pos += (e1 >>> 16) & HUFFMAN_EMIT;
    const e2 = i32(unchecked(table[((e1 & 0xff) << 4) | (octet & 0xf)]));
    unchecked((dst[pos] = u8(e2 >>> 8)));
    pos += (e2 >>> 16) & HUFFMAN_EMIT;
    state = e2 & 0xff;
    seen |= e1 | e2;
    last = e2;
  }
  if ((seen & FAIL) != 0 || (last & ACCEPT) == 0) return ERR_HPACK_HUFFMAN;
  return pos;
}
