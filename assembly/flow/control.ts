// FlowControl: the flow-control windows of one connection (RFC 9113 §5.2,
// §6.9) and of its open streams.
//
// Two directions, each at two levels:
//   send     how much we may still send: the peer's credit. Streams start at
//            the peer's SETTINGS_INITIAL_WINDOW_SIZE, the connection at 65535.
//            allowance() bounds every DATA frame we write, sent() debits it,
//            WINDOW_UPDATE frames from the peer refill it.
//   receive  how much the peer may still send us. Streams start at our own
//            initial window size, the connection at 65535. DATA debits it;
//            it is refilled with WINDOW_UPDATE frames as the application
//            consumes (not as bytes arrive), by the policy in flow/window.ts.
//
// Receive-side bookkeeping, per stream and for the connection:
//   recv         the window as the peer sees it
//   held         bytes received and not yet consumed by the application
//   unannounced  bytes consumed and not yet given back; not stored, it is
//                target - recv - held, where the target is our initial window
//                size for a stream and the connection target for stream 0.
// DATA moves bytes from recv to held, consumption from held to unannounced,
// and a WINDOW_UPDATE we send from unannounced back to recv. A change of our
// initial window size moves recv and the target together, so unannounced is
// unchanged.
//
// Bounds that keep every sum in 32 bits (so WebAssembly and JS agree):
//   - a window never exceeds 2^31-1: every increase is checked first;
//   - a window never drops below -(2^31-1): a send window is >= 0 after each
//     send, and later only SETTINGS deltas lower it, which shift the window
//     and the initial size together, so window >= initial_now - initial_then
//     >= -(2^31-1). The receive side is the mirror image (held + unannounced
//     never exceeds the target they were received under);
//   - held and unannounced are >= 0 and at most 2^31-1 for the same reason.
//
// The batched calls (the frame reader with this FlowControl attached, and
// flowFlush in flow/flush.ts) name streams by id (StreamTable.findId), keep
// the WINDOW_UPDATEs owed to the peer in a list until the flush writes them
// (owe), and give a stream the peer has ended no more credit (remoteEndedAt).
//
// Errors: a connection error (ERR_FLOW_CONTROL with errorStream 0, or
// ERR_SETTINGS_WINDOW) leaves the FlowControl in a sticky bad state: every
// later mutating call returns ERR_BAD_STATE (STYLE habit 2). A stream error
// (ERR_FLOW_CONTROL with errorStream = that stream) changes no stream window;
// the host resets the stream and closes its slot.

import {
  DEFAULT_INITIAL_WINDOW_SIZE, ERR_BAD_ARGUMENT, ERR_BAD_STATE, ERR_FLOW_CONTROL,
  ERR_SETTINGS_WINDOW, FLOW_SNAPSHOT_WORDS, FLOW_SNAP_HELD, FLOW_SNAP_RECV, FLOW_SNAP_SEND,
  FLOW_SNAP_TARGET, FLOW_WOKEN,
} from '../abi';
import { announceable, exceedsMaxWindow, minWindow, wakes } from './window';
import { StreamTable, STREAM_WORDS, S_HELD, S_ID, S_OWED_AT, S_RECV, S_REMOTE_ENDED, S_SEND } from './streams';
import { DEFAULT_MAX_FRAME_SIZE, ERR_BAD_HANDLE, MAX_WINDOW_SIZE } from '../abi';

/** OWED_WORDS: an owed-list entry is (slot, stream id, increment); slot -1 for the connection. */
const OWED_WORDS = 3;

/** NO_ERROR_STREAM is errorStream before any flow-control error. */
export const NO_ERROR_STREAM = -1;

/** FlowControl holds the windows of one connection and its open streams. */
export class FlowControl {
  /** sendWindow is the connection send window. */
  sendWindow: i32 = DEFAULT_INITIAL_WINDOW_SIZE;
  /** recvWindow is the connection receive window. */
  recvWindow: i32 = DEFAULT_INITIAL_WINDOW_SIZE;
  /** recvHeld counts received, unconsumed bytes over all open streams. */
  recvHeld: i32 = 0;
  /** recvTarget is the size the connection receive window is refilled to. */
  recvTarget: i32 = DEFAULT_INITIAL_WINDOW_SIZE;
  /** peerInitialWindow is the peer's SETTINGS_INITIAL_WINDOW_SIZE: new streams' send window. */
  peerInitialWindow: i32 = DEFAULT_INITIAL_WINDOW_SIZE;
  /** localInitialWindow is our initial window size in force: new streams' receive window and target. */
  localInitialWindow: i32;
  streams: StreamTable = new StreamTable();
  /** bad reports whether a connection error happened (sticky). */
  bad: bool = false;
  /** errorStream is the scope of the latest ERR_FLOW_CONTROL: 0 for the connection, else the stream id. */
  errorStream: i32 = NO_ERROR_STREAM;
  /** connectionIncrement is the connection WINDOW_UPDATE increment produced by the latest call that may
   *  change a window (all but allowance and snapshot), 0 if none; every such call resets it first. */
  connectionIncrement: i32 = 0;

