// HPACK prefix integers (RFC 7541 §5.1).

import { ERR_HPACK_TRUNCATED, ERR_HPACK_INTEGER_OVERFLOW } from '../abi';

/** MAX_CONTINUATION_BYTES bounds an integer's continuation octets. Four of
 *  them carry 28 bits, which covers every length, index and table size a
 *  sane peer sends; a fifth is an overflow attempt (RFC 7541 §7.1.1 asks
 *  decoders to guard against integers that overflow their representation). */
const MAX_CONTINUATION_BYTES = 4;

/** decodedInteger holds the value of the last successful decodeInteger. */
export let decodedInteger: i32 = 0;

/** decodeInteger reads an integer with a prefixBits-bit prefix at src[pos] (pos < end)
 *  into decodedInteger, and returns the position after it or an ERR_* value. */
export function decodeInteger(src: Uint8Array, pos: i32, end: i32, prefixBits: i32): i32 {
  const mask = (1 << prefixBits) - 1;
  let value = i32(unchecked(src[pos])) & mask;
  pos++;
  if (value < mask) {
    decodedInteger = value;
    return pos;
  }
  let shift = 0;
  for (let n = 0; ; n++) {
    if (n == MAX_CONTINUATION_BYTES) return ERR_HPACK_INTEGER_OVERFLOW;
    if (pos >= end) return ERR_HPACK_TRUNCATED;
    const b = i32(unchecked(src[pos]));
    pos++;
    value += (b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) == 0) break;
  }
  decodedInteger = value;
  return pos;
}

/** encodeInteger appends value (>= 0) with a prefixBits-bit prefix, the
 *  first octet's high bits set to pattern, and returns the new position.
 *  The caller reserves room: at most 6 octets. */
export function encodeInteger(dst: Uint8Array, pos: i32, value: i32, prefixBits: i32, pattern: i32): i32 {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    unchecked((dst[pos] = u8(pattern | value)));
    return pos + 1;
  }
  unchecked((dst[pos] = u8(pattern | mask)));
  pos++;
  value -= mask;
  while (value >= 0x80) {
    unchecked((dst[pos] = u8((value & 0x7f) | 0x80)));
    pos++;
    value = value >>> 7;
  }
  unchecked((dst[pos] = u8(value)));
  return pos + 1;
}
