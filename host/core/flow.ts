// FlowControl: the host's face of a connection's flow-control windows in the
// core (assembly/flow/). The windows are kept by the two batched calls and
// nothing else (docs/abi.md, "Flow control in the read and flush calls"):
//
//   read   attach() the flow to the connection's frame reader once; every
//          frameRead then charges DATA, credits WINDOW_UPDATE, applies the
//          peer's SETTINGS and opens the slots of streams the peer opens,
//          reporting what the host must know in its records.
//   flush  queue commands (open, close, consumed, SETTINGS sent, DATA
//          demands in scheduler order) and run them with flush(), one core
//          call: it returns the grants, with the DATA frame headers and the
//          owed WINDOW_UPDATE frames written into the core's `out` buffer.
//
// Commands are queued in a host-side array and copied into the core's
// `records` buffer by flush(), so queueing costs no core call and survives
// other calls (a frameRead reuses `records`) in between.

import {
  FLOW_CMD_WORDS, FCMD_TYPE, FCMD_STREAM, FCMD_VALUE, FCMD_CAP, FCMD_FLAGS, FCMD_RESULT, FCMD_FRAMES, FCMD_OUT,
  FLOW_CMD_OPEN, FLOW_CMD_CLOSE, FLOW_CMD_CONSUMED, FLOW_CMD_SETTINGS_SENT, FLOW_CMD_PEER_MAX_FRAME_SIZE,
  FLOW_CMD_CONNECTION_TARGET, FLOW_CMD_DEMAND, FLOW_DEMAND_END_STREAM, FLOW_GRANT_END_STREAM,
  FLOW_GRANT_STREAM_BLOCKED, FLOW_GRANT_CONNECTION_BLOCKED, FLOW_POSITION_SERVER, FLOW_POSITION_CLIENT,
  FLOW_SNAP_SEND, FLOW_SNAP_RECV, FLOW_SNAP_HELD, FLOW_SNAP_TARGET, FLOW_SNAPSHOT_WORDS,
  STATUS_FLUSH_UPDATES, FRAME_HEADER_SIZE, DEFAULT_INITIAL_WINDOW_SIZE, MAX_WINDOW_SIZE,
} from '../../assembly/abi.js';
import type { CoreBinding } from './binding.js';
import { CoreContext } from './context.js';
import { errorReason } from './errors.js';

export type FlowPosition = 'server' | 'client';

export interface FlowControlOptions {
  /** The owner promises to call close(): no collector safety net. */
  untracked?: boolean;
  /** Our initial window size in force at the start (65535 until our SETTINGS is ACKed). */
  localInitialWindow?: number;
}

/** Windows is a snapshot of one stream's or the connection's windows (diagnostics and tests). */
export interface Windows {
  /** Send window (the peer's credit); a stream's may be negative (RFC 9113 §6.9.2). */
  send: number;
  /** Receive window as the peer sees it once owed WINDOW_UPDATEs are written. */
  recv: number;
  /** Bytes received and not yet consumed. */
  held: number;
  /** Our initial window size (a stream), or the connection target (stream 0). */
  target: number;
}

/** FlowError is a flush the core refused as a whole (a bad handle, or the flow failed earlier). */
export class FlowError extends Error {
  override name = 'FlowError';
  constructor(readonly result: number) {
    super(`h2wasm: flow-control flush failed (${errorReason(result)})`);
  }
}

const INITIAL_COMMANDS = 8;
/** NO_COMMANDS stands for the command list of a flow control with none queued and none made yet. */
const NO_COMMANDS = new Int32Array(0);

/** FlowControl wraps one connection's FlowControl in the core. */
export class FlowControl extends CoreContext {
  /** Commands queued for the next flush; made on the first, dropped by release() when idle. */
  private cmds = NO_COMMANDS;
  private count = 0;
  /** The result of the latest flush(), reused. */
  private readonly result: FlushResult;

  constructor(binding: CoreBinding, options: FlowControlOptions = {}) {
    const local = options.localInitialWindow ?? DEFAULT_INITIAL_WINDOW_SIZE;
    if (!Number.isInteger(local) || local < 0 || local > MAX_WINDOW_SIZE) {
      throw new RangeError(`h2wasm: localInitialWindow must be an integer from 0 to 2^31-1, not ${String(local)}`);
    }
    const h = binding.x.flowNew(local);
    if (h < 0) throw new RangeError(`h2wasm: cannot make a flow control (${errorReason(h)})`);
    super(binding, h, binding.x.flowFree, options.untracked === true);
    this.result = new FlushResult(binding);
  }