  // WINDOW_UPDATEs owed to the peer and not yet written, for the batched
  // calls: the reader and the flush add to it whenever the policy announces
  // an increment (the receive window is credited then), and flowFlush writes
  // one frame per entry and empties it. A stream has at most one entry
  // (S_OWED_AT) unless its sum would pass 2^31-1; an entry whose (slot, id)
  // no longer matches (the stream closed) is dropped, as a WINDOW_UPDATE for
  // a closed stream is pointless. The per-event exports (flowConsumed, ...)
  // return their increments and never touch the list.
  owed: Int32Array = new Int32Array(4 * OWED_WORDS);
  owedCount: i32 = 0;
  /** connectionOwedAt is 1 + the index of the connection's entry in owed, or 0. */
  connectionOwedAt: i32 = 0;
  /** settingsPending holds the initial window (or -1) of each SETTINGS frame we sent, oldest first, until its ACK is read. */
  settingsPending: Int32Array = new Int32Array(4);
  settingsCount: i32 = 0;
  /** sendMaxFrameSize is the peer's SETTINGS_MAX_FRAME_SIZE: flowFlush splits DATA at it. */
  sendMaxFrameSize: i32 = DEFAULT_MAX_FRAME_SIZE;

  constructor(localInitialWindow: i32) {
    this.localInitialWindow = localInitialWindow;
  }

  // ---------------------------------------------------------------- streams

  /** open starts the windows of streamId and returns its slot. */
  open(streamId: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    return this.streams.open(streamId, this.peerInitialWindow, this.localInitialWindow);
  }

  /**
   * close ends the windows of (slot, streamId). Bytes the stream held and the
   * application never consumed are given back to the connection (else they
   * would leak from the connection window for ever); returns the connection
   * increment to send now (>= 0).
   */
  close(slot: i32, streamId: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    const base = this.streams.find(slot, streamId);
    if (base < 0) return base;
    return this.closeAt(base);
  }

  /** remoteEndedAt records that the peer ended the stream whose slot is at base (END_STREAM read). */
  remoteEndedAt(base: i32): void {
    this.streams.set(base, S_REMOTE_ENDED, 1);
  }

  /** closeAt is close for the slot at base. */
  closeAt(base: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    this.recvHeld -= this.streams.get(base, S_HELD);
    this.streams.close(base);
    return this.replenishConnection();
  }

  // ---------------------------------------------------------------- receive

  /**
   * dataReceived charges a DATA frame's flow-controlled length (its whole
   * payload, padding included) to the connection and the stream. Returns 0,
   * or ERR_FLOW_CONTROL: a connection error if the connection window is
   * overrun, else a stream error if the stream window is.
   */
  dataReceived(slot: i32, streamId: i32, length: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (length < 0) return ERR_BAD_ARGUMENT;
    const base = this.streams.find(slot, streamId);
    if (base < 0) return base;
    return this.dataReceivedAt(base, streamId, length);
  }

  /** dataReceivedAt is dataReceived for the slot at base (from streams.find or findId). */
  dataReceivedAt(base: i32, streamId: i32, length: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (length < 0) return ERR_BAD_ARGUMENT;
    // RFC 9113 §6.9.1: "The entire DATA frame payload is included in flow
    // control, including the Pad Length and Padding fields if present."
    const err = this.chargeConnection(length);
    if (err < 0) return err;
    const recv = this.streams.get(base, S_RECV);
    if (length > 0 && length > recv) {
      // RFC 9113 §6.9: "A receiver that receives a flow-controlled frame MUST
      // always account for its contribution against the connection
      // flow-control window, unless the receiver treats this as a connection
      // error." The stream is in error, so its bytes are charged to the
      // connection and, as nobody will consume them, given back at once.
      this.replenishConnection();
      this.errorStream = streamId;
      return ERR_FLOW_CONTROL;
    }
    this.streams.set(base, S_RECV, recv - length);
    this.streams.set(base, S_HELD, this.streams.get(base, S_HELD) + length);
    this.recvHeld += length;
    return 0;
  }

