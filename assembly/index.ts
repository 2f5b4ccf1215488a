// The only export surface of the wire core. Every export takes and returns
// numbers: handles, lengths, offsets into the exchange buffers (abi.ts) and
// result codes. Nothing here throws: errors are negative ERR_* results.

import {
  ABI_VERSION, IO_IN, IO_OUT, IO_STRINGS, IO_RECORDS, IO_FIELDS, IO_STATUS, ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_OUT_OF_MEMORY,
  HUFFMAN_AUTO, HUFFMAN_NEVER, STATUS_GARBAGE,
} from './abi';
import { bufferRef, wordsRef, collectGarbage } from './portable/target';
import {
  ioIn, ioOut, ioStrings, ioRecords, ioFields, ioStatus, ioGeneration as generation,
  reserveIn, reserveOut, reserveRecords, reserveFields,
} from './io';
import { Contexts } from './handles';
import { Decoder } from './hpack/decoder';
import { Encoder } from './hpack/encoder';
import { FrameReader, MAX_HEADER_BLOCK_LIMIT } from './frame/reader';
import { writeFrames } from './frame/writer';
import { FLOW_SNAPSHOT_WORDS } from './abi';
import { newFlow, flowAt, freeFlow } from './flow/registry';

/** abiVersion returns the ABI_VERSION this core was built with. */
export function abiVersion(): i32 {
  return ABI_VERSION;
}

/** collect frees what freed contexts and replaced buffers left behind (see
 *  portable/target.ts); call it between other calls. */
export function collect(): void {
  collectGarbage();
  ioStatus[STATUS_GARBAGE] = 0;
}

/** ioGeneration changes whenever an exchange buffer was replaced. */
export function ioGeneration(): i32 {
  return generation;
}

/** ioBytes returns the host's reference to byte buffer `which` (IO_IN, IO_OUT, IO_STRINGS). */
export function ioBytes(which: i32): usize {
  if (which == IO_IN) return bufferRef(ioIn);
  if (which == IO_OUT) return bufferRef(ioOut);
  return bufferRef(ioStrings);
}

/** ioWords returns the host's reference to word buffer `which` (IO_RECORDS, IO_FIELDS, IO_STATUS). */
export function ioWords(which: i32): usize {
  if (which == IO_RECORDS) return wordsRef(ioRecords);
  if (which == IO_STATUS) return wordsRef(ioStatus);
  return wordsRef(ioFields);
}

/** ioLength returns the length (bytes or words) of buffer `which`. */
export function ioLength(which: i32): i32 {
  if (which == IO_IN) return ioIn.length;
  if (which == IO_OUT) return ioOut.length;
  if (which == IO_STRINGS) return ioStrings.length;
  if (which == IO_RECORDS) return ioRecords.length;
  if (which == IO_FIELDS) return ioFields.length;
  if (which == IO_STATUS) return ioStatus.length;
  return ERR_BAD_ARGUMENT;
}

/** ioReserve makes buffer `which` hold at least n bytes (IO_IN, IO_OUT) or
 *  words (IO_RECORDS, IO_FIELDS); 0 or ERR_*. Contents are not kept. */
export function ioReserve(which: i32, n: i32): i32 {
  if (n < 0) return ERR_BAD_ARGUMENT;
  let ok = false;
  if (which == IO_IN) ok = reserveIn(n);
  else if (which == IO_OUT) ok = reserveOut(n, 0);
  else if (which == IO_RECORDS) ok = reserveRecords(n, 0);
  else if (which == IO_FIELDS) ok = reserveFields(n, 0);
  return ok ? 0 : ERR_BAD_ARGUMENT;
}

// ---------------------------------------------------------------------------
// HPACK (RFC 7541). Blocks and field bytes go through ioIn, field records
// through ioFields, decoded strings through ioStrings, encoded blocks through
// ioOut (abi.ts, docs/abi.md).