  /** attach makes the frame reader behind readerHandle keep these windows in every frameRead.
   *  position: 'server' (the peer opens odd streams with HEADERS) or 'client'. */
  attach(readerHandle: number, position: FlowPosition): void {
    const p = position === 'client' ? FLOW_POSITION_CLIENT : FLOW_POSITION_SERVER;
    const r = this.binding.x.frameReaderAttachFlow(readerHandle, this.handle, p);
    if (r < 0) throw new TypeError(`h2wasm: cannot attach flow control to that reader (${errorReason(r)})`);
  }

  // ------------------------------------------------------------ commands

  /** streamOpened: we opened streamId (a client's request, a pushed stream we accept). */
  streamOpened(streamId: number): number {
    return this.push(FLOW_CMD_OPEN, streamId, 0, 0, 0);
  }

  /** streamClosed: streamId is done (closed, reset, refused); its slot is freed and its unconsumed
   *  bytes go back to the connection. */
  streamClosed(streamId: number): number {
    return this.push(FLOW_CMD_CLOSE, streamId, 0, 0, 0);
  }

  /** consumed: the application took n body bytes of streamId (owes WINDOW_UPDATEs by the policy). */
  consumed(streamId: number, n: number): number {
    return this.push(FLOW_CMD_CONSUMED, streamId, n, 0, 0);
  }

  /** settingsSent: we are sending a SETTINGS frame carrying this SETTINGS_INITIAL_WINDOW_SIZE (-1:
   *  none). Flush it no later than the frame is written: the reader applies the value when it reads
   *  the frame's ACK, so DATA after the ACK is charged under it. */
  settingsSent(initialWindow = -1): number {
    return this.push(FLOW_CMD_SETTINGS_SENT, 0, initialWindow, 0, 0);
  }

  /** peerMaxFrameSize: split DATA at this size (the reader applies the peer's SETTINGS itself). */
  peerMaxFrameSize(value: number): number {
    return this.push(FLOW_CMD_PEER_MAX_FRAME_SIZE, 0, value, 0, 0);
  }

  /** connectionTarget: keep the connection receive window at this size (a raise is owed at once). */
  connectionTarget(value: number): number {
    return this.push(FLOW_CMD_CONNECTION_TARGET, 0, value, 0, 0);
  }

  /** demand asks to send up to `want` bytes on streamId (at most `cap`, -1 for none); endStream: they
   *  are the rest of the body. Returns the command's index, for the FlushResult. */
  demand(streamId: number, want: number, endStream: boolean, cap = -1): number {
    return this.push(FLOW_CMD_DEMAND, streamId, want, cap, endStream ? FLOW_DEMAND_END_STREAM : 0);
  }

  /** release drops the command list when nothing is queued (an idle connection keeps none). */
  release(): void {
    if (this.count === 0) this.cmds = NO_COMMANDS;
  }

  /** queued is the number of commands waiting for flush(). */
  get queued(): number {
    return this.count;
  }

  /** flush runs the queued commands in one core call. The result (and the bytes
   *  it points at) is valid until the next call into the core. */
  flush(): FlushResult {
    if (this.closed) throw new Error('h2wasm: flow control is closed');
    const b = this.binding;
    const n = this.count;
    this.count = 0;
    b.reserveRecords(n * FLOW_CMD_WORDS);
    b.records.set(this.cmds.subarray(0, n * FLOW_CMD_WORDS), 0);
    const bytes = b.x.flowFlush(this.handle, n);
    b.sync();
    if (bytes < 0) throw new FlowError(bytes);
    this.result.reset(n, bytes);
    return this.result;
  }

  /** windows returns the windows of streamId (0: the connection), or null if no slot has it. */
  windows(streamId: number): Windows | null {
    const b = this.binding;
    b.reserveRecords(FLOW_SNAPSHOT_WORDS);
    const r = b.x.flowSnapshot(this.handle, streamId === 0 ? 0 : -1, streamId, 0);
    b.sync();
    if (r < 0) return null;
    const w = b.records;
    return { send: w[FLOW_SNAP_SEND], recv: w[FLOW_SNAP_RECV], held: w[FLOW_SNAP_HELD], target: w[FLOW_SNAP_TARGET] };
  }

