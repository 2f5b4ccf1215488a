// flushFlow: the send side of flow control, one call per write flush.
//
// The host writes FLOW_CMD_* commands into ioRecords (8 words each, layout in
// abi.ts); they run in order, each result written into the command's own
// record. DATA demands come in scheduler order and each sees the windows the
// earlier grants left. Into ioOut, from offset 0, go the 9-octet headers of
// every granted DATA frame (back to back per demand, in command order), then
// every WINDOW_UPDATE frame owed to the peer: the ones the policy announced
// in this call and those the reads since the last flush announced. The host
// interleaves its payload chunks between the DATA headers, so payloads never
// enter the core.
//
// A grant is a commitment: its bytes are debited from the send windows now,
// so the host must send exactly those frames, whole, before the next flush's.

import {
  FCMD_TYPE, FCMD_STREAM, FCMD_VALUE, FCMD_CAP, FCMD_FLAGS, FCMD_RESULT, FCMD_FRAMES, FCMD_OUT,
  FLOW_CMD_WORDS, FLOW_CMD_OPEN, FLOW_CMD_CLOSE, FLOW_CMD_CONSUMED, FLOW_CMD_SETTINGS_SENT,
  FLOW_CMD_PEER_MAX_FRAME_SIZE, FLOW_CMD_CONNECTION_TARGET, FLOW_CMD_DEMAND,
  FLOW_DEMAND_END_STREAM, FLOW_GRANT_END_STREAM, FLOW_GRANT_STREAM_BLOCKED, FLOW_GRANT_CONNECTION_BLOCKED,
  FRAME_DATA, FRAME_WINDOW_UPDATE, FRAME_HEADER_SIZE, FLAG_END_STREAM, STATUS_FLUSH_UPDATES,
  DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE,
  ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_BAD_STATE, ERR_OUT_OF_MEMORY,
} from '../abi';
import { ioOut, ioRecords, ioStatus, reserveOut } from '../io';
import { writeFrameHeader, writeU32 } from '../frame/header';
import { FlowControl } from './control';
import { minWindow } from './window';
import { S_HELD, S_SEND } from './streams';

/** WINDOW_UPDATE_FRAME_SIZE is a whole WINDOW_UPDATE frame: header and 4-octet increment. */
const WINDOW_UPDATE_FRAME_SIZE = FRAME_HEADER_SIZE + 4;

/** flushFlow runs count commands from ioRecords on flow; returns the bytes written to ioOut, or ERR_*. */
export function flushFlow(flow: FlowControl, count: i32): i32 {
  if (flow.bad) return ERR_BAD_STATE;
  if (count < 0 || count > i32(ioRecords.length / FLOW_CMD_WORDS)) return ERR_BAD_ARGUMENT;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    pos = runCommand(flow, i * FLOW_CMD_WORDS, pos);
    if (pos < 0) return pos;
    // A connection-level error in a command (our own window raise overflowing): the connection is done.
    if (flow.bad) return ERR_BAD_STATE;
  }
  ioStatus[STATUS_FLUSH_UPDATES] = pos;
  return writeOwed(flow, pos);
}

/** runCommand runs the command at ioRecords[base..]; the new ioOut position or ERR_OUT_OF_MEMORY. */
function runCommand(flow: FlowControl, base: i32, pos: i32): i32 {
  const r = ioRecords;
  const cmd = r[base + FCMD_TYPE];
  const stream = r[base + FCMD_STREAM];
  const value = r[base + FCMD_VALUE];
  r[base + FCMD_FRAMES] = 0;
  r[base + FCMD_OUT] = pos;
  if (cmd == FLOW_CMD_DEMAND) return demand(flow, base, pos);
  let result = 0;
  if (cmd == FLOW_CMD_OPEN) {
    const slot = flow.open(stream);
    result = slot < 0 ? slot : 0;
  } else if (cmd == FLOW_CMD_CLOSE) {
    const at = flow.streams.findId(stream);
    if (at < 0) result = ERR_BAD_HANDLE;
    else {
      const r = flow.closeAt(at);
      if (r < 0) result = r;
      else flow.owe(-1, 0, r);
    }
  } else if (cmd == FLOW_CMD_CONSUMED) {
    const at = flow.streams.findId(stream);
    if (at < 0) result = ERR_BAD_HANDLE;
    else if (value < 0 || value > flow.streams.get(at, S_HELD)) result = ERR_BAD_ARGUMENT;
    else {
      const r = flow.consumedAt(at, value);
      if (r < 0) result = r;
      else {
        flow.owe(at, stream, r);
        flow.owe(-1, 0, flow.connectionIncrement);
      }
    }
  } else if (cmd == FLOW_CMD_SETTINGS_SENT) {
    result = flow.settingsSent(value);
  } else if (cmd == FLOW_CMD_PEER_MAX_FRAME_SIZE) {
    if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) result = ERR_BAD_ARGUMENT;
    else flow.sendMaxFrameSize = value;
  } else if (cmd == FLOW_CMD_CONNECTION_TARGET) {
    const r = flow.setConnectionTarget(value);
    if (r < 0) result = r;
    else flow.owe(-1, 0, r);
  } else {
    result = ERR_BAD_ARGUMENT;
  }
  r[base + FCMD_RESULT] = result;
  return pos;
}