const decoders = new Contexts<Decoder>();
const encoders = new Contexts<Encoder>();

/** MAX_TABLE_SIZE bounds any HPACK table size the host asks for (SETTINGS values are 32-bit). */
const MAX_TABLE_SIZE = 1 << 30;

/** hpackDecoderNew makes a decoder; it returns its handle or an ERR_* value. */
export function hpackDecoderNew(maxTableSize: i32, maxHeaderListSize: i32): i32 {
  if (maxTableSize < 0 || maxTableSize > MAX_TABLE_SIZE || maxHeaderListSize < 0) return ERR_BAD_ARGUMENT;
  const handle = decoders.add(new Decoder(maxTableSize, maxHeaderListSize));
  return handle < 0 ? ERR_BAD_ARGUMENT : handle;
}

/** hpackDecoderFree frees a decoder; 0 or ERR_BAD_HANDLE. */
export function hpackDecoderFree(handle: i32): i32 {
  return decoders.remove(handle) ? 0 : ERR_BAD_HANDLE;
}

/** hpackDecoderSetMaxTableSize applies an acknowledged SETTINGS_HEADER_TABLE_SIZE; 0 or ERR_*. */
export function hpackDecoderSetMaxTableSize(handle: i32, size: i32): i32 {
  const decoder = decoders.get(handle);
  if (decoder === null) return ERR_BAD_HANDLE;
  if (size < 0 || size > MAX_TABLE_SIZE) return ERR_BAD_ARGUMENT;
  decoder.setLimit(size);
  return 0;
}

/** hpackDecode decodes the block ioIn[0..length) into ioFields/ioStrings and
 *  returns the field count or an ERR_* value. */
export function hpackDecode(handle: i32, length: i32): i32 {
  const decoder = decoders.get(handle);
  if (decoder === null) return ERR_BAD_HANDLE;
  if (length < 0 || length > ioIn.length) return ERR_BAD_ARGUMENT;
  return decoder.decode(ioIn, 0, length, 0, 0);
}

/** hpackEncoderNew makes an encoder (huffman: HUFFMAN_*); it returns its handle or an ERR_* value. */
export function hpackEncoderNew(maxTableSize: i32, huffman: i32): i32 {
  if (maxTableSize < 0 || maxTableSize > MAX_TABLE_SIZE) return ERR_BAD_ARGUMENT;
  if (huffman < HUFFMAN_AUTO || huffman > HUFFMAN_NEVER) return ERR_BAD_ARGUMENT;
  const handle = encoders.add(new Encoder(maxTableSize, huffman));
  return handle < 0 ? ERR_BAD_ARGUMENT : handle;
}

/** hpackEncoderFree frees an encoder; 0 or ERR_BAD_HANDLE. */
export function hpackEncoderFree(handle: i32): i32 {
  return encoders.remove(handle) ? 0 : ERR_BAD_HANDLE;
}

/** hpackEncoderSetMaxTableSize takes the peer's SETTINGS_HEADER_TABLE_SIZE; 0 or ERR_*. */
export function hpackEncoderSetMaxTableSize(handle: i32, size: i32): i32 {
  const encoder = encoders.get(handle);
  if (encoder === null) return ERR_BAD_HANDLE;
  if (size < 0 || size > MAX_TABLE_SIZE) return ERR_BAD_ARGUMENT;
  encoder.setMaxTableSize(size);
  return 0;
}

/** hpackEncode encodes `count` field records (ioFields, bytes in ioIn) into
 *  ioOut and returns the block length or an ERR_* value. */
export function hpackEncode(handle: i32, count: i32): i32 {
  const encoder = encoders.get(handle);
  if (encoder === null) return ERR_BAD_HANDLE;
  return encoder.encode(count);
}

// ---------------------------------------------------------------------------
// Frame codec (assembly/frame/): the resumable reader, one context per handle,
// and the stateless writer. Record and command layouts: abi.ts, docs/abi.md.

