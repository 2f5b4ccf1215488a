// HPACK Huffman coding (RFC 7541 §5.2, Appendix B). Decoding walks the
// generated 4-bit state table (huffman_table.ts) composed, at instantiation,
// into a table of one step per octet: one lookup per octet instead of two.

import { ERR_HPACK_HUFFMAN } from '../abi';
import { huffmanPack, huffmanUnpack } from '../portable/target';
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

// BYTE_DECODE composes two nibble steps into one step per octet: for state s
// and octet b, BYTE_DECODE[(s << 8) | b] holds the first symbol completed
// (bits 0-7), the next state (bits 8-15, already shifted into place for the
// next lookup: the loop's dependency chain is one AND, one OR and the load),
// the second symbol (bits 16-23), how many were completed (bits 24-25: an
// octet completes at most two, codes being >= 5 bits), FAIL (bit 26: EOS
// seen) and ACCEPT (bit 27: the new state may end a string). 256 KiB, made
// once at instantiation from DECODE.
const BYTE_COUNT_SHIFT = 24;
const BYTE_FAIL = 1 << 26;
const BYTE_ACCEPT = 1 << 27;
const BYTE_DECODE = new Uint32Array(65536);
for (let s = 0; s < 256; s++) {
  for (let b = 0; b < 256; b++) {
    const e1 = i32(DECODE[(s << 4) | (b >>> 4)]);
    const e2 = i32(DECODE[((e1 & 0xff) << 4) | (b & 0xf)]);
    let out = (e2 & 0xff) << 8;
    let n = 0;
    if (((e1 >>> 16) & HUFFMAN_EMIT) != 0) {
      out |= (e1 >>> 8) & 0xff;
      n = 1;
    }
    if (((e2 >>> 16) & HUFFMAN_EMIT) != 0) {
      out |= ((e2 >>> 8) & 0xff) << (n << 4);
      n++;
    }
    out |= n << BYTE_COUNT_SHIFT;
    if (((e1 | e2) & FAIL) != 0) out |= BYTE_FAIL;
    if ((e2 & ACCEPT) != 0) out |= BYTE_ACCEPT;
    BYTE_DECODE[(s << 8) | b] = u32(out);
  }
}

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
 *  The loop has no data-dependent branch: every octet stores both candidate
 *  symbols and advances the output by its count, and the flags are OR-ed so
 *  that EOS is checked once at the end (after EOS the walk goes on from the
 *  root, harmlessly). After i octets at most 8i/5 symbols were completed
 *  (codes are at least 5 bits), so the two stores at pos and pos + 1 stay
 *  inside the 2 * (end - start) reserved octets. One lookup per octet, not
 *  two: 1.4-1.6× faster Huffman-heavy decoding in WebAssembly, 1.2× in the
 *  JS build (docs/BENCHMARKS.md). */
export function huffmanDecode(src: Uint8Array, start: i32, end: i32, dst: Uint8Array, pos: i32): i32 {
  const r = huffmanUnpack(src, start, end, dst, pos, BYTE_DECODE, BYTE_FAIL, BYTE_ACCEPT);
  return r < 0 ? ERR_HPACK_HUFFMAN : r;
}
