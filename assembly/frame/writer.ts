// The frame writer: command records in, wire bytes out.
//
// writeFrames(count) reads `count` 8-word command records from ioRecords (the
// reader's record layout; see abi.ts and docs/abi.md), takes payload bytes
// from ioIn at the offsets the commands give, and writes the frames to ioOut
// from offset 0. It writes what it is told, flags and stream ids included:
// tools and tests need invalid frames too, so validation is the sender's job.
// Only impossible commands (a payload over 2^24-1 octets, a range outside
// ioIn, a pad length outside 0..255) fail, with ERR_BAD_ARGUMENT.
//
// Differences from reader records: REC_LENGTH is ignored, except that it
// carries the pad length of DATA, HEADERS and PUSH_PROMISE when FLAG_PADDED
// is set; payload offsets are into ioIn; a REC_UNKNOWN command writes frame
// type REC_A with payload REC_B/REC_C.

import {
  REC_WORDS, REC_TYPE, REC_FLAGS, REC_STREAM, REC_LENGTH, REC_A, REC_B, REC_C, REC_D, REC_UNKNOWN,
  FRAME_HEADER_SIZE, MAX_MAX_FRAME_SIZE,
  FRAME_DATA, FRAME_HEADERS, FRAME_PRIORITY, FRAME_RST_STREAM, FRAME_SETTINGS,
  FRAME_PUSH_PROMISE, FRAME_PING, FRAME_GOAWAY, FRAME_WINDOW_UPDATE, FRAME_CONTINUATION,
  FRAME_PRIORITY_UPDATE, FLAG_PADDED, FLAG_PRIORITY,
  ERR_BAD_ARGUMENT, ERR_OUT_OF_MEMORY,
} from '../abi';
import { ioIn, ioOut, ioRecords, reserveOut } from '../io';
import { copyBytes } from '../portable/target';
import { writeFrameHeader, writeU8, writeU32 } from './header';

/** writeFrames writes `count` command records as frames into ioOut; the byte count or ERR_*. */
export function writeFrames(count: i32): i32 {
  if (count < 0 || count > i32(ioRecords.length / REC_WORDS)) return ERR_BAD_ARGUMENT;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    pos = writeCommand(i * REC_WORDS, pos);
    if (pos < 0) return pos;
  }
  return pos;
}

/** writeCommand writes the frame of the command at ioRecords[base..] into ioOut at pos; the new position or ERR_*. */
function writeCommand(base: i32, pos: i32): i32 {
  const r = ioRecords;
  const cmd = r[base + REC_TYPE];
  const flags = r[base + REC_FLAGS] & 0xff;
  const stream = r[base + REC_STREAM];
  const padField = r[base + REC_LENGTH];
  const a = r[base + REC_A];
  const b = r[base + REC_B];
  const c = r[base + REC_C];
  const d = r[base + REC_D];

  let wireType = cmd;
  let fixed = 0; // octets of fixed fields between the Pad Length octet and the body
  let bodyAt = 0; // body bytes copied from ioIn
  let bodyLen = 0;
  let paddable = false;
  if (cmd == FRAME_DATA || cmd == FRAME_CONTINUATION || cmd == FRAME_SETTINGS) {
    bodyAt = a;
    bodyLen = b;
    paddable = cmd == FRAME_DATA;
  } else if (cmd == FRAME_HEADERS) {
    bodyAt = a;
    bodyLen = b;
    paddable = true;
    if ((flags & FLAG_PRIORITY) != 0) fixed = 5;
  } else if (cmd == FRAME_PUSH_PROMISE) {
    bodyAt = a;
    bodyLen = b;
    paddable = true;
    fixed = 4;
  } else if (cmd == FRAME_PRIORITY) {
    fixed = 5;
  } else if (cmd == FRAME_RST_STREAM || cmd == FRAME_WINDOW_UPDATE) {
    fixed = 4;
  } else if (cmd == FRAME_PING) {
    fixed = 8;
  } else if (cmd == FRAME_GOAWAY) {
    fixed = 8;
    bodyAt = c;
    bodyLen = d;
  } else if (cmd == FRAME_PRIORITY_UPDATE) {
    fixed = 4;
    bodyAt = b;
    bodyLen = c;
  } else if (cmd == REC_UNKNOWN) {
    if (a < 0 || a > 0xff) return ERR_BAD_ARGUMENT;
    wireType = a;
    bodyAt = b;
    bodyLen = c;
  } else {
    return ERR_BAD_ARGUMENT;
  }

  const padded = paddable && (flags & FLAG_PADDED) != 0;
  const padLength = padded ? padField : 0;
  if (padLength < 0 || padLength > 0xff) return ERR_BAD_ARGUMENT;
  if (bodyAt < 0 || bodyLen < 0 || bodyAt > ioIn.length - bodyLen) return ERR_BAD_ARGUMENT;
  const length = (padded ? 1 + padLength : 0) + fixed + bodyLen;
  // RFC 9113 §4.1: the Length field is "an unsigned 24-bit integer".
  if (length > MAX_MAX_FRAME_SIZE) return ERR_BAD_ARGUMENT;

  const end = pos + FRAME_HEADER_SIZE + length;
  if (!reserveOut(end, pos)) return ERR_OUT_OF_MEMORY;
  const out = ioOut;
  let p = writeFrameHeader(out, pos, length, wireType, flags, stream);
  if (padded) p = writeU8(out, p, padLength);
  if (cmd == FRAME_HEADERS && fixed == 5) {
    p = writeU32(out, p, c);
    p = writeU8(out, p, d - 1);
  } else if (cmd == FRAME_PUSH_PROMISE) {
    p = writeU32(out, p, c);
  } else if (cmd == FRAME_PRIORITY) {
    p = writeU32(out, p, c);
    p = writeU8(out, p, d - 1);
  } else if (cmd == FRAME_RST_STREAM || cmd == FRAME_WINDOW_UPDATE) {
    p = writeU32(out, p, a);
  } else if (cmd == FRAME_PING || cmd == FRAME_GOAWAY) {
    p = writeU32(out, p, a);
    p = writeU32(out, p, b);
  } else if (cmd == FRAME_PRIORITY_UPDATE) {
    p = writeU32(out, p, a);
  }
  copyBytes(out, p, ioIn, bodyAt, bodyLen);
  p += bodyLen;
  for (let i = 0; i < padLength; i++) out[p + i] = 0;
  return p + padLength;
}