  /**
   * dataDiscarded charges DATA that no open stream takes (its stream was
   * closed or reset) to the connection window and gives it back at once.
   * Returns the connection increment to send now (>= 0), or ERR_FLOW_CONTROL
   * (a connection error).
   */
  dataDiscarded(length: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (length < 0) return ERR_BAD_ARGUMENT;
    // RFC 9113 §5.1 (closed): "Flow-controlled frames (i.e., DATA) received
    // after sending RST_STREAM are counted toward the connection flow-control
    // window."
    const err = this.chargeConnection(length);
    if (err < 0) return err;
    return this.replenishConnection();
  }

  /**
   * consumed records that the application consumed n bytes of (slot,
   * streamId)'s body. Returns the stream WINDOW_UPDATE increment to send now
   * (>= 0); the connection increment is left in connectionIncrement. Bytes
   * the application never sees (a padded frame's Pad Length octet and
   * padding, a body nobody reads) are "consumed" by the host at once.
   */
  consumed(slot: i32, streamId: i32, n: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    const base = this.streams.find(slot, streamId);
    if (base < 0) return base;
    return this.consumedAt(base, n);
  }

  /** consumedAt is consumed for the slot at base. */
  consumedAt(base: i32, n: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    const held = this.streams.get(base, S_HELD);
    if (n < 0 || n > held) return ERR_BAD_ARGUMENT;
    this.streams.set(base, S_HELD, held - n);
    this.recvHeld -= n;
    const recv = this.streams.get(base, S_RECV);
    // recv + held is in [-(2^31-1), 2^31-1] and the difference is the
    // unannounced count, in [0, 2^31-1]: grouped so no step wraps. A stream
    // the peer has ended gets no more credit: it can send nothing on it
    // (RFC 9113 §5.1, half-closed (remote)), so a WINDOW_UPDATE would be wasted.
    const ended = this.streams.get(base, S_REMOTE_ENDED) != 0;
    const increment = ended ? 0 : announceable(this.localInitialWindow - (recv + (held - n)), this.localInitialWindow);
    this.streams.set(base, S_RECV, recv + increment);
    this.replenishConnection();
    return increment;
  }

  /**
   * setConnectionTarget sets the size the connection receive window is kept
   * at. The connection window starts at 65535 and only a WINDOW_UPDATE on
   * stream 0 can raise it (RFC 9113 §6.9.2: "The connection flow-control
   * window can only be changed using WINDOW_UPDATE frames."), so a raise is
   * announced at once: returns the increment to send now (>= 0). A lower
   * target withholds later increments until the window falls below it.
   */
  setConnectionTarget(target: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (target < 0) return ERR_BAD_ARGUMENT;
    this.recvTarget = target;
    const unannounced = target - (this.recvWindow + this.recvHeld);
    if (unannounced <= 0) return 0;
    this.recvWindow += unannounced;
    this.connectionIncrement = unannounced;
    return unannounced;
  }

  /**
   * setLocalInitialWindow applies a new initial window size of ours to the
   * receive window of every open stream (RFC 9113 §6.9.2), and makes it the
   * window of streams opened later. Returns 0 or ERR_*.
   *
   * Call it when the peer acknowledges the SETTINGS frame carrying the value,
   * for a raise as for a cut: the peer applies a setting before it sends the
   * ACK (RFC 9113 §6.5.3), so every DATA frame sized by the new value arrives
   * after the ACK, and every frame sized by the old one before it.
   */
  setLocalInitialWindow(value: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (value < 0) return ERR_BAD_ARGUMENT;
    const err = this.shiftStreams(S_RECV, value - this.localInitialWindow);
    if (err < 0) return err;
    this.localInitialWindow = value;
    return 0;
  }

  // ------------------------------------------------------------------- send

  /**
   * allowance returns how many bytes of DATA payload may go into the next
   * frame on (slot, streamId): min(want, stream window, connection window,
   * maxFrameSize), never negative.
   */
  allowance(slot: i32, streamId: i32, want: i32, maxFrameSize: i32): i32 {
    if (this.bad) return ERR_BAD_STATE;
    if (want < 0 || maxFrameSize < 0) return ERR_BAD_ARGUMENT;
    const base = this.streams.find(slot, streamId);
    if (base < 0) return base;
    const n = minWindow(minWindow(want, maxFrameSize), minWindow(this.streams.get(base, S_SEND), this.sendWindow));
    return n > 0 ? n : 0;
  }

