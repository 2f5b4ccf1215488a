// FrameReader: the resumable HTTP/2 frame reader (RFC 9113 §4, §6; RFC 9218 §7.1).
//
// read(len) consumes all of ioIn[0..len) and writes one 8-word record per
// event into ioRecords (layout in abi.ts and docs/abi.md). Bytes it must
// report outside ioIn (header block fragments, SETTINGS payloads, GOAWAY debug
// data, PRIORITY_UPDATE field values) are copied into ioStrings from offset 0
// on each call. Any split of the input gives the same frames and errors:
//
//   - a partial 9-octet header is kept in `head` until the rest arrives;
//   - a partial non-DATA payload is kept in `payload`, which grows lazily up
//     to the frame's length (never a 16 MiB buffer up front); a payload wholly
//     present in ioIn is parsed in place;
//   - DATA payloads are never buffered: each call reports the contiguous chunk
//     of the frame's data it holds, as a record pointing into ioIn.
//
// Errors are values (STYLE habit 2): a stream error is a REC_STREAM_ERROR
// record and reading goes on; a connection error is a REC_CONNECTION_ERROR
// record, the last of its call, after which every read() reports the same
// error again and nothing else.

import {
  FRAME_HEADER_SIZE, REC_WORDS, REC_STREAM_ERROR, REC_UNKNOWN, REC_CONNECTION_ERROR,
  FRAME_DATA, FRAME_HEADERS, FRAME_PRIORITY, FRAME_RST_STREAM, FRAME_SETTINGS,
  FRAME_PUSH_PROMISE, FRAME_PING, FRAME_GOAWAY, FRAME_WINDOW_UPDATE, FRAME_CONTINUATION,
  FRAME_PRIORITY_UPDATE, FLAG_ACK, FLAG_END_HEADERS, FLAG_PADDED, FLAG_PRIORITY,
  DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE,
  ERR_BAD_ARGUMENT, ERR_FRAME_SIZE, ERR_FRAME_STREAM_ID, ERR_FRAME_PADDING,
  ERR_FRAME_CONTINUATION, ERR_SETTINGS_ACK_LENGTH, ERR_WINDOW_UPDATE_ZERO,
  ERR_PRIORITY_SELF, ERR_HEADER_BLOCK_TOO_LARGE, ERR_OUT_OF_MEMORY, ERR_HEADER_LIST_TOO_LARGE,
  REC_HEADERS_DECODED, REC_PUSH_PROMISE_DECODED, STATUS_OPEN_BLOCK,
} from '../abi';
import { Decoder, decodedStringsEnd } from '../hpack/decoder';
import { ioIn, ioRecords, ioStatus, ioStrings, noteGarbage, reserveRecords, reserveStrings } from '../io';
import { copyBytes } from '../portable/target';
import { EMPTY_BYTES } from '../bytes';
import { reasonH2Code } from '../errors';
import { STREAM_ID_MASK, readU32, headerLength, headerType, headerFlags, headerStream } from './header';
import { SETTING_BYTES, validateSettings } from './settings';

/** MAX_CONTINUATION_FRAMES caps the CONTINUATION frames of one header block
 *  (empty ones count too). A peer sending more is flooding: a header block
 *  that needs more than 64 frames of at least 16 KiB each is over 1 MiB,
 *  beyond any sane field section, and empty CONTINUATIONs carry nothing at all
 *  (CVE-2024-27316 and friends). */
export const MAX_CONTINUATION_FRAMES = 64;

/** MAX_HEADER_BLOCK_LIMIT is the largest maxHeaderBlockBytes a reader takes
 *  (it keeps the running sum of fragment lengths inside an i32). */
export const MAX_HEADER_BLOCK_LIMIT = 1 << 30;

/** MIN_PAYLOAD_BUFFER is the first capacity of a reader's payload buffer. */
const MIN_PAYLOAD_BUFFER = 256;

/** MAX_KEPT_PAYLOAD_BUFFER: a payload buffer grown past this is dropped once
 *  its frame is done, so an idle reader does not keep a huge frame's memory. */
const MAX_KEPT_PAYLOAD_BUFFER = 65536;

// What the reader is in the middle of.
const READ_HEADER = 0; // collecting the 9-octet frame header
const READ_PAYLOAD = 1; // collecting a non-DATA payload
const READ_DATA = 2; // passing a DATA payload through
const READ_SKIP = 3; // discarding a payload (unknown type, or after a stream error)

// Where a DATA payload is.
const DATA_PAD_LENGTH = 0; // before the Pad Length octet
const DATA_BODY = 1; // inside the data
const DATA_PADDING = 2; // inside the trailing padding