const readers = new Contexts<FrameReader>();

/** frameReaderNew makes a frame reader; its handle, or ERR_BAD_ARGUMENT / ERR_OUT_OF_MEMORY.
 *  maxFrameSize is 16384..16777215 (RFC 9113 §6.5.2); maxHeaderBlockBytes is 1..2^30. */
export function frameReaderNew(maxFrameSize: i32, maxHeaderBlockBytes: i32): i32 {
  if (!FrameReader.validMaxFrameSize(maxFrameSize)) return ERR_BAD_ARGUMENT;
  if (maxHeaderBlockBytes < 1 || maxHeaderBlockBytes > MAX_HEADER_BLOCK_LIMIT) return ERR_BAD_ARGUMENT;
  const h = readers.add(new FrameReader(maxFrameSize, maxHeaderBlockBytes));
  return h < 0 ? ERR_OUT_OF_MEMORY : h;
}

/** frameReaderAttachDecoder makes the reader decode every field block it
 *  completes with an HPACK decoder, in the same frameRead call; 0 or ERR_*. */
export function frameReaderAttachDecoder(h: i32, decoderHandle: i32): i32 {
  const r = readers.get(h);
  const d = decoders.get(decoderHandle);
  if (r === null || d === null) return ERR_BAD_HANDLE;
  r.attachDecoder(d);
  return 0;
}

/** frameReaderFree frees a frame reader; 0 or ERR_BAD_HANDLE. */
export function frameReaderFree(h: i32): i32 {
  return readers.remove(h) ? 0 : ERR_BAD_HANDLE;
}

/** frameReaderSetMaxFrameSize changes the reader's largest accepted payload (from the next frame header on); 0 or ERR_*. */
export function frameReaderSetMaxFrameSize(h: i32, n: i32): i32 {
  const r = readers.get(h);
  if (r === null) return ERR_BAD_HANDLE;
  return r.setMaxFrameSize(n);
}

/** frameRead feeds ioIn[0..len) to the reader; the number of records in ioRecords, or ERR_*. */
export function frameRead(h: i32, len: i32): i32 {
  const r = readers.get(h);
  if (r === null) return ERR_BAD_HANDLE;
  return r.read(len);
}

/** frameWrite writes `count` command records from ioRecords as frames into ioOut; the byte count or ERR_*. */
export function frameWrite(count: i32): i32 {
  return writeFrames(count);
}

// ---------------------------------------------------------------------------
// Flow control (RFC 9113 §5.2, §6.9): one FlowControl per connection, see
// assembly/flow/control.ts. h is a handle from flowNew; a stream is named by
// (slot, streamId), slot from flowOpen, and a stale pair is ERR_BAD_HANDLE.
// Windows are i32 and may be negative; lengths and increments are >= 0.
//
// Results that need two numbers: flowConsumed returns the stream increment
// and leaves the connection increment for flowLastConnectionIncrement(h);
// an ERR_FLOW_CONTROL's scope (0 = connection error, else a stream error on
// that stream) is read with flowLastErrorStream(h). Connection errors
// (ERR_FLOW_CONTROL scoped 0, ERR_SETTINGS_WINDOW) are sticky: later calls
// that change windows return ERR_BAD_STATE.

/** flowNew makes a connection's flow control with our initial window size in force (65535 until our SETTINGS says otherwise); returns a handle or ERR_*. */
export function flowNew(localInitialWindow: i32): i32 {
  return newFlow(localInitialWindow);
}

/** flowFree drops a connection's flow control; 0 or ERR_BAD_HANDLE. */
export function flowFree(h: i32): i32 {
  return freeFlow(h);
}

/** flowSetConnectionTarget sets the size the connection receive window is kept at; returns the stream-0 WINDOW_UPDATE increment to send now (>= 0) or ERR_*. */
export function flowSetConnectionTarget(h: i32, target: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.setConnectionTarget(target);
}