  /**
   * sent debits n bytes of DATA payload sent on (slot, streamId) from the
   * stream and the connection send windows. More than both windows allow is
   * refused with ERR_BAD_ARGUMENT and changes nothing: we must never make the
   * peer see a flow-control error.
   */
  sent(slot: i32, streamId: i32, n: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (n < 0) return ERR_BAD_ARGUMENT;
    const base = this.streams.find(slot, streamId);
    if (base < 0) return base;
    const send = this.streams.get(base, S_SEND);
    // RFC 9113 §6.9.1: "The sender MUST NOT send a flow-controlled frame with
    // a length that exceeds the space available in either of the flow-control
    // windows advertised by the receiver." An empty DATA frame always fits.
    if (n > 0 && (n > send || n > this.sendWindow)) return ERR_BAD_ARGUMENT;
    this.streams.set(base, S_SEND, send - n);
    this.sendWindow -= n;
    return 0;
  }

  /**
   * windowUpdateReceived credits a WINDOW_UPDATE from the peer: to the
   * connection send window when streamId is 0 (slot is then ignored), else to
   * (slot, streamId)'s. Returns FLOW_WOKEN (1) if the window went from <= 0 to > 0 (wake
   * its stalled senders), 0 otherwise, or ERR_FLOW_CONTROL when the window
   * would exceed 2^31-1: a connection error for stream 0, a stream error for
   * a stream. An increment of 0 is the frame reader's to reject; here it is a
   * no-op.
   */
  windowUpdateReceived(slot: i32, streamId: i32, increment: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (increment < 0) return ERR_BAD_ARGUMENT;
    if (streamId == 0) {
      const before = this.sendWindow;
      // RFC 9113 §6.9.1: "A sender MUST NOT allow a flow-control window to
      // exceed 2^31-1 octets. If a sender receives a WINDOW_UPDATE that causes
      // a flow-control window to exceed this maximum, it MUST terminate either
      // the stream or the connection, as appropriate."
      if (exceedsMaxWindow(before, increment)) return this.connectionError();
      this.sendWindow = before + increment;
      return wakes(before, this.sendWindow) ? FLOW_WOKEN : 0;
    }
    const base = this.streams.find(slot, streamId);
    if (base < 0) return base;
    return this.streamWindowUpdateAt(base, streamId, increment);
  }

  /** streamWindowUpdateAt is windowUpdateReceived for the stream whose slot is at base. */
  streamWindowUpdateAt(base: i32, streamId: i32, increment: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (increment < 0) return ERR_BAD_ARGUMENT;
    const before = this.streams.get(base, S_SEND);
    // RFC 9113 §6.9.1, as above: for a stream, terminate the stream.
    if (exceedsMaxWindow(before, increment)) {
      this.errorStream = streamId;
      return ERR_FLOW_CONTROL;
    }
    this.streams.set(base, S_SEND, before + increment);
    return wakes(before, before + increment) ? FLOW_WOKEN : 0;
  }

  /**
   * setPeerInitialWindow applies the peer's new SETTINGS_INITIAL_WINDOW_SIZE
   * to the send window of every open stream, and makes it the window of
   * streams opened later. Returns how many stream windows went from <= 0 to
   * > 0, ERR_SETTINGS_WINDOW for a value above 2^31-1 (as a u32 passed in an
   * i32, it arrives negative), or ERR_FLOW_CONTROL (a connection error) when
   * a window would exceed 2^31-1; both are connection errors.
   *
   * Call it while processing the peer's SETTINGS frame, before its ACK is sent.
   */
  setPeerInitialWindow(value: i32): i32 {
    this.connectionIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    // RFC 9113 §6.5.2: "Values above the maximum flow-control window size of
    // 2^31-1 MUST be treated as a connection error of type FLOW_CONTROL_ERROR."
    if (value < 0) {
      this.bad = true;
      this.errorStream = 0;
      return ERR_SETTINGS_WINDOW;
    }
    const woken = this.shiftStreams(S_SEND, value - this.peerInitialWindow);
    if (woken < 0) return woken;
    this.peerInitialWindow = value;
    return woken;
  }

