// The boundary between the wire core and its host, in one place.
//
// This file is read by both sides: the AssemblyScript core imports it, and the
// TypeScript host imports the very same file (it uses no AssemblyScript-only
// syntax, so both compilers accept it). test/abi.test.ts checks that a built
// core agrees with the host about every value here, so a stale build is
// caught. docs/abi.md explains the layout in prose.

/** ABI_VERSION changes whenever a layout or a meaning below changes. */
export const ABI_VERSION = 5; // 4: flow control in the read and flush calls; 5: the encoder reads FIELD_NAME_KEY (static names keyed by the host)

// ---------------------------------------------------------------------------
// Exchange buffers. One set per core instance, shared by every context on it
// (calls are synchronous, so they never overlap):
//   in      Uint8Array  bytes the host hands in (socket bytes, header bytes)
//   out     Uint8Array  bytes the core hands out (encoded frames, blocks)
//   records Int32Array  frame events out of the reader, frame commands into the writer
//   fields  Int32Array  header fields out of the decoder, into the encoder
//   strings Uint8Array  decoded header bytes and copied control-frame payloads
// A buffer may be replaced by a larger one during any call; the core bumps
// its I/O generation (ioGeneration(), and the status word STATUS_GENERATION)
// when it does, and the host re-reads its views when memory.buffer (for
// WebAssembly) or the generation changes.
export const IO_IN = 0;
export const IO_OUT = 1;
export const IO_RECORDS = 2;
export const IO_FIELDS = 3;
export const IO_STRINGS = 4;
/** A small Int32Array that is never replaced: STATUS_GENERATION holds the I/O
 *  generation, so the host can check it after a call without another call. */
export const IO_STATUS = 5;
export const STATUS_GENERATION = 0;
/** STATUS_OPEN_BLOCK: after frameRead, the stream id of the field block the
 *  call left open (a HEADERS or PUSH_PROMISE without END_HEADERS still waiting
 *  for CONTINUATION), or 0. The host times slow header blocks with it. */
export const STATUS_OPEN_BLOCK = 1;
/** STATUS_GARBAGE: bytes of buffers the core has dropped since the last collect(). The WebAssembly
 *  build's minimal runtime frees them only in collect(); the host calls it when this grows large. */
export const STATUS_GARBAGE = 2;
export const STATUS_WORDS = 4;

// ---------------------------------------------------------------------------
// Frame records: 8 x i32 each, for events out of the frame reader and for
// commands into the frame writer.
export const REC_WORDS = 8;
export const REC_TYPE = 0; // a FRAME_* type, or a REC_* synthetic type below
export const REC_FLAGS = 1; // the frame's flags octet
export const REC_STREAM = 2; // stream identifier (31 bits)
export const REC_LENGTH = 3; // the frame's payload length from its header
export const REC_A = 4; // type-specific, see docs/abi.md
export const REC_B = 5;
export const REC_C = 6;
export const REC_D = 7;

// Synthetic record types (not frame types).
/** A stream error found by the reader: REC_A = ERR_* value, REC_B = RFC 9113
 *  §7 code, REC_STREAM = the stream; the reader goes on after it. */
export const REC_STREAM_ERROR = 0x100;
/** An unknown frame type was skipped: REC_A = the type octet. */
export const REC_UNKNOWN = 0x101;
/** A connection error found by the reader; always the last record of a call.
 *  REC_A = ERR_* value, REC_B = RFC 9113 §7 code, REC_STREAM = the offending
 *  frame's stream. The reader then stays in a sticky bad state. */
export const REC_CONNECTION_ERROR = 0x102;
/** A whole field block (HEADERS and its CONTINUATIONs) decoded in the same
 *  call by the HPACK decoder attached to the reader (frameReaderAttachDecoder).
 *  REC_FLAGS = the HEADERS frame's flags plus END_HEADERS; REC_LENGTH = the
 *  block's fragment bytes; REC_A = index of its first field record in
 *  `fields`; REC_B = field count, or ERR_HEADER_LIST_TOO_LARGE (a stream
 *  error: the block was decoded to keep HPACK in step, nothing was kept);
 *  REC_C / REC_D = dependency and weight as for HEADERS. */