  private push(type: number, stream: number, value: number, cap: number, flags: number): number {
    const i = this.count;
    let cmds = this.cmds;
    if ((i + 1) * FLOW_CMD_WORDS > cmds.length) {
      const next = new Int32Array(Math.max(INITIAL_COMMANDS * FLOW_CMD_WORDS, cmds.length * 2));
      next.set(cmds, 0);
      this.cmds = cmds = next;
    }
    const base = i * FLOW_CMD_WORDS;
    cmds[base + FCMD_TYPE] = type;
    cmds[base + FCMD_STREAM] = stream;
    cmds[base + FCMD_VALUE] = value;
    cmds[base + FCMD_CAP] = cap;
    cmds[base + FCMD_FLAGS] = flags;
    this.count = i + 1;
    return i;
  }
}

/** FlushResult reads the results of one flush() out of the core's buffers (no copies). */
export class FlushResult {
  /** commands is how many commands the flush ran. */
  commands = 0;
  /** bytes is how many octets the flush wrote into `out`: DATA headers, then WINDOW_UPDATE frames. */
  bytes = 0;
  /** updatesAt is where the WINDOW_UPDATE frames (13 octets each) start in `out`. */
  updatesAt = 0;

  constructor(private readonly binding: CoreBinding) {}

  /** reset points the result at a new flush. */
  reset(commands: number, bytes: number): void {
    this.commands = commands;
    this.bytes = bytes;
    this.updatesAt = this.binding.statusWord(STATUS_FLUSH_UPDATES);
  }

  /** result is command i's result: 0 / bytes granted (a demand), or a negative ERR_* value. */
  result(i: number): number {
    return this.binding.records[i * FLOW_CMD_WORDS + FCMD_RESULT];
  }

  /** granted is the bytes granted to demand i (0 when it failed). */
  granted(i: number): number {
    return Math.max(0, this.result(i));
  }

  /** frames is the number of DATA frames of demand i. */
  frames(i: number): number {
    return this.binding.records[i * FLOW_CMD_WORDS + FCMD_FRAMES];
  }

  /** headerAt is the offset in `out` of the header of demand i's frame k (9 octets). */
  headerAt(i: number, k = 0): number {
    return this.binding.records[i * FLOW_CMD_WORDS + FCMD_OUT] + k * FRAME_HEADER_SIZE;
  }

  /** frameHeader is demand i's frame k header, a view into `out`. */
  frameHeader(i: number, k: number): Uint8Array {
    const at = this.headerAt(i, k);
    return this.binding.out.subarray(at, at + FRAME_HEADER_SIZE);
  }

  /** frameLength is the payload length of demand i's frame k: every frame is full but the last. */
  frameLength(i: number, k: number): number {
    const out = this.binding.out;
    const at = this.headerAt(i, k);
    return (out[at] << 16) | (out[at + 1] << 8) | out[at + 2];
  }

  /** endStream reports whether demand i's last frame carries END_STREAM. */
  endStream(i: number): boolean {
    return (this.flags(i) & FLOW_GRANT_END_STREAM) !== 0;
  }

  /** streamBlocked reports whether demand i got less than it asked (within its cap) and its stream window is spent. */
  streamBlocked(i: number): boolean {
    return (this.flags(i) & FLOW_GRANT_STREAM_BLOCKED) !== 0;
  }

  /** connectionBlocked reports whether demand i got less than it asked (within its cap) and the connection window is spent. */
  connectionBlocked(i: number): boolean {
    return (this.flags(i) & FLOW_GRANT_CONNECTION_BLOCKED) !== 0;
  }

  /** windowUpdates is the WINDOW_UPDATE frames owed, ready to write: a view into `out`. */
  windowUpdates(): Uint8Array {
    return this.binding.out.subarray(this.updatesAt, this.bytes);
  }

  private flags(i: number): number {
    return this.binding.records[i * FLOW_CMD_WORDS + FCMD_FLAGS];
  }
}