/** flowSetLocalInitialWindow applies our new initial window size to open streams' receive windows; 0 or ERR_*. */
export function flowSetLocalInitialWindow(h: i32, value: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.setLocalInitialWindow(value);
}

/** flowSetPeerInitialWindow applies the peer's SETTINGS_INITIAL_WINDOW_SIZE to open streams' send windows; returns how many went from <= 0 to > 0, or ERR_*. */
export function flowSetPeerInitialWindow(h: i32, value: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.setPeerInitialWindow(value);
}

/** flowOpen starts the windows of a stream; returns its slot or ERR_*. */
export function flowOpen(h: i32, streamId: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.open(streamId);
}

/** flowClose ends a stream's windows; returns the stream-0 WINDOW_UPDATE increment to send now (>= 0) or ERR_*. */
export function flowClose(h: i32, slot: i32, streamId: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.close(slot, streamId);
}

/** flowDataReceived charges a DATA frame's whole payload length to the connection and the stream; 0 or ERR_*. */
export function flowDataReceived(h: i32, slot: i32, streamId: i32, length: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.dataReceived(slot, streamId, length);
}

/** flowDataDiscarded charges DATA for a closed or reset stream to the connection only; returns the stream-0 increment to send now (>= 0) or ERR_*. */
export function flowDataDiscarded(h: i32, length: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.dataDiscarded(length);
}

/** flowConsumed records n body bytes consumed by the application; returns the stream WINDOW_UPDATE increment to send now (>= 0) or ERR_*. */
export function flowConsumed(h: i32, slot: i32, streamId: i32, n: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.consumed(slot, streamId, n);
}

/** flowLastConnectionIncrement returns the stream-0 WINDOW_UPDATE increment produced by the latest call on h that may change a
 *  window (every flow* call but flowSendAllowance, flowSnapshot and these getters); 0 if it produced none. */
export function flowLastConnectionIncrement(h: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.connectionIncrement;
}

/** flowLastErrorStream returns the scope of h's latest flow-control error: 0 for the connection, a stream id, or -1 if none. */
export function flowLastErrorStream(h: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.errorStream;
}

/** flowSendAllowance returns how many DATA payload bytes the next frame on a stream may carry: min(want, both send windows, maxFrameSize), >= 0, or ERR_*. */
export function flowSendAllowance(h: i32, slot: i32, streamId: i32, want: i32, maxFrameSize: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.allowance(slot, streamId, want, maxFrameSize);
}

/** flowDataSent debits n sent DATA payload bytes from the stream and connection send windows; 0 or ERR_*. */
export function flowDataSent(h: i32, slot: i32, streamId: i32, n: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.sent(slot, streamId, n);
}

/** flowWindowUpdateReceived credits a peer's WINDOW_UPDATE (streamId 0: the connection; slot ignored); FLOW_WOKEN, 0 or ERR_*. */
export function flowWindowUpdateReceived(h: i32, slot: i32, streamId: i32, increment: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.windowUpdateReceived(slot, streamId, increment);
}

/** flowSnapshot writes the windows of a stream (or of the connection, streamId 0) into records[at..] (FLOW_SNAP_* layout); 0 or ERR_*. */
export function flowSnapshot(h: i32, slot: i32, streamId: i32, at: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  if (at < 0) return ERR_BAD_ARGUMENT;
  if (!reserveRecords(at + FLOW_SNAPSHOT_WORDS, ioRecords.length)) return ERR_OUT_OF_MEMORY;
  return f.snapshot(slot, streamId, ioRecords, at);
}

/** flowStreamCapacity returns how many stream slots h has room for now (memory use grows with it). */
export function flowStreamCapacity(h: i32): i32 {
  const f = flowAt(h);
  if (f == null) return ERR_BAD_HANDLE;
  return f.streams.capacity;
}