export const REC_HEADERS_DECODED = 0x103;
/** The same for PUSH_PROMISE; REC_C = the promised stream id. */
export const REC_PUSH_PROMISE_DECODED = 0x104;

// ---------------------------------------------------------------------------
// Header field records: 8 x i32 each.
export const FIELD_WORDS = 8;
export const FIELD_FLAGS = 0; // FIELD_F_* bits
/** Decoder output: >0: static table index of the name; <0: -(sequence number)
 *  of the dynamic entry the name came from; 0: a literal name, bytes at
 *  FIELD_NAME_OFF. Encoder input: >0: the name is that static entry's (the
 *  first index with the name; no bytes in `in`); 0: bytes at FIELD_NAME_OFF. */
export const FIELD_NAME_KEY = 1;
/** >0: static table index of name and value (an indexed static field);
 *  <0: -(sequence number) of the dynamic entry holding name and value;
 *  0: a literal value, bytes at FIELD_VALUE_OFF. */
export const FIELD_VALUE_KEY = 2;
export const FIELD_NAME_OFF = 3; // offset in `strings` (decoder) or `in` (encoder); -1 when keyed by the static table
export const FIELD_NAME_LEN = 4;
export const FIELD_VALUE_OFF = 5;
export const FIELD_VALUE_LEN = 6;
/** Decoder: sequence number of the dynamic entry this field was inserted as, or 0. */
export const FIELD_INSERTED = 7;

/** Never indexed (RFC 7541 §6.2.3): the decoder reports it, the encoder honours it. */
export const FIELD_F_SENSITIVE = 1;
/** Encoder input: do not add this field to the dynamic table. */
export const FIELD_F_NO_INDEX = 2;

// Huffman modes for the encoder.
export const HUFFMAN_AUTO = 0;
export const HUFFMAN_ALWAYS = 1;
export const HUFFMAN_NEVER = 2;

// ---------------------------------------------------------------------------
// Frame types (RFC 9113 §6, RFC 9218 §7.1).
export const FRAME_DATA = 0x0;
export const FRAME_HEADERS = 0x1;
export const FRAME_PRIORITY = 0x2;
export const FRAME_RST_STREAM = 0x3;
export const FRAME_SETTINGS = 0x4;
export const FRAME_PUSH_PROMISE = 0x5;
export const FRAME_PING = 0x6;
export const FRAME_GOAWAY = 0x7;
export const FRAME_WINDOW_UPDATE = 0x8;
export const FRAME_CONTINUATION = 0x9;
export const FRAME_PRIORITY_UPDATE = 0x10;

// Frame flags.
export const FLAG_END_STREAM = 0x1;
export const FLAG_ACK = 0x1;
export const FLAG_END_HEADERS = 0x4;
export const FLAG_PADDED = 0x8;
export const FLAG_PRIORITY = 0x20;

// Settings identifiers (RFC 9113 §6.5.2).
export const SETTINGS_HEADER_TABLE_SIZE = 0x1;
export const SETTINGS_ENABLE_PUSH = 0x2;
export const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
export const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
export const SETTINGS_MAX_FRAME_SIZE = 0x5;
export const SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;
export const SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8;
export const SETTINGS_NO_RFC7540_PRIORITIES = 0x9;

// Protocol limits.
export const FRAME_HEADER_SIZE = 9;
export const DEFAULT_MAX_FRAME_SIZE = 16384;
export const MAX_MAX_FRAME_SIZE = 16777215;
export const DEFAULT_INITIAL_WINDOW_SIZE = 65535;
export const MAX_WINDOW_SIZE = 2147483647;
export const DEFAULT_HEADER_TABLE_SIZE = 4096;