// Bits of REC_C on DATA records.
const DATA_FIRST = 1;
const DATA_LAST = 2;

/** minI32 returns the smaller of a and b. */
function minI32(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/** FrameReader turns a byte stream into frame records; one per connection direction. */
export class FrameReader {
  maxFrameSize: i32 = DEFAULT_MAX_FRAME_SIZE;
  maxHeaderBlockBytes: i32 = 0;

  private state: i32 = READ_HEADER;
  private head: Uint8Array = new Uint8Array(FRAME_HEADER_SIZE);
  private headHave: i32 = 0;

  // The frame being read.
  private length: i32 = 0;
  private type: i32 = 0;
  private flags: i32 = 0;
  private stream: i32 = 0;
  private left: i32 = 0; // payload octets not yet consumed

  private payload: Uint8Array = EMPTY_BYTES;
  private payloadHave: i32 = 0;

  private dataPhase: i32 = DATA_BODY;
  private padLength: i32 = 0;
  private dataLeft: i32 = 0;
  private dataStarted: bool = false;

  // The open header block: its stream (0 when none), fragment bytes, CONTINUATIONs.
  private blockStream: i32 = 0;
  private blockBytes: i32 = 0;
  private blockFrames: i32 = 0;

  // With an attached HPACK decoder, field blocks are assembled here and
  // decoded in the call that completes them (REC_*_DECODED records).
  private decoder: Decoder | null = null;
  private block: Uint8Array = EMPTY_BYTES;
  private blockHave: i32 = 0;
  private blockRecord: i32 = 0; // REC_HEADERS_DECODED or REC_PUSH_PROMISE_DECODED
  private blockFlags: i32 = 0;
  private blockC: i32 = 0;
  private blockD: i32 = 0;
  private blockSelfDependent: bool = false;
  private fieldsPos: i32 = 0;

  // The sticky connection error (0 when none).
  private errReason: i32 = 0;
  private errStream: i32 = 0;
  private errLength: i32 = 0;
  private errType: i32 = 0;

  // Output of the current call.
  private records: i32 = 0;
  private stringsPos: i32 = 0;

  constructor(maxFrameSize: i32, maxHeaderBlockBytes: i32) {
    this.maxFrameSize = maxFrameSize;
    this.maxHeaderBlockBytes = maxHeaderBlockBytes;
  }

  /** validMaxFrameSize reports whether n is a SETTINGS_MAX_FRAME_SIZE value RFC 9113 §6.5.2 allows. */
  static validMaxFrameSize(n: i32): bool {
    return n >= DEFAULT_MAX_FRAME_SIZE && n <= MAX_MAX_FRAME_SIZE;
  }

  /** setMaxFrameSize changes the largest payload accepted from the next frame header on; 0 or ERR_BAD_ARGUMENT. */
  setMaxFrameSize(n: i32): i32 {
    if (!FrameReader.validMaxFrameSize(n)) return ERR_BAD_ARGUMENT;
    this.maxFrameSize = n;
    return 0;
  }

  /** attachDecoder makes the reader decode every field block it completes
   *  with decoder, in the same call (one call per chunk of socket bytes). */
  attachDecoder(decoder: Decoder): void {
    this.decoder = decoder;
  }

  /** read consumes ioIn[0..len) and returns the number of records written, or ERR_*. */
  read(len: i32): i32 {
    this.records = 0;
    this.stringsPos = 0;
    this.fieldsPos = 0;
    if (this.errReason != 0) return this.emitConnectionError() ? 1 : ERR_OUT_OF_MEMORY;
    if (len < 0 || len > ioIn.length) return ERR_BAD_ARGUMENT;
    let pos = 0;
    while (pos < len) {
      const state = this.state;
      if (state == READ_HEADER) pos = this.readHeader(pos, len);
      else if (state == READ_PAYLOAD) pos = this.readPayload(pos, len);
      else if (state == READ_DATA) pos = this.readData(pos, len);
      else pos = this.skip(pos, len);
      if (pos < 0) break;
    }
    // The open header block is reported in the status word: no extra call for the host to ask.
    ioStatus[STATUS_OPEN_BLOCK] = this.blockStream;
    if (this.errReason != 0 && !this.emitConnectionError()) return ERR_OUT_OF_MEMORY;
    return this.records;
  }

  // ---------------------------------------------------------------------------
  // The frame header.

  private readHeader(pos: i32, len: i32): i32 {
    let src = ioIn;
    let at = pos;
    if (this.headHave == 0 && len - pos >= FRAME_HEADER_SIZE) {
      pos += FRAME_HEADER_SIZE;
    } else {
      const n = minI32(FRAME_HEADER_SIZE - this.headHave, len - pos);
      copyBytes(this.head, this.headHave, ioIn, pos, n);
      this.headHave += n;
      pos += n;
      if (this.headHave < FRAME_HEADER_SIZE) return pos;
      this.headHave = 0;
      src = this.head;
      at = 0;
    }
    this.length = headerLength(src, at);
    this.type = headerType(src, at);
    this.flags = headerFlags(src, at);
    this.stream = headerStream(src, at);
    return this.beginFrame(pos, len);
  }

  /** beginFrame applies every check the header alone decides, then starts on the payload. */
  private beginFrame(pos: i32, len: i32): i32 {
    const length = this.length;
    const type = this.type;
    const flags = this.flags;
    const stream = this.stream;
    const padded = (flags & FLAG_PADDED) != 0 ? 1 : 0;

    // RFC 9113 §4.2: "An endpoint MUST send an error code of FRAME_SIZE_ERROR
    // if a frame exceeds the size defined in SETTINGS_MAX_FRAME_SIZE, exceeds
    // any limit defined for the frame type, or is too small to contain
    // mandatory frame data."
    if (length > this.maxFrameSize) return this.fail(ERR_FRAME_SIZE);

    if (this.blockStream != 0) {
      // RFC 9113 §6.2: "A HEADERS frame without the END_HEADERS flag set MUST
      // be followed by a CONTINUATION frame for the same stream. A receiver
      // MUST treat the receipt of any other type of frame or a frame on a
      // different stream as a connection error (Section 5.4.1) of type
      // PROTOCOL_ERROR." (Unknown types included: RFC 9113 §5.5.)
      if (type != FRAME_CONTINUATION || stream != this.blockStream) return this.fail(ERR_FRAME_CONTINUATION);
    } else if (type == FRAME_CONTINUATION) {
      // RFC 9113 §6.10: "A CONTINUATION frame MUST be preceded by a HEADERS,
      // PUSH_PROMISE or CONTINUATION frame without the END_HEADERS flag set. A
      // recipient that observes violation of this rule MUST respond with a
      // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
      return this.fail(ERR_FRAME_CONTINUATION);
    }

    switch (type) {
      case FRAME_DATA: {
        // RFC 9113 §6.1: "If a DATA frame is received whose Stream Identifier
        // field is 0x00, the recipient MUST respond with a connection error
        // (Section 5.4.1) of type PROTOCOL_ERROR."
        if (stream == 0) return this.fail(ERR_FRAME_STREAM_ID);
        // §4.2, too small for mandatory data: no room for the Pad Length octet.
        if (length < padded) return this.fail(ERR_FRAME_SIZE);
        this.state = READ_DATA;
        this.left = length;
        this.dataPhase = padded != 0 ? DATA_PAD_LENGTH : DATA_BODY;
        this.padLength = 0;
        this.dataLeft = padded != 0 ? 0 : length;
        this.dataStarted = false;
        return this.readData(pos, len);
      }
      case FRAME_HEADERS: {
        // RFC 9113 §6.2: "If a HEADERS frame is received whose Stream
        // Identifier field is 0x00, the recipient MUST respond with a
        // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (stream == 0) return this.fail(ERR_FRAME_STREAM_ID);
        // §4.2, too small for mandatory data: Pad Length and priority fields.
        if (length < padded + ((flags & FLAG_PRIORITY) != 0 ? 5 : 0)) return this.fail(ERR_FRAME_SIZE);
        return this.collect(pos, len);
      }
      case FRAME_PRIORITY: {
        // RFC 9113 §6.3: "If a PRIORITY frame is received with a stream
        // identifier of 0x00, the recipient MUST respond with a connection
        // error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (stream == 0) return this.fail(ERR_FRAME_STREAM_ID);
        // RFC 9113 §6.3: "A PRIORITY frame with a length other than 5 octets
        // MUST be treated as a stream error (Section 5.4.2) of type
        // FRAME_SIZE_ERROR."
        if (length != 5) {
          if (!this.emitStreamError(ERR_FRAME_SIZE)) return this.fail(ERR_OUT_OF_MEMORY);
          return this.beginSkip(pos);
        }
        return this.collect(pos, len);
      }
      case FRAME_RST_STREAM: {
        // RFC 9113 §6.4: "If a RST_STREAM frame is received with a stream
        // identifier of 0x00, the recipient MUST treat this as a connection
        // error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (stream == 0) return this.fail(ERR_FRAME_STREAM_ID);
        // RFC 9113 §6.4: "A RST_STREAM frame with a length other than 4 octets
        // MUST be treated as a connection error (Section 5.4.1) of type
        // FRAME_SIZE_ERROR."
        if (length != 4) return this.fail(ERR_FRAME_SIZE);
        return this.collect(pos, len);
      }
      case FRAME_SETTINGS: {
        // RFC 9113 §6.5: "If an endpoint receives a SETTINGS frame whose Stream
        // Identifier field is anything other than 0x00, the endpoint MUST
        // respond with a connection error (Section 5.4.1) of type
        // PROTOCOL_ERROR."
        if (stream != 0) return this.fail(ERR_FRAME_STREAM_ID);
        // RFC 9113 §6.5: "Receipt of a SETTINGS frame with the ACK flag set and
        // a length field value other than 0 MUST be treated as a connection
        // error (Section 5.4.1) of type FRAME_SIZE_ERROR."
        if ((flags & FLAG_ACK) != 0 && length != 0) return this.fail(ERR_SETTINGS_ACK_LENGTH);
        // RFC 9113 §6.5: "A SETTINGS frame with a length other than a multiple
        // of 6 octets MUST be treated as a connection error (Section 5.4.1) of
        // type FRAME_SIZE_ERROR."
        if (length % SETTING_BYTES != 0) return this.fail(ERR_FRAME_SIZE);
        return this.collect(pos, len);
      }
      case FRAME_PUSH_PROMISE: {
        // RFC 9113 §6.6: "If the Stream Identifier field specifies the value
        // 0x00, a recipient MUST respond with a connection error (Section
        // 5.4.1) of type PROTOCOL_ERROR."
        if (stream == 0) return this.fail(ERR_FRAME_STREAM_ID);
        // §4.2, too small for mandatory data: Pad Length and Promised Stream ID.
        if (length < padded + 4) return this.fail(ERR_FRAME_SIZE);
        return this.collect(pos, len);
      }
      case FRAME_PING: {
        // RFC 9113 §6.7: "If a PING frame is received with a Stream Identifier
        // field value other than 0x00, the recipient MUST respond with a
        // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
        if (stream != 0) return this.fail(ERR_FRAME_STREAM_ID);
        // RFC 9113 §6.7: "Receipt of a PING frame with a length field value
        // other than 8 MUST be treated as a connection error (Section 5.4.1) of
        // type FRAME_SIZE_ERROR."
        if (length != 8) return this.fail(ERR_FRAME_SIZE);
        return this.collect(pos, len);
      }
      case FRAME_GOAWAY: {
        // RFC 9113 §6.8: "An endpoint MUST treat a GOAWAY frame with a stream
        // identifier other than 0x00 as a connection error (Section 5.4.1) of
        // type PROTOCOL_ERROR."
        if (stream != 0) return this.fail(ERR_FRAME_STREAM_ID);
        // §4.2, too small for mandatory data: Last-Stream-ID and Error Code.
        if (length < 8) return this.fail(ERR_FRAME_SIZE);
        return this.collect(pos, len);
      }
      case FRAME_WINDOW_UPDATE: {
        // RFC 9113 §6.9: "A WINDOW_UPDATE frame with a length other than 4
        // octets MUST be treated as a connection error (Section 5.4.1) of type
        // FRAME_SIZE_ERROR."
        if (length != 4) return this.fail(ERR_FRAME_SIZE);
        return this.collect(pos, len);
      }
      case FRAME_CONTINUATION: {
        // The block is open on this stream (checked above). Flood guard
        // (RFC 9113 §10.5: "An endpoint that doesn't monitor use of these
        // features exposes itself to a risk of denial of service"): cap the
        // frames and the fragment bytes of one block before buffering any.
        this.blockFrames++;
        if (this.blockFrames > MAX_CONTINUATION_FRAMES) return this.fail(ERR_HEADER_BLOCK_TOO_LARGE);
        this.blockBytes += length;
        if (this.blockBytes > this.maxHeaderBlockBytes) return this.fail(ERR_HEADER_BLOCK_TOO_LARGE);
        return this.collect(pos, len);
      }
      case FRAME_PRIORITY_UPDATE: {
        // RFC 9218 §7.1: "The PRIORITY_UPDATE frame ... MUST be sent on stream
        // 0 ... If a PRIORITY_UPDATE frame is received with a stream ID other
        // than 0x0, the recipient MUST respond with a connection error of type
        // PROTOCOL_ERROR."
        if (stream != 0) return this.fail(ERR_FRAME_STREAM_ID);
        // §4.2, too small for mandatory data: the Prioritized Stream ID.
        if (length < 4) return this.fail(ERR_FRAME_SIZE);
        return this.collect(pos, len);
      }
      default: {
        // RFC 9113 §4.1: "Implementations MUST ignore and discard frames of
        // unknown types."
        if (!this.emit(REC_UNKNOWN, flags, stream, length, type, 0, 0, 0)) return this.fail(ERR_OUT_OF_MEMORY);
        return this.beginSkip(pos);
      }
    }
  }

  // ---------------------------------------------------------------------------
  // Payloads.

  /** collect starts gathering a non-DATA payload. */
  private collect(pos: i32, len: i32): i32 {
    this.state = READ_PAYLOAD;
    this.left = this.length;
    this.payloadHave = 0;
    return this.readPayload(pos, len);
  }

  private readPayload(pos: i32, len: i32): i32 {
    const avail = len - pos;
    if (this.payloadHave == 0 && avail >= this.left) {
      // The whole payload is here: parse it in place.
      const at = pos;
      this.state = READ_HEADER;
      if (this.finishFrame(ioIn, at) < 0) return -1;
      return at + this.length;
    }
    const n = minI32(this.left, avail);
    if (!this.reservePayload(this.payloadHave + n)) return this.fail(ERR_OUT_OF_MEMORY);
    copyBytes(this.payload, this.payloadHave, ioIn, pos, n);
    this.payloadHave += n;
    this.left -= n;
    pos += n;
    if (this.left > 0) return pos;
    this.state = READ_HEADER;
    const r = this.finishFrame(this.payload, 0);
    this.payloadHave = 0;
    if (this.payload.length > MAX_KEPT_PAYLOAD_BUFFER) {
      noteGarbage(this.payload.length);
      this.payload = EMPTY_BYTES;
    }
    return r < 0 ? -1 : pos;
  }

  /** reservePayload makes the payload buffer hold need bytes, growing it by doubling but never past the frame length. */
  private reservePayload(need: i32): bool {
    const have = this.payload.length;
    if (need <= have) return true;
    let cap = have << 1;
    if (cap < MIN_PAYLOAD_BUFFER) cap = MIN_PAYLOAD_BUFFER;
    if (cap < need) cap = need;
    if (cap > this.length) cap = this.length;
    const next = new Uint8Array(cap);
    if (this.payloadHave > 0) copyBytes(next, 0, this.payload, 0, this.payloadHave);
    noteGarbage(have);
    this.payload = next;
    return true;
  }

  private beginSkip(pos: i32): i32 {
    this.left = this.length;
    this.state = this.left > 0 ? READ_SKIP : READ_HEADER;
    return pos;
  }

  private skip(pos: i32, len: i32): i32 {
    const n = minI32(this.left, len - pos);
    this.left -= n;
    if (this.left == 0) this.state = READ_HEADER;
    return pos + n;
  }

  /** readData passes through the part of a DATA payload present in ioIn[pos..len). */
  private readData(pos: i32, len: i32): i32 {
    let chunkAt = pos;
    let chunkLen = 0;
    let done = false;
    if (this.dataPhase == DATA_PAD_LENGTH) {
      if (pos >= len) return pos;
      this.padLength = i32(ioIn[pos]);
      pos++;
      this.left--;
      // RFC 9113 §6.1: "If the length of the padding is the length of the
      // frame payload or greater, the recipient MUST treat this as a
      // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
      // (left is the payload less the Pad Length octet, so this is pad >= length.)
      if (this.padLength > this.left) return this.fail(ERR_FRAME_PADDING);
      this.dataLeft = this.left - this.padLength;
      this.dataPhase = DATA_BODY;
    }
    if (this.dataPhase == DATA_BODY) {
      const n = minI32(this.dataLeft, len - pos);
      chunkAt = pos;
      chunkLen = n;
      pos += n;
      this.dataLeft -= n;
      this.left -= n;
      if (this.dataLeft == 0) this.dataPhase = DATA_PADDING;
    }
    if (this.dataPhase == DATA_PADDING) {
      const n = minI32(this.left, len - pos);
      pos += n;
      this.left -= n;
      done = this.left == 0;
    }
    if (chunkLen > 0 || done) {
      const c = (this.dataStarted ? 0 : DATA_FIRST) | (done ? DATA_LAST : 0);
      if (!this.emit(FRAME_DATA, this.flags, this.stream, this.length, chunkAt, chunkLen, c, this.padLength)) {
        return this.fail(ERR_OUT_OF_MEMORY);
      }
      this.dataStarted = true;
    }
    if (done) this.state = READ_HEADER;
    return pos;
  }

  /** finishFrame reports a complete non-DATA payload at src[at..at+length); 0, or -1 after fail(). */
  private finishFrame(src: Uint8Array, at: i32): i32 {
    const type = this.type;
    const flags = this.flags;
    const stream = this.stream;
    const length = this.length;
    const end = at + length;

    if (type == FRAME_HEADERS) {
      let p = at;
      let padLength = 0;
      if ((flags & FLAG_PADDED) != 0) padLength = i32(src[p++]);
      let dependency = 0;
      let weight = 0;
      if ((flags & FLAG_PRIORITY) != 0) {
        dependency = readU32(src, p);
        weight = i32(src[p + 4]) + 1;
        p += 5;
      }
      const fragLen = end - p - padLength;
      // RFC 9113 §6.2: "Padding that exceeds the size remaining for the field
      // block fragment MUST be treated as a PROTOCOL_ERROR."
      if (fragLen < 0) return this.fail(ERR_FRAME_PADDING);
      if (!this.openBlock(fragLen)) return this.fail(ERR_HEADER_BLOCK_TOO_LARGE);
      this.blockStream = (flags & FLAG_END_HEADERS) != 0 ? 0 : stream;
      // RFC 9113 §5.3.1: "A stream cannot depend on itself. An endpoint MUST
      // treat this as a stream error (Section 5.4.2) of type PROTOCOL_ERROR."
      // The HEADERS record goes first: its block must still be decoded to
      // keep the HPACK state in step.
      const selfDependent = (flags & FLAG_PRIORITY) != 0 && (dependency & STREAM_ID_MASK) == stream;
      if (this.decoder !== null) {
        return this.beginFieldBlock(REC_HEADERS_DECODED, flags, dependency, weight, selfDependent, src, p, fragLen);
      }
      const off = this.copyString(src, p, fragLen);
      if (off < 0 || !this.emit(FRAME_HEADERS, flags, stream, length, off, fragLen, dependency, weight)) {
        return this.fail(ERR_OUT_OF_MEMORY);
      }
      if (selfDependent && !this.emitStreamError(ERR_PRIORITY_SELF)) return this.fail(ERR_OUT_OF_MEMORY);
      return 0;
    }
    if (type == FRAME_CONTINUATION) {
      if (this.decoder !== null) {
        if ((flags & FLAG_END_HEADERS) != 0) this.blockStream = 0;
        return this.continueFieldBlock(flags, src, at, length);
      }
      const off = this.copyString(src, at, length);
      if (off < 0 || !this.emit(FRAME_CONTINUATION, flags, stream, length, off, length, 0, 0)) {
        return this.fail(ERR_OUT_OF_MEMORY);
      }
      if ((flags & FLAG_END_HEADERS) != 0) this.blockStream = 0;
      return 0;
    }
    if (type == FRAME_PUSH_PROMISE) {
      let p = at;
      let padLength = 0;
      if ((flags & FLAG_PADDED) != 0) padLength = i32(src[p++]);
      const promised = readU32(src, p) & STREAM_ID_MASK;
      p += 4;
      const fragLen = end - p - padLength;
      // RFC 9113 §6.6: "Padding that exceeds the size remaining for the field
      // block fragment MUST be treated as a PROTOCOL_ERROR." (as for HEADERS)
      if (fragLen < 0) return this.fail(ERR_FRAME_PADDING);
      if (!this.openBlock(fragLen)) return this.fail(ERR_HEADER_BLOCK_TOO_LARGE);
      this.blockStream = (flags & FLAG_END_HEADERS) != 0 ? 0 : stream;
      if (this.decoder !== null) {
        return this.beginFieldBlock(REC_PUSH_PROMISE_DECODED, flags, promised, 0, false, src, p, fragLen);
      }
      const off = this.copyString(src, p, fragLen);
      if (off < 0 || !this.emit(FRAME_PUSH_PROMISE, flags, stream, length, off, fragLen, promised, 0)) {
        return this.fail(ERR_OUT_OF_MEMORY);
      }
      return 0;
    }
    if (type == FRAME_PRIORITY) {
      const dependency = readU32(src, at);
      const weight = i32(src[at + 4]) + 1;
      // RFC 9113 §5.3.1: "A stream cannot depend on itself. An endpoint MUST
      // treat this as a stream error (Section 5.4.2) of type PROTOCOL_ERROR."
      if ((dependency & STREAM_ID_MASK) == stream) {
        return this.emitStreamError(ERR_PRIORITY_SELF) ? 0 : this.fail(ERR_OUT_OF_MEMORY);
      }
      return this.emit(FRAME_PRIORITY, flags, stream, length, 0, 0, dependency, weight) ? 0 : this.fail(ERR_OUT_OF_MEMORY);
    }
    if (type == FRAME_RST_STREAM) {
      return this.emit(FRAME_RST_STREAM, flags, stream, length, readU32(src, at), 0, 0, 0) ? 0 : this.fail(ERR_OUT_OF_MEMORY);
    }
    if (type == FRAME_SETTINGS) {
      const err = validateSettings(src, at, length);
      if (err != 0) return this.fail(err);
      const off = this.copyString(src, at, length);
      if (off < 0 || !this.emit(FRAME_SETTINGS, flags, stream, length, off, length, 0, 0)) return this.fail(ERR_OUT_OF_MEMORY);
      return 0;
    }
    if (type == FRAME_PING) {
      const a = readU32(src, at);
      const b = readU32(src, at + 4);
      return this.emit(FRAME_PING, flags, stream, length, a, b, 0, 0) ? 0 : this.fail(ERR_OUT_OF_MEMORY);
    }
    if (type == FRAME_GOAWAY) {
      const lastStream = readU32(src, at) & STREAM_ID_MASK;
      const code = readU32(src, at + 4);
      const off = this.copyString(src, at + 8, length - 8);
      if (off < 0 || !this.emit(FRAME_GOAWAY, flags, stream, length, lastStream, code, off, length - 8)) {
        return this.fail(ERR_OUT_OF_MEMORY);
      }
      return 0;
    }
    if (type == FRAME_WINDOW_UPDATE) {
      const increment = readU32(src, at) & STREAM_ID_MASK;
      if (increment == 0) {
        // RFC 9113 §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE
        // frame with a flow-control window increment of 0 as a stream error
        // (Section 5.4.2) of type PROTOCOL_ERROR; errors on the connection
        // flow-control window MUST be treated as a connection error (Section
        // 5.4.1)."
        if (stream == 0) return this.fail(ERR_WINDOW_UPDATE_ZERO);
        return this.emitStreamError(ERR_WINDOW_UPDATE_ZERO) ? 0 : this.fail(ERR_OUT_OF_MEMORY);
      }
      return this.emit(FRAME_WINDOW_UPDATE, flags, stream, length, increment, 0, 0, 0) ? 0 : this.fail(ERR_OUT_OF_MEMORY);
    }
    // FRAME_PRIORITY_UPDATE: the only other type that is collected.
    const prioritized = readU32(src, at) & STREAM_ID_MASK;
    // RFC 9218 §7.1: "If a PRIORITY_UPDATE frame is received with a
    // Prioritized Stream ID of 0x0, the recipient MUST respond with a
    // connection error of type PROTOCOL_ERROR."
    if (prioritized == 0) return this.fail(ERR_FRAME_STREAM_ID);
    const off = this.copyString(src, at + 4, length - 4);
    if (off < 0 || !this.emit(FRAME_PRIORITY_UPDATE, flags, stream, length, prioritized, off, length - 4, 0)) {
      return this.fail(ERR_OUT_OF_MEMORY);
    }
    return 0;
  }

  /** openBlock starts counting a new header block of fragLen bytes; it reports whether the block is within limits. */
  private openBlock(fragLen: i32): bool {
    this.blockBytes = fragLen;
    this.blockFrames = 0;
    return fragLen <= this.maxHeaderBlockBytes;
  }

  // ---------------------------------------------------------------------------
  // Field blocks decoded in the reader (attachDecoder).

  /** beginFieldBlock starts a field block of the current frame: decoded at
   *  once when END_HEADERS is set (straight from the input, no copy), else
   *  kept until its last CONTINUATION. 0, or -1 after fail(). */
  private beginFieldBlock(
    record: i32, flags: i32, c: i32, d: i32, selfDependent: bool,
    src: Uint8Array, at: i32, n: i32,
  ): i32 {
    this.blockRecord = record;
    this.blockFlags = flags;
    this.blockC = c;
    this.blockD = d;
    this.blockSelfDependent = selfDependent;
    this.blockHave = 0;
    if ((flags & FLAG_END_HEADERS) != 0) return this.decodeFieldBlock(src, at, n);
    return this.appendToBlock(src, at, n) ? 0 : this.fail(ERR_OUT_OF_MEMORY);
  }

  /** continueFieldBlock adds a CONTINUATION's fragment, decoding the block on END_HEADERS. */
  private continueFieldBlock(flags: i32, src: Uint8Array, at: i32, n: i32): i32 {
    if (!this.appendToBlock(src, at, n)) return this.fail(ERR_OUT_OF_MEMORY);
    if ((flags & FLAG_END_HEADERS) == 0) return 0;
    const r = this.decodeFieldBlock(this.block, 0, this.blockHave);
    this.blockHave = 0;
    if (this.block.length > MAX_KEPT_PAYLOAD_BUFFER) {
      noteGarbage(this.block.length);
      this.block = EMPTY_BYTES;
    }
    return r;
  }

  /** appendToBlock copies a fragment into the block buffer (bounded by maxHeaderBlockBytes before this is called). */
  private appendToBlock(src: Uint8Array, at: i32, n: i32): bool {
    const need = this.blockHave + n;
    if (need > this.block.length) {
      let size = max(this.block.length, MIN_PAYLOAD_BUFFER);
      while (size < need) size = size << 1;
      const next = new Uint8Array(size);
      if (this.blockHave > 0) copyBytes(next, 0, this.block, 0, this.blockHave);
      noteGarbage(this.block.length);
      this.block = next;
    }
    copyBytes(this.block, this.blockHave, src, at, n);
    this.blockHave = need;
    return true;
  }

  /** decodeFieldBlock decodes a complete block and reports it. A decoding
   *  error is a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3);
   *  a list over the decoder's limit is reported on the record (a stream
   *  matter). 0, or -1 after fail(). */
  private decodeFieldBlock(src: Uint8Array, at: i32, n: i32): i32 {
    const decoder = this.decoder!;
    const first = this.fieldsPos;
    const r = decoder.decode(src, at, at + n, first, this.stringsPos);
    if (r < 0 && r != ERR_HEADER_LIST_TOO_LARGE) return this.fail(r);
    if (r > 0) {
      this.fieldsPos = first + r;
      this.stringsPos = decodedStringsEnd;
    }
    const flags = this.blockFlags | FLAG_END_HEADERS;
    if (!this.emit(this.blockRecord, flags, this.stream, this.blockBytes, first, r, this.blockC, this.blockD)) {
      return this.fail(ERR_OUT_OF_MEMORY);
    }
    if (this.blockSelfDependent && !this.emitStreamError(ERR_PRIORITY_SELF)) return this.fail(ERR_OUT_OF_MEMORY);
    return 0;
  }

  // ---------------------------------------------------------------------------
  // Output.

  /** copyString copies src[at..at+n) to ioStrings and returns its offset there, or -1. */
  private copyString(src: Uint8Array, at: i32, n: i32): i32 {
    const off = this.stringsPos;
    if (!reserveStrings(off + n, off)) return -1;
    copyBytes(ioStrings, off, src, at, n);
    this.stringsPos = off + n;
    return off;
  }

  /** emit appends one record to ioRecords; it reports false if ioRecords cannot grow. */
  private emit(type: i32, flags: i32, stream: i32, length: i32, a: i32, b: i32, c: i32, d: i32): bool {
    const base = this.records * REC_WORDS;
    if (!reserveRecords(base + REC_WORDS, base)) return false;
    const r = ioRecords;
    if (base + REC_WORDS > r.length) return false;
    unchecked((r[base] = type));
    unchecked((r[base + 1] = flags));
    unchecked((r[base + 2] = stream));
    unchecked((r[base + 3] = length));
    unchecked((r[base + 4] = a));
    unchecked((r[base + 5] = b));
    unchecked((r[base + 6] = c));
    unchecked((r[base + 7] = d));
    this.records++;
    return true;
  }

  /** emitStreamError reports a stream error on the current frame's stream. */
  private emitStreamError(err: i32): bool {
    return this.emit(REC_STREAM_ERROR, 0, this.stream, this.length, err, reasonH2Code(err), this.type, 0);
  }

  /** emitConnectionError reports the sticky connection error. */
  private emitConnectionError(): bool {
    const err = this.errReason;
    return this.emit(REC_CONNECTION_ERROR, 0, this.errStream, this.errLength, err, reasonH2Code(err), this.errType, 0);
  }

  /** fail records connection error err against the current frame and returns -1; read() reports it. */
  private fail(err: i32): i32 {
    this.errReason = err;
    this.errStream = this.stream;
    this.errLength = this.length;
    this.errType = this.type;
    return -1;
  }
}