  /**
   * settingsSent records that we are sending a SETTINGS frame carrying
   * SETTINGS_INITIAL_WINDOW_SIZE = value (-1: none); settingsAcked applies it
   * when its ACK is read. Returns 0 or ERR_BAD_ARGUMENT.
   */
  settingsSent(value: i32): i32 {
    if (value < -1) return ERR_BAD_ARGUMENT;
    const n = this.settingsCount;
    if (n >= this.settingsPending.length) {
      const next = new Int32Array(this.settingsPending.length << 1);
      next.set(this.settingsPending, 0);
      this.settingsPending = next;
    }
    this.settingsPending[n] = value;
    this.settingsCount = n + 1;
    return 0;
  }

  /**
   * settingsAcked takes the oldest SETTINGS frame we sent as acknowledged and
   * applies its initial window (RFC 9113 §6.5.3: "the values in the SETTINGS
   * frame MUST be processed in the order they appear" and the sender applies
   * them before it acknowledges, so every DATA frame sized by the new value
   * comes after the ACK). Returns 1 if our initial window was cut (the caller
   * then runs announceAt over the streams), 0 otherwise, or a connection error.
   */
  settingsAcked(): i32 {
    const n = this.settingsCount;
    if (n == 0) return 0; // an ACK of nothing we reported: the host's to judge
    const value = this.settingsPending[0];
    this.settingsPending.copyWithin(0, 1, n);
    this.settingsCount = n - 1;
    if (value < 0) return 0;
    const before = this.localInitialWindow;
    const r = this.setLocalInitialWindow(value);
    if (r < 0) return r;
    return value < before ? 1 : 0;
  }

  /**
   * announceAt credits the stream whose slot is at base with what the policy
   * announces now and returns the increment (the caller owes it), 0 for a
   * free slot or a stream the peer ended. A cut of our initial window calls
   * for it on every stream: the cut moves a stream's window and target
   * together, so its unannounced bytes stay as they were while the threshold
   * (half the target) drops, and bytes consumed before the cut may now be
   * due; with no further consumption to trigger them, the peer would stall.
   * (A raise, and any change of the connection target, never makes bytes due.)
   */
  announceAt(base: i32): i32 {
    const table = this.streams;
    if (table.get(base, S_ID) == 0 || table.get(base, S_REMOTE_ENDED) != 0) return 0;
    const target = this.localInitialWindow;
    const recv = table.get(base, S_RECV);
    const increment = announceable(target - (recv + table.get(base, S_HELD)), target);
    table.set(base, S_RECV, recv + increment);
    return increment;
  }

  // ------------------------------------------------------------------ owed

  /**
   * owe adds an announced increment to the WINDOW_UPDATEs the next flush
   * writes: for the stream whose slot is at base, or for the connection when
   * base is -1. The window was credited when the increment was announced, so
   * the peer's view only lags ours until the frame is written. Sums stay
   * within 2^31-1 per entry (RFC 9113 §6.9: the increment is a 31-bit field);
   * a sum that would pass it starts a second entry. The list grows by
   * doubling, so no frame allocates.
   */
  owe(base: i32, streamId: i32, increment: i32): void {
    if (increment <= 0) return;
    const at = base < 0 ? this.connectionOwedAt : this.streams.get(base, S_OWED_AT);
    if (at > 0) {
      const i = (at - 1) * OWED_WORDS + 2;
      const sum = this.owed[i];
      if (sum <= MAX_WINDOW_SIZE - increment) {
        this.owed[i] = sum + increment;
        return;
      }
    }
    const n = this.owedCount;
    if ((n + 1) * OWED_WORDS > this.owed.length) {
      const next = new Int32Array(this.owed.length << 1);
      next.set(this.owed, 0);
      this.owed = next;
    }
    const e = n * OWED_WORDS;
    this.owed[e] = base < 0 ? -1 : i32(base / STREAM_WORDS);
    this.owed[e + 1] = streamId;
    this.owed[e + 2] = increment;
    this.owedCount = n + 1;
    if (base < 0) this.connectionOwedAt = n + 1;
    else this.streams.set(base, S_OWED_AT, n + 1);
  }

  /** owedStillDue returns the increment of owed entry i if it is still to be written (its stream is open), else 0. */
  owedStillDue(i: i32): i32 {
    const e = i * OWED_WORDS;
    const slot = this.owed[e];
    const id = this.owed[e + 1];
    if (slot >= 0) {
      const base = this.streams.find(slot, id);
      if (base < 0) return 0;
      this.streams.set(base, S_OWED_AT, 0);
    }
    return this.owed[e + 2];
  }