// ---------------------------------------------------------------------------
// HTTP/2 error codes (RFC 9113 §7).
export const H2_NO_ERROR = 0x0;
export const H2_PROTOCOL_ERROR = 0x1;
export const H2_INTERNAL_ERROR = 0x2;
export const H2_FLOW_CONTROL_ERROR = 0x3;
export const H2_SETTINGS_TIMEOUT = 0x4;
export const H2_STREAM_CLOSED = 0x5;
export const H2_FRAME_SIZE_ERROR = 0x6;
export const H2_REFUSED_STREAM = 0x7;
export const H2_CANCEL = 0x8;
export const H2_COMPRESSION_ERROR = 0x9;
export const H2_CONNECT_ERROR = 0xa;
export const H2_ENHANCE_YOUR_CALM = 0xb;
export const H2_INADEQUATE_SECURITY = 0xc;
export const H2_HTTP_1_1_REQUIRED = 0xd;

// ---------------------------------------------------------------------------
// Core result codes. Every core call returns a non-negative value on success
// or a negative ERR_* code. ERR_* values are -(reason); reasonH2Code() in
// assembly/errors.ts (and ERROR_H2_CODES below) maps each to its RFC 9113 §7
// code. A connection-scoped error leaves its context in a sticky bad state.
export const ERR_BAD_HANDLE = -1; // no live context at that handle
export const ERR_BAD_ARGUMENT = -2; // the host passed an impossible value
export const ERR_HPACK_TRUNCATED = -3; // block ended inside a representation
export const ERR_HPACK_INTEGER_OVERFLOW = -4; // prefix integer too large
export const ERR_HPACK_INDEX = -5; // index 0 or past the end of the tables
export const ERR_HPACK_HUFFMAN = -6; // EOS in a string, or bad padding
export const ERR_HPACK_SIZE_UPDATE = -7; // size update too large, misplaced or missing
export const ERR_HPACK_STRING_LENGTH = -8; // string longer than the block
export const ERR_HEADER_LIST_TOO_LARGE = -9; // decoded list over the limit (state kept in sync)
export const ERR_FRAME_SIZE = -10; // frame too large or wrong length for its type
export const ERR_FRAME_STREAM_ID = -11; // stream id 0 where forbidden, or non-0 where required
export const ERR_FRAME_PADDING = -12; // pad length >= payload length
export const ERR_FRAME_CONTINUATION = -13; // CONTINUATION out of sequence, or another frame between
export const ERR_SETTINGS_VALUE = -14; // ENABLE_PUSH not 0/1, MAX_FRAME_SIZE out of range
export const ERR_SETTINGS_WINDOW = -15; // INITIAL_WINDOW_SIZE above 2^31-1
export const ERR_SETTINGS_ACK_LENGTH = -16; // SETTINGS ACK with a payload
export const ERR_WINDOW_UPDATE_ZERO = -17; // WINDOW_UPDATE increment of 0
export const ERR_FLOW_CONTROL = -18; // window overflow, or data beyond the window
export const ERR_PRIORITY_SELF = -19; // a stream depending on itself
export const ERR_HEADER_BLOCK_TOO_LARGE = -20; // CONTINUATION flood: block bytes over the limit
export const ERR_BAD_STATE = -21; // the context is in a sticky bad state after an earlier error
export const ERR_OUT_OF_MEMORY = -22; // a buffer could not grow
export const ERR_LAST = -22;

