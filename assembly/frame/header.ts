// The 9-octet frame header (RFC 9113 §4.1) and the big-endian fields that
// frame payloads are made of, as read helpers and append-style writers.
//
//  +-----------------------------------------------+
//  |                 Length (24)                   |
//  +---------------+---------------+---------------+
//  |   Type (8)    |   Flags (8)   |
//  +-+-------------+---------------+-------------------------------+
//  |R|                 Stream Identifier (31)                      |
//  +=+=============================================================+
//
// Callers bounds-check before calling: these helpers index without checks of
// their own beyond what the typed array does.

/** STREAM_ID_MASK clears the reserved bit of a 31-bit stream identifier field. */
export const STREAM_ID_MASK = 0x7fffffff;

/** readU32 returns the big-endian 32-bit value at src[pos..pos+4) as an i32 (wrapping). */
export function readU32(src: Uint8Array, pos: i32): i32 {
  return (i32(src[pos]) << 24) | (i32(src[pos + 1]) << 16) | (i32(src[pos + 2]) << 8) | i32(src[pos + 3]);
}

/** readU24 returns the big-endian 24-bit value at src[pos..pos+3). */
export function readU24(src: Uint8Array, pos: i32): i32 {
  return (i32(src[pos]) << 16) | (i32(src[pos + 1]) << 8) | i32(src[pos + 2]);
}

/** readU16 returns the big-endian 16-bit value at src[pos..pos+2). */
export function readU16(src: Uint8Array, pos: i32): i32 {
  return (i32(src[pos]) << 8) | i32(src[pos + 1]);
}

/** headerLength returns the Length field of the frame header at src[pos..pos+9). */
export function headerLength(src: Uint8Array, pos: i32): i32 {
  return readU24(src, pos);
}

/** headerType returns the Type field of the frame header at src[pos..pos+9). */
export function headerType(src: Uint8Array, pos: i32): i32 {
  return i32(src[pos + 3]);
}

/** headerFlags returns the Flags field of the frame header at src[pos..pos+9). */
export function headerFlags(src: Uint8Array, pos: i32): i32 {
  return i32(src[pos + 4]);
}

/** headerStream returns the Stream Identifier of the frame header at src[pos..pos+9), reserved bit cleared.
 *  RFC 9113 §4.1: "The semantics of this bit are undefined, and the bit MUST
 *  remain unset (0x00) when sending and MUST be ignored when receiving." */
export function headerStream(src: Uint8Array, pos: i32): i32 {
  return readU32(src, pos + 5) & STREAM_ID_MASK;
}

/** writeU8 writes one octet at dst[pos] and returns pos + 1. */
export function writeU8(dst: Uint8Array, pos: i32, v: i32): i32 {
  dst[pos] = u8(v);
  return pos + 1;
}

/** writeU16 writes v big-endian at dst[pos..pos+2) and returns pos + 2. */
export function writeU16(dst: Uint8Array, pos: i32, v: i32): i32 {
  dst[pos] = u8(v >>> 8);
  dst[pos + 1] = u8(v);
  return pos + 2;
}

/** writeU24 writes v big-endian at dst[pos..pos+3) and returns pos + 3. */
export function writeU24(dst: Uint8Array, pos: i32, v: i32): i32 {
  dst[pos] = u8(v >>> 16);
  dst[pos + 1] = u8(v >>> 8);
  dst[pos + 2] = u8(v);
  return pos + 3;
}

/** writeU32 writes v big-endian at dst[pos..pos+4) and returns pos + 4. */
export function writeU32(dst: Uint8Array, pos: i32, v: i32): i32 {
  dst[pos] = u8(v >>> 24);
  dst[pos + 1] = u8(v >>> 16);
  dst[pos + 2] = u8(v >>> 8);
  dst[pos + 3] = u8(v);
  return pos + 4;
}

/** writeFrameHeader writes a 9-octet frame header at dst[pos..pos+9) and returns pos + 9.
 *  streamId is written as given (all 32 bits), so tools can set the reserved bit. */
export function writeFrameHeader(dst: Uint8Array, pos: i32, length: i32, type: i32, flags: i32, streamId: i32): i32 {
  let p = writeU24(dst, pos, length);
  p = writeU8(dst, p, type);
  p = writeU8(dst, p, flags);
  p = writeU32(dst, p, streamId);
  return p;
}