  /** owedStream returns the stream id of owed entry i (0 for the connection). */
  owedStream(i: i32): i32 {
    return this.owed[i * OWED_WORDS + 1];
  }

  /** clearOwed empties the owed list once its frames are written. */
  clearOwed(): void {
    this.owedCount = 0;
    this.connectionOwedAt = 0;
    if (this.owed.length > 64 * OWED_WORDS) this.owed = new Int32Array(4 * OWED_WORDS);
  }

  // ------------------------------------------------------------ inspection

  /**
   * snapshot writes the windows of (slot, streamId), or of the connection
   * when streamId is 0, into out[at..at+FLOW_SNAPSHOT_WORDS) in the
   * FLOW_SNAP_* layout (abi.ts); slot -1 finds the stream by id. The caller
   * has made out long enough.
   */
  snapshot(slot: i32, streamId: i32, out: Int32Array, at: i32): i32 {
    if (at < 0 || at > out.length - FLOW_SNAPSHOT_WORDS) return ERR_BAD_ARGUMENT;
    if (streamId == 0) {
      out[at + FLOW_SNAP_SEND] = this.sendWindow;
      out[at + FLOW_SNAP_RECV] = this.recvWindow;
      out[at + FLOW_SNAP_HELD] = this.recvHeld;
      out[at + FLOW_SNAP_TARGET] = this.recvTarget;
      return 0;
    }
    // slot -1: by stream id alone (the batched calls name streams so).
    const base = slot < 0 && streamId > 0 ? this.streams.findId(streamId) : this.streams.find(slot, streamId);
    if (base < 0) return slot < 0 ? ERR_BAD_HANDLE : base;
    out[at + FLOW_SNAP_SEND] = this.streams.get(base, S_SEND);
    out[at + FLOW_SNAP_RECV] = this.streams.get(base, S_RECV);
    out[at + FLOW_SNAP_HELD] = this.streams.get(base, S_HELD);
    out[at + FLOW_SNAP_TARGET] = this.localInitialWindow;
    return 0;
  }

  // -------------------------------------------------------------- internals

  /** chargeConnection debits length from the connection receive window, or fails with a connection error. */
  private chargeConnection(length: i32): i32 {
    if (length > 0 && length > this.recvWindow) return this.connectionError();
    this.recvWindow -= length;
    return 0;
  }

  /** replenishConnection announces the connection's unannounced bytes if they reached the threshold; returns the increment. */
  private replenishConnection(): i32 {
    const increment = announceable(this.recvTarget - (this.recvWindow + this.recvHeld), this.recvTarget);
    this.recvWindow += increment;
    this.connectionIncrement = increment;
    return increment;
  }

  /**
   * shiftStreams adds delta to word `field` (S_SEND or S_RECV) of every open
   * stream. RFC 9113 §6.9.2: "A change to SETTINGS_INITIAL_WINDOW_SIZE can
   * cause the available space in a flow-control window to become negative."
   * and "An endpoint MUST treat a change to SETTINGS_INITIAL_WINDOW_SIZE that
   * causes any flow-control window to exceed the maximum size as a connection
   * error of type FLOW_CONTROL_ERROR." Every window is checked before any is
   * changed. Returns how many windows went from <= 0 to > 0, or a connection
   * error. The connection windows are not touched ("The connection
   * flow-control window can only be changed using WINDOW_UPDATE frames.").
   */
  private shiftStreams(field: i32, delta: i32): i32 {
    const table = this.streams;
    const end = table.used * STREAM_WORDS;
    if (delta > 0) {
      for (let base = 0; base < end; base += STREAM_WORDS) {
        if (table.get(base, S_ID) != 0 && exceedsMaxWindow(table.get(base, field), delta)) return this.connectionError();
      }
    }
    let woken = 0;
    for (let base = 0; base < end; base += STREAM_WORDS) {
      if (table.get(base, S_ID) == 0) continue;
      const before = table.get(base, field);
      table.set(base, field, before + delta);
      if (wakes(before, before + delta)) woken++;
    }
    return woken;
  }

  /** connectionError enters the sticky bad state and returns ERR_FLOW_CONTROL scoped to the connection. */
  private connectionError(): i32 {
    this.bad = true;
    this.errorStream = 0;
    return ERR_FLOW_CONTROL;
  }
}