/** ERROR_NAMES[-err] is the name of ERR_* value err. */
export const ERROR_NAMES = [
  'OK', 'BAD_HANDLE', 'BAD_ARGUMENT', 'HPACK_TRUNCATED', 'HPACK_INTEGER_OVERFLOW',
  'HPACK_INDEX', 'HPACK_HUFFMAN', 'HPACK_SIZE_UPDATE', 'HPACK_STRING_LENGTH',
  'HEADER_LIST_TOO_LARGE', 'FRAME_SIZE', 'FRAME_STREAM_ID', 'FRAME_PADDING',
  'FRAME_CONTINUATION', 'SETTINGS_VALUE', 'SETTINGS_WINDOW', 'SETTINGS_ACK_LENGTH',
  'WINDOW_UPDATE_ZERO', 'FLOW_CONTROL', 'PRIORITY_SELF', 'HEADER_BLOCK_TOO_LARGE',
  'BAD_STATE', 'OUT_OF_MEMORY',
];

/** ERROR_H2_CODES[-err] is the RFC 9113 §7 code an ERR_* value maps to. */
export const ERROR_H2_CODES = [
  0x0, 0x2, 0x2, 0x9, 0x9,
  0x9, 0x9, 0x9, 0x9,
  0x1, 0x6, 0x1, 0x1,
  0x1, 0x1, 0x3, 0x6,
  0x1, 0x3, 0x1, 0xb,
  0x1, 0x2,
];

// ---------------------------------------------------------------------------
// Flow control (assembly/flow/, the flow* exports in index.ts).
/** flowSnapshot writes FLOW_SNAPSHOT_WORDS words into `records` at a word offset. */
export const FLOW_SNAPSHOT_WORDS = 4;
export const FLOW_SNAP_SEND = 0; // send window (a stream's may be negative)
export const FLOW_SNAP_RECV = 1; // receive window (a stream's may be negative)
export const FLOW_SNAP_HELD = 2; // bytes received, not yet consumed by the application
/** Receive target: our initial window size for a stream, the connection target for stream 0.
 *  Unannounced (consumed, not yet given back) bytes = TARGET - RECV - HELD. */
export const FLOW_SNAP_TARGET = 3;
/** flowWindowUpdateReceived returns FLOW_WOKEN when the window went from <= 0 to > 0. */
export const FLOW_WOKEN = 1;

// ---------------------------------------------------------------------------
// Flow control driven from the two batched calls (docs/abi.md, "Flow control
// in the read and flush calls"): frameReaderAttachFlow makes frameRead charge
// and credit windows, and flowFlush runs the host's commands and writes the
// DATA frame headers and WINDOW_UPDATE frames.

/** Positions for frameReaderAttachFlow: which stream ids the peer opens with HEADERS. */
export const FLOW_POSITION_SERVER = 0; // the peer (a client) opens odd ids (RFC 9113 §5.1.1)
export const FLOW_POSITION_CLIENT = 1; // the peer (a server) reserves even ids with PUSH_PROMISE; we open ours by FLOW_CMD_OPEN

/** REC_C bits of a DATA record. */
export const REC_DATA_FIRST = 1; // the first record of the frame
export const REC_DATA_LAST = 2; // the record that completes the frame
/** With a flow attached: no open flow slot has this stream, so the frame was
 *  charged to the connection window only and given back at once. The host
 *  sends no FLOW_CMD_CONSUMED for it. */
export const REC_DATA_UNTRACKED = 4;

/** REC_FLAGS bit of the record that completes a HEADERS or PUSH_PROMISE block
 *  (REC_*_DECODED, or the raw HEADERS / PUSH_PROMISE / CONTINUATION): the
 *  attached flow opened the slot of the stream the peer opens (HEADERS,
 *  server position) or reserves (PUSH_PROMISE, client position). */
export const REC_F_FLOW_OPENED = 0x100;

/** REC_B bits of a WINDOW_UPDATE record with a flow attached (REC_C = the send window after it). */
export const WU_WOKEN = 1; // the window went from <= 0 to > 0: resume the stream (or, on stream 0, every stream)
export const WU_UNTRACKED = 2; // no open flow slot has this stream: nothing was credited