/**
 * demand grants what the windows allow of one DATA demand and writes the
 * headers of its frames at ioOut[pos..]; returns the new position, or
 * ERR_OUT_OF_MEMORY.
 */
function demand(flow: FlowControl, base: i32, pos: i32): i32 {
  const r = ioRecords;
  const stream = r[base + FCMD_STREAM];
  const want = r[base + FCMD_VALUE];
  const cap = r[base + FCMD_CAP];
  const inFlags = r[base + FCMD_FLAGS] & FLOW_DEMAND_END_STREAM;
  r[base + FCMD_FLAGS] = inFlags;
  if (want < 0) {
    r[base + FCMD_RESULT] = ERR_BAD_ARGUMENT;
    return pos;
  }
  const at = flow.streams.findId(stream);
  if (at < 0) {
    r[base + FCMD_RESULT] = ERR_BAD_HANDLE;
    return pos;
  }
  const limit = cap >= 0 ? minWindow(want, cap) : want;
  const streamWindow = flow.streams.get(at, S_SEND);
  const connectionWindow = flow.sendWindow;
  // RFC 9113 §6.9.1: "The sender MUST NOT send a flow-controlled frame with a
  // length that exceeds the space available in either of the flow-control
  // windows advertised by the receiver." Windows may be negative (§6.9.2).
  let grant = minWindow(limit, minWindow(streamWindow, connectionWindow));
  if (grant < 0) grant = 0;
  // END_STREAM goes on the last frame once the whole rest of the body is
  // granted; an empty DATA frame with END_STREAM needs no window ("Frames
  // with zero length with the END_STREAM flag set ... can be sent if there is
  // no available space in either flow-control window.").
  const end = (inFlags & FLOW_DEMAND_END_STREAM) != 0 && grant == want;
  const maxFrame = flow.sendMaxFrameSize;
  const frames = grant == 0 ? (end ? 1 : 0) : i32((grant - 1) / maxFrame) + 1;
  // Debug builds only (docs/architecture.md, "Invariants"): no grant past a send window.
  assert(grant == 0 || (grant <= streamWindow && grant <= connectionWindow), 'flow: grant past a send window');
  if (!reserveOut(pos + frames * FRAME_HEADER_SIZE, pos)) return ERR_OUT_OF_MEMORY;
  flow.streams.set(at, S_SEND, streamWindow - grant);
  flow.sendWindow = connectionWindow - grant;
  let outFlags = inFlags;
  if (end) outFlags |= FLOW_GRANT_END_STREAM;
  if (grant < limit) {
    if (streamWindow - grant <= 0) outFlags |= FLOW_GRANT_STREAM_BLOCKED;
    if (connectionWindow - grant <= 0) outFlags |= FLOW_GRANT_CONNECTION_BLOCKED;
  }
  const out = ioOut;
  let left = grant;
  for (let k = 0; k < frames; k++) {
    const n = left < maxFrame ? left : maxFrame;
    left -= n;
    pos = writeFrameHeader(out, pos, n, FRAME_DATA, end && k == frames - 1 ? FLAG_END_STREAM : 0, stream);
  }
  r[base + FCMD_FLAGS] = outFlags;
  r[base + FCMD_RESULT] = grant;
  r[base + FCMD_FRAMES] = frames;
  return pos;
}

/** writeOwed writes one WINDOW_UPDATE frame per owed entry still due at ioOut[pos..] and empties the list; the new position or ERR_*. */
function writeOwed(flow: FlowControl, pos: i32): i32 {
  const n = flow.owedCount;
  if (!reserveOut(pos + n * WINDOW_UPDATE_FRAME_SIZE, pos)) return ERR_OUT_OF_MEMORY;
  const out = ioOut;
  for (let i = 0; i < n; i++) {
    const increment = flow.owedStillDue(i);
    if (increment <= 0) continue;
    pos = writeFrameHeader(out, pos, 4, FRAME_WINDOW_UPDATE, 0, flow.owedStream(i));
    pos = writeU32(out, pos, increment);
  }
  flow.clearOwed();
  return pos;
}