/** An increment the flow owes the peer, from this read (padding given back,
 *  DATA on an untracked stream, a stream error's bytes). REC_STREAM = the
 *  stream (0: the connection), REC_A = the increment. It is informative: the
 *  next flowFlush writes the WINDOW_UPDATE frame (coalesced with any other
 *  owed on that stream), so the host only has to flush. */
export const REC_WINDOW_UPDATE_OWED = 0x105;

// Flush commands, 8 words each (FLOW_CMD_WORDS = REC_WORDS), written by the
// host into `records`; flowFlush(h, count) runs them in order and writes each
// command's results into its own record.
export const FLOW_CMD_WORDS = 8;
export const FCMD_TYPE = 0; // FLOW_CMD_*
export const FCMD_STREAM = 1; // stream id (ignored by the connection-wide commands)
export const FCMD_VALUE = 2; // CONSUMED: bytes; DEMAND: bytes wanted; the setters: the value
export const FCMD_CAP = 3; // DEMAND: at most this many bytes (the scheduler's budget), -1 for no cap
export const FCMD_FLAGS = 4; // DEMAND: in FLOW_DEMAND_END_STREAM; out adds FLOW_GRANT_* bits
export const FCMD_RESULT = 5; // out: 0 or ERR_*; DEMAND: bytes granted or ERR_*
export const FCMD_FRAMES = 6; // out, DEMAND: DATA frame headers written
export const FCMD_OUT = 7; // out, DEMAND: offset in `out` of the first header (9 octets each, back to back)

/** FLOW_CMD_OPEN: we opened stream FCMD_STREAM (a client's request, a push we accept). */
export const FLOW_CMD_OPEN = 1;
/** FLOW_CMD_CLOSE: stream FCMD_STREAM is done (closed, reset or refused): its slot is
 *  freed and its unconsumed bytes are given back to the connection window. */
export const FLOW_CMD_CLOSE = 2;
/** FLOW_CMD_CONSUMED: the application consumed FCMD_VALUE body bytes of FCMD_STREAM. */
export const FLOW_CMD_CONSUMED = 3;
/** FLOW_CMD_SETTINGS_SENT: we are sending a SETTINGS frame; FCMD_VALUE is the
 *  SETTINGS_INITIAL_WINDOW_SIZE it carries, or -1 if none. The reader applies
 *  it when it reads that frame's ACK (ACKs come in order, RFC 9113 §6.5.3), so
 *  DATA after the ACK in the same read is charged under the new value. */
export const FLOW_CMD_SETTINGS_SENT = 4;
/** FLOW_CMD_PEER_MAX_FRAME_SIZE: DATA frames are split at FCMD_VALUE octets (the reader sets it from the peer's SETTINGS too). */
export const FLOW_CMD_PEER_MAX_FRAME_SIZE = 5;
/** FLOW_CMD_CONNECTION_TARGET: keep the connection receive window at FCMD_VALUE (a raise is owed at once). */
export const FLOW_CMD_CONNECTION_TARGET = 6;
/** FLOW_CMD_DEMAND: send up to FCMD_VALUE bytes on FCMD_STREAM, at most FCMD_CAP. */
export const FLOW_CMD_DEMAND = 7;

/** FCMD_FLAGS in: the demand is the rest of the body (END_STREAM once all of it is granted). */
export const FLOW_DEMAND_END_STREAM = 1;
/** FCMD_FLAGS out: the last frame carries END_STREAM. */
export const FLOW_GRANT_END_STREAM = 2;
/** FCMD_FLAGS out: less than asked (and allowed by the cap), and the stream send window is now <= 0. */
export const FLOW_GRANT_STREAM_BLOCKED = 4;
/** FCMD_FLAGS out: less than asked (and allowed by the cap), and the connection send window is now <= 0. */
export const FLOW_GRANT_CONNECTION_BLOCKED = 8;

/** After flowFlush: the offset in `out` where its WINDOW_UPDATE frames (13 octets each) begin;
 *  they run to the returned byte count. */
export const STATUS_FLUSH_UPDATES = 3;
