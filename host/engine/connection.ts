// Connection: one HTTP/2 connection (RFC 9113), in either position. The
// position-neutral engine is here; ServerConnection (server.ts) and
// ClientConnection (client.ts) are the two roles, as hyperium/h2's proto/
// with its Peer: they decide what a HEADERS means, which stream ids the peer
// may open, and what the connection preface is.
//
// Sans-I/O in the python-hyper/h2 sense: the transport hands it bytes
// (receive), it hands the transport bytes (Transport.write). In between:
//
//   receive ─▶ core frameRead (frames + HPACK + flow-control windows, one call per chunk) ─▶ records
//           ─▶ stream state table ─▶ the role's message checks ─▶ application
//   application ─▶ Stream.write/end (respond, request) ─▶ HEADERS now, DATA queued per stream
//   flush   ─▶ RFC 9218 scheduler: DATA demands in scheduler order ─▶ core flowFlush (one call:
//              grants, DATA frame headers, owed WINDOW_UPDATEs) ─▶ OutputBuffer ─▶ one Transport.write
//
// No window arithmetic is done here: the windows live in the core's FlowControl (host/core/flow.ts,
// docs/abi.md "Flow control in the read and flush calls").
//
// The invariants this file keeps are written down in docs/server.md ("Invariants").

import {
  REC_WORDS, REC_TYPE, REC_FLAGS, REC_STREAM, REC_LENGTH, REC_A, REC_B, REC_C,
  REC_STREAM_ERROR, REC_UNKNOWN, REC_CONNECTION_ERROR, REC_HEADERS_DECODED, REC_PUSH_PROMISE_DECODED,
  REC_WINDOW_UPDATE_OWED, REC_DATA_FIRST, REC_DATA_LAST, REC_DATA_UNTRACKED, REC_F_FLOW_OPENED, WU_WOKEN,
  FRAME_DATA, FRAME_HEADERS, FRAME_PRIORITY, FRAME_RST_STREAM, FRAME_SETTINGS, FRAME_PUSH_PROMISE,
  FRAME_PING, FRAME_GOAWAY, FRAME_WINDOW_UPDATE, FRAME_CONTINUATION, FRAME_PRIORITY_UPDATE,
  FLAG_END_STREAM, FLAG_ACK, FLAG_END_HEADERS, FRAME_HEADER_SIZE,
  FLOW_CMD_WORDS, FCMD_RESULT, FCMD_FRAMES, FCMD_FLAGS, FCMD_OUT,
  FLOW_GRANT_END_STREAM, FLOW_GRANT_STREAM_BLOCKED, FLOW_GRANT_CONNECTION_BLOCKED,
  SETTINGS_HEADER_TABLE_SIZE, SETTINGS_ENABLE_PUSH, SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE,
  SETTINGS_NO_RFC7540_PRIORITIES,
  DEFAULT_INITIAL_WINDOW_SIZE, DEFAULT_MAX_FRAME_SIZE, DEFAULT_HEADER_TABLE_SIZE,
  H2_NO_ERROR, H2_PROTOCOL_ERROR, H2_INTERNAL_ERROR, H2_SETTINGS_TIMEOUT,
  H2_STREAM_CLOSED, H2_REFUSED_STREAM, H2_CANCEL, H2_ENHANCE_YOUR_CALM,
  ERR_HEADER_BLOCK_TOO_LARGE,
} from '../../assembly/abi.js';
import { coarseNow, readClock } from './clock.js';
import type { Core } from '../core/core.js';
import type { FlowControl } from '../core/flow.js';
import { writeLatin1, type CoreBinding } from '../core/binding.js';
import { errorReason } from '../core/errors.js';
import type { FlatHeaderList, HpackDecoder, HpackEncoder, HeaderList } from '../core/hpack.js';
import { readSettings, type FrameDecoder } from '../core/frames.js';
import {
  transition, isState, STREAM_ERROR_BASE, CONNECTION_ERROR_BASE, NOT_ALLOWED,
  IDLE, CLOSED, canReceive,
  RECV_HEADERS, RECV_HEADERS_ES, RECV_DATA, RECV_DATA_ES, RECV_RST, RECV_WINDOW_UPDATE,
  SEND_HEADERS, SEND_HEADERS_ES, SEND_DATA, SEND_DATA_ES, SEND_RST, type StreamEvent, type StreamState,
} from './stream-state.js';
import { Stream, StreamResetError, type StreamOwner } from './stream.js';
import { checkTrailers, pairsOf } from './message-check.js';
import { OutputBuffer } from './writer.js';
import { startTicking, stopTicking, type Ticking } from './ticker.js';
import { RecentlyClosed, CLOSED_NORMALLY, RESET_BY_PEER, RESET_BY_US } from './closed-streams.js';
import { parsePriority, URGENCY_LEVELS } from './priority.js';
import type { ResolvedOptions } from './options.js';
import type { Transport } from './types.js';
import { errorCodeName } from './error-codes.js';
import { copyBytes } from '../bytes.js';
import { admission } from './admission.js';
import { StreamTable } from './stream-table.js';
import { codeSlot, type EngineMetrics, type GuardName } from './metrics.js';

/** CLIENT_PREFACE is what a client sends before its first frame (RFC 9113 §3.4). */
export const CLIENT_PREFACE = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** MAX_STREAM_ID is the largest stream identifier, 2^31-1; the first GOAWAY of a graceful shutdown carries it. */
export const MAX_STREAM_ID = 0x7fffffff;

/** STREAM_HIGH_WATER: a stream's write() waits while more than this is queued on it (its share of the connection cap). */
const STREAM_HIGH_WATER = 1 << 20;
/** WRITE_BATCH bounds the DATA framed into one socket write, so one stream cannot monopolise a flush. */
const WRITE_BATCH = 1 << 20;
/** MAX_QUEUED_CONTROL_FRAMES: answers (PING and SETTINGS ACKs) piled up unwritten beyond this mean a
 *  peer that sends without reading: GOAWAY ENHANCE_YOUR_CALM (CVE-2019-9512, -9515). nghttp2 uses 1000. */
const MAX_QUEUED_CONTROL_FRAMES = 1000;
/** MAX_EMPTY_FRAMES_PER_SECOND: empty DATA frames without END_STREAM cost us work and carry nothing (CVE-2019-9518). */
const MAX_EMPTY_FRAMES_PER_SECOND = 1000;
/** SHUTDOWN_PING_WAIT: how long the first GOAWAY of a graceful shutdown waits for the PING ack before the second one. */
const SHUTDOWN_PING_WAIT = 1000;
/** MAX_PENDING_PRIORITY_UPDATES bounds PRIORITY_UPDATE frames kept for streams not yet open (RFC 9218 §7.1). */
const MAX_PENDING_PRIORITY_UPDATES = 128;
/** MAX_INPUT_PER_TURN bounds the bytes one event-loop turn hands the core (at most 7,281 frames of
 *  9 octets): a larger chunk is read in turns, with reading paused in between (liveness invariant). */
const MAX_INPUT_PER_TURN = 64 * 1024;
/** MAX_DISCARDED_BODY: request body discarded after a complete response before we ask the peer to
 *  stop with RST_STREAM(NO_ERROR) (RFC 9113 §8.1). Below it the peer may finish its request cleanly. */
const MAX_DISCARDED_BODY = 64 * 1024;
/** STALL_PROGRESS: DATA sent (or socket bytes taken) that clears a window stall (Sōzu's rule), so a
 *  peer dripping 1-octet WINDOW_UPDATEs cannot hold a stream forever (CVE-2019-9511). */
const STALL_PROGRESS = 16 * 1024;

/** FLOW_CLOSE_BATCH: queued flow commands (closes, mostly) that make a flowFlush due on their own. Not
 *  lower: run alone, a round of closes would empty the core's slot table, which then shrinks and grows
 *  again with the next round of requests (measured at h2load -c100 -m100: +25 µs per read of 100). */
const FLOW_CLOSE_BATCH = 256;
const NO_BYTES = new Uint8Array(0);

/** FlushPlan is the scratch of one flushFlow: the streams in scheduler order, each with its DEMAND
 *  command's index (-1: trailers only), then the results and the frame headers copied out of the
 *  core's buffers. A flush uses it from start to end without yielding, so one serves every
 *  connection in the process (an idle connection holds none); a flush nested in another's (a
 *  callback that flushes a second connection) makes its own. */
class FlushPlan {
  /** How many demands are planned: the arrays keep their length between flushes (a store past the
   *  count replaces, and no flush truncates an array, which V8 does in its runtime). */
  n = 0;
  /** Cleared as each flush ends, so the shared plan holds no stream of any connection. */
  readonly streams: (Stream | null)[] = [];
  readonly cmds: number[] = [];
  readonly grant: number[] = [];
  readonly frames: number[] = [];
  readonly flags: number[] = [];
  readonly at: number[] = [];
  /** The flush's bytes (DATA frame headers, WINDOW_UPDATEs) copied out of the core's `out`. */
  bytes: Uint8Array = NO_BYTES;
}
/** sparePlan is the FlushPlan no flush is using, or null while one runs. */
let sparePlan: FlushPlan | null = new FlushPlan();
const SHUTDOWN_PING = new Uint8Array([0x68, 0x32, 0x77, 0x61, 0x73, 0x6d, 0x00, 0x01]);
const RESOLVED: Promise<void> = Promise.resolve();

const later: (f: () => void) => void =
  typeof setImmediate === 'function' ? (f) => { setImmediate(f); } : (f) => { setTimeout(f, 0); };


/** ConnectionEvents lets the owner (a server, a client session) follow a connection. */
export interface ConnectionEvents<C> {
  /** The connection is finished and its transport closed; called once. */
  closed?(connection: C): void;
}

/** Connection runs one HTTP/2 connection; a role (ServerConnection, ClientConnection) completes it. */
export abstract class Connection implements StreamOwner, Ticking {
  protected readonly binding: CoreBinding;
  protected readonly reader: FrameDecoder;
  protected readonly decoder: HpackDecoder;
  protected readonly encoder: HpackEncoder;
  protected readonly output = new OutputBuffer();

  protected readonly streams = new StreamTable<Stream>();
  /** Peer-initiated streams counted against our SETTINGS_MAX_CONCURRENT_STREAMS (open or half-closed). */
  protected peerActive = 0;
  /** Streams we opened, counted against the peer's SETTINGS_MAX_CONCURRENT_STREAMS. */
  protected localActive = 0;
  /** The next stream id we would open (a server never does: its even ids stay idle). */
  protected nextLocalStreamId: number;
  /** The highest stream id the peer has opened (the GOAWAY last-stream-id). */
  protected lastPeerStreamId = 0;
  protected readonly recentlyClosed = new RecentlyClosed();

  // Preface and settings.
  /** Octets of the client preface still expected (0 in the client position). */
  protected prefaceLeft: number;
  protected sawSettings = false;
  /** When our SETTINGS must have been acknowledged (ms), or 0. */
  protected settingsDeadline = 0;
  protected settingsUnacked = 0;

  // The peer's settings (its SETTINGS_INITIAL_WINDOW_SIZE and MAX_FRAME_SIZE are applied by the core's read too).
  /** The peer's SETTINGS_MAX_FRAME_SIZE: how we split field blocks, and an incremental stream's turn. */
  protected peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS: streams we may have open at once. */
  protected peerMaxConcurrentStreams = MAX_STREAM_ID;

  // Flow control (RFC 9113 §6.9): the windows and the WINDOW_UPDATE policy are the core's, kept by
  // frameRead (the flow is attached to the reader) and by one flowFlush per flush.
  protected readonly flow: FlowControl;
  /** The next flush must run flowFlush: a read reported WINDOW_UPDATEs owed (REC_WINDOW_UPDATE_OWED),
   *  or a queued command must reach the core soon (consumption, an open, our SETTINGS, a demand,
   *  the close of a slot holding bytes). A close alone waits for the next flush that runs it. */
  protected flowDue = false;
  /** The core's last grant fell short with the connection send window spent; a WINDOW_UPDATE on
   *  stream 0 with WU_WOKEN clears it. Streams waiting on it keep their places in the scheduler. */
  protected connBlocked = false;
  /** The flush being planned (flushFlow), while it runs: taken from the process's spare. */
  private plan: FlushPlan | null = null;

  // The writer.
  /** Bytes queued in stream output queues, not yet framed. */
  protected queuedBytes = 0;
  protected flushScheduled = false;
  protected transportBlocked = false;
  /** The scheduler's streams by urgency (made on first use: an idle connection has none). */
  protected buckets: Stream[][] | null = null;
  protected scheduledCount = 0;
  /** Streams whose writers wait for the backlog to drain (made on first use). */
  protected blockedWriters: Set<Stream> | null = null;
  protected queuedControl = 0;
  protected readingPaused = false;
  /** The transport is paused (backlog over the cap, input deferred to the next turn, or a connection error). */
  protected transportPaused = false;
  /** After a connection error nothing more is read: the peer's send blocks instead of us reading and
   *  discarding at line rate until the close deadline. */
  protected readingStopped = false;
  /** The input of the frameRead whose records are being walked, when its DATA payloads are handed
   *  out as views of it (see readFrames), and where the core's input buffer began in it. */
  private bodySource: Uint8Array | null = null;
  private bodySourceAt = 0;
  /** Input held back for the next turn (MAX_INPUT_PER_TURN), with reading paused meanwhile. */
  protected deferredInput: Uint8Array | null = null;
  /** When the transport last reported itself full with no progress since (ms), or 0. */
  protected blockedSince = 0;
  /** The transport's unsent bytes when blockedSince was last set. */
  protected blockedMark = 0;
  /** When the field block the core holds open began waiting for CONTINUATION (ms), or 0. */
  protected blockSince = 0;
  protected readonly metrics: EngineMetrics;

  // Guards.
  protected resetWindowStart = 0;
  protected resetsInWindow = 0;
  protected emptyWindowStart = 0;
  protected emptyInWindow = 0;
  /** PRIORITY_UPDATE values for streams not open yet (made on first use). */
  protected pendingPriority: Map<number, string> | null = null;

  // Shutdown.
  protected goawaySent = false;
  /** The last-stream-id of the final GOAWAY we sent; streams above it are refused. */
  protected goawayLastId = MAX_STREAM_ID;
  protected draining = false;
  /** When the final GOAWAY goes out even without the PING ack (ms), or 0. */
  protected shutdownDeadline = 0;
  protected peerGoaway = false;
  protected closing = false;
  /** When a closing connection is destroyed if its transport has not closed by then (ms), or 0. */
  protected closeDeadline = 0;
  /** transport.end() was called. */
  protected ended = false;
  protected finished = false;
  /** When the stream reaper runs next (ms). */
  protected nextSweep = 0;
  protected lastActivity = 0;
  protected flushTime = 0;

  constructor(
    core: Core,
    protected readonly transport: Transport,
    protected readonly options: ResolvedOptions,
    /** isServer: the position. Peer-initiated stream ids are odd for a server, even for a client (RFC 9113 §5.1.1). */
    readonly isServer: boolean,
  ) {
    this.binding = core.binding;
    const o = options;
    this.metrics = o.metrics;
    this.metrics.connectionsOpened++;
    // Until the peer acknowledges our SETTINGS it may use the default table size (RFC 9113 §6.5.3).
    // The connection closes its contexts itself (transportClosed), so they skip the collector's safety net.
    this.decoder = core.hpackDecoder({ maxTableSize: Math.max(o.headerTableSize, DEFAULT_HEADER_TABLE_SIZE), maxHeaderListSize: o.maxHeaderListSize, untracked: true });
    this.encoder = core.hpackEncoder({ untracked: true });
    // Until the peer acknowledges our SETTINGS its DATA is charged under the default initial window.
    this.flow = core.flowControl({ localInitialWindow: DEFAULT_INITIAL_WINDOW_SIZE, untracked: true });
    this.reader = core.frameDecoder({
      hpack: this.decoder, maxFrameSize: o.maxFrameSize, flow: this.flow, position: isServer ? 'server' : 'client', untracked: true,
    });
    this.prefaceLeft = isServer ? CLIENT_PREFACE.length : 0;
    this.nextLocalStreamId = isServer ? 2 : 1;
  }

  /** isPeerStreamId reports whether the peer would open stream id (RFC 9113 §5.1.1: "Streams initiated
   *  by a client MUST use odd-numbered stream identifiers; those initiated by the server MUST use
   *  even-numbered stream identifiers"). */
  protected isPeerStreamId(id: number): boolean {
    return ((id & 1) === 1) === this.isServer;
  }

  // ===========================================================================
  // What the role decides.

  /** prefaceBytes returns what this position sends first: a client the preface octets and SETTINGS,
   *  a server its SETTINGS (RFC 9113 §3.4), each with the WINDOW_UPDATE opening the connection window. */
  protected abstract prefaceBytes(): Uint8Array;
  /** onNewPeerStream takes a HEADERS that opens a stream of the peer's (id above every one it opened). */
  protected abstract onNewPeerStream(id: number, endStream: boolean, fields: FlatHeaderList | null): void;
  /** onStreamHeaders takes a field block on a stream in the map (a response head, a 1xx, trailers). */
  protected abstract onStreamHeaders(s: Stream, endStream: boolean, fields: FlatHeaderList | null): void;
  /** afterRecords runs once the records of one frameRead call are walked (the application may act then). */
  protected abstract afterRecords(): void;
  /** onSendEnded runs when our END_STREAM has been framed on a stream that is not closed yet. */
  protected abstract onSendEnded(s: Stream): void;
  /** onPeerGoaway runs when the peer sent GOAWAY. */
  protected abstract onPeerGoaway(lastStreamId: number, code: number): void;
  /** onClosed runs once, when the transport is gone. */
  protected abstract onClosed(): void;
  /** onPeerSettings runs after a SETTINGS frame of the peer's is applied (a client may open more streams). */
  protected onPeerSettings(): void {}
  /** onPingAck runs for the ACK of a PING the role sent (a client's liveness check). */
  protected onPingAck(_data: Uint8Array): void {}

  /** remote describes the peer, for log lines (made when asked: most connections never log). */
  get remote(): string {
    return this.transport.remote;
  }

  /** The TLS server name the peer asked for, or null. */
  get servername(): string | null {
    return this.transport.servername ?? null;
  }

  /** Reports whether the connection has finished (its transport is closed or closing). */
  get isFinished(): boolean {
    return this.finished;
  }

  /** The number of streams currently open. */
  get streamCount(): number {
    return this.streams.size;
  }

  // ===========================================================================
  // Transport events.

  /** receive takes bytes from the transport, and keeps them: DATA payloads may reach the application
   *  as views of them, so the transport must not reuse the buffer (Node's sockets never do). */
  receive(bytes: Uint8Array): void {
    if (this.closing) return;
    this.lastActivity = readClock();
    this.metrics.bytesIn += bytes.length;
    if (bytes.length > MAX_INPUT_PER_TURN) {
      // Liveness: work per turn is bounded; the rest waits for the next turn, reading paused.
      this.deferInput(bytes.subarray(MAX_INPUT_PER_TURN));
      bytes = bytes.subarray(0, MAX_INPUT_PER_TURN);
    }
    this.readInput(bytes);
  }

  /** deferInput keeps bytes for the next event-loop turn and pauses reading until they are read. */
  protected deferInput(rest: Uint8Array): void {
    // The core's buffers are reused by the next read: the rest must be our own copy.
    this.deferredInput = rest.slice();
    this.updateReading();
    later(() => {
      const input = this.deferredInput;
      this.deferredInput = null;
      this.updateReading();
      if (input === null || this.closing) return;
      this.metrics.bytesIn -= input.length; // counted when it arrived
      this.receive(input);
    });
  }

  protected readInput(bytes: Uint8Array): void {
    try {
      let at = 0;
      if (this.prefaceLeft > 0) {
        at = this.matchPreface(bytes);
        if (at < 0) return;
        if (at === bytes.length) return;
      }
      this.readFrames(bytes, at);
    } catch (e) {
      this.internalError(e);
      return;
    }
    this.flush();
  }

  /** drained tells the connection the transport has written out its backlog. */
  drained(): void {
    this.transportBlocked = false;
    this.blockedSince = 0;
    this.queuedControl = 0;
    this.flush();
  }

  /** transportClosed tells the connection its transport is gone (peer closed, error, or our end()). */
  transportClosed(): void {
    if (this.finished) return;
    this.finished = true;
    this.closing = true;
    this.clearTimers();
    const error = new StreamResetError(0, H2_CANCEL, 'h2wasm: the connection closed');
    for (const s of this.streams.values()) {
      s.state = CLOSED;
      s.fail(error);
    }
    // Slots never leak: every peer stream still in the map leaves the process-wide count with it.
    admission.streamsInFlight -= this.peerActive;
    this.metrics.streamsClosed += this.streams.size;
    this.metrics.connectionsClosed++;
    this.deferredInput = null;
    this.streams.clear();
    this.blockedWriters = null;
    this.buckets = null;
    this.reader.close();
    this.flow.close();
    this.decoder.close();
    this.encoder.close();
    this.onClosed();
  }

  // ===========================================================================
  // Shutdown.

  /** shutdown starts a graceful shutdown (Sōzu's double GOAWAY): a GOAWAY with the largest stream
   *  id (RFC 9113 §6.8: "a server that is attempting to gracefully shut down a connection SHOULD
   *  send an initial GOAWAY frame with the last stream identifier set to 2^31-1 and a NO_ERROR
   *  code"), then after a PING round trip the final GOAWAY with the real last stream id. In-flight
   *  streams finish; the transport closes once they have and the writer has drained. */
  shutdown(): void {
    if (this.closing || this.draining) return;
    this.draining = true;
    this.queueGoaway(MAX_STREAM_ID, H2_NO_ERROR, '');
    this.output.pingFrame(false, SHUTDOWN_PING);
    this.shutdownDeadline = Date.now() + SHUTDOWN_PING_WAIT;
    this.flush();
  }

  /** destroy drops the connection now: remaining streams are reset (the forced-close deadline). */
  destroy(): void {
    if (this.finished) return;
    if (!this.closing) {
      this.queueGoaway(this.lastPeerStreamId, H2_NO_ERROR, 'shutting down');
      this.startClosing();
      this.flush();
    }
    this.transport.destroy();
    this.transportClosed();
  }

  /** startClosing marks the connection closing: no more frames are read, and the transport has until
   *  closeTimeout to take our last bytes and close before it is destroyed (the liveness invariant). */
  protected startClosing(): void {
    if (this.closing) return;
    this.closing = true;
    this.closeDeadline = Date.now() + this.options.closeTimeout;
  }

  protected finalGoaway(): void {
    this.shutdownDeadline = 0;
    if (this.closing || this.goawayLastId !== MAX_STREAM_ID) return;
    this.queueGoaway(this.lastPeerStreamId, H2_NO_ERROR, '');
    this.flush();
    this.maybeFinish();
  }

  /** maybeFinish closes the transport once a shutting-down connection has no stream left and nothing to write. */
  protected maybeFinish(): void {
    if (this.finished || this.ended || this.streams.size > 0 || this.queuedBytes > 0) return;
    const done = this.closing || (this.goawaySent && this.goawayLastId !== MAX_STREAM_ID) || this.peerGoaway;
    if (!done) return;
    // The last frames may still sit in the output buffer: the next flush writes them, then ends the
    // transport. With the transport full that flush waits for drained() (or the close deadline):
    // a connection never reschedules itself without an I/O event or a timer in between.
    this.startClosing();
    if (!this.transportBlocked) this.scheduleFlush();
  }

  // ===========================================================================
  // Receive path.

  /** matchPreface checks the client preface (RFC 9113 §3.4); it returns where frames start, or -1 after a connection error. */
  protected matchPreface(bytes: Uint8Array): number {
    const start = CLIENT_PREFACE.length - this.prefaceLeft;
    const n = Math.min(this.prefaceLeft, bytes.length);
    for (let i = 0; i < n; i++) {
      if (bytes[i] !== CLIENT_PREFACE[start + i]) {
        // "Clients and servers MUST treat an invalid connection preface as a connection error of type PROTOCOL_ERROR."
        this.connectionError(H2_PROTOCOL_ERROR, 'invalid connection preface', 0);
        return -1;
      }
    }
    this.prefaceLeft -= n;
    return n;
  }

  /** readFrames hands bytes[at..] to the core's frame reader and acts on the records, a slice at a time. */
  protected readFrames(bytes: Uint8Array, at: number): void {
    const b = this.binding;
    const x = b.x;
    const handle = this.reader.coreHandle;
    while (at < bytes.length && !this.closing) {
      let n = bytes.length - at;
      if (n > b.in.length) {
        b.reserveIn(Math.min(n, 1 << 18));
        n = Math.min(n, b.in.length);
      }
      b.in.set(n === bytes.length && at === 0 ? bytes : bytes.subarray(at, at + n), 0);
      const base = at;
      at += n;
      const count = x.frameRead(handle, n);
      b.sync();
      if (count < 0) throw new Error(`h2wasm: frame reader failed (${errorReason(count)})`);
      // A field block left open waits for CONTINUATION: the headers timeout runs from when it began.
      if (b.openBlockStream === 0) this.blockSince = 0;
      else if (this.blockSince === 0) this.blockSince = this.lastActivity;
      // Bodies are handed out as views of the input (no copy) when DATA payloads are most of it, so
      // a view keeps at most twice its bytes alive; otherwise each payload is copied out.
      this.bodySource = n >= MIN_VIEWED_INPUT && dataBytes(b.records, count) * 2 >= n ? bytes : null;
      this.bodySourceAt = base;
      this.onRecords(count);
      this.bodySource = null;
      this.afterRecords();
    }
  }

  /** onRecords acts on the records of one frameRead call, in order. */
  protected onRecords(count: number): void {
    const b = this.binding;
    for (let i = 0; i < count && !this.closing; i++) {
      const r = b.records;
      const base = i * REC_WORDS;
      const type = r[base + REC_TYPE];
      const flags = r[base + REC_FLAGS];
      const id = r[base + REC_STREAM];
      if (!this.sawSettings) {
        // RFC 9113 §3.4: the client preface "MUST be followed by a SETTINGS frame".
        if (type !== FRAME_SETTINGS || (flags & FLAG_ACK) !== 0) {
          if (type === REC_CONNECTION_ERROR) {
            this.onConnectionErrorRecord(r, base);
          } else {
            this.connectionError(H2_PROTOCOL_ERROR, 'the client preface is not followed by SETTINGS', id);
          }
          return;
        }
        this.sawSettings = true;
      }
      switch (type) {
        case FRAME_DATA:
          this.onData(id, flags, r[base + REC_LENGTH], r[base + REC_A], r[base + REC_B], r[base + REC_C]);
          break;
        case REC_WINDOW_UPDATE_OWED:
          // The core credited our receive window; the next flowFlush writes the WINDOW_UPDATE.
          this.flowDue = true;
          break;
        case REC_HEADERS_DECODED: {
          // A self-dependent HEADERS is followed by its stream error (RFC 9113 §5.3.1): the request is not dispatched.
          const next = base + REC_WORDS;
          const selfDependent = i + 1 < count && r[next + REC_TYPE] === REC_STREAM_ERROR && r[next + REC_STREAM] === id;
          const fieldCount = r[base + REC_B];
          const fields = fieldCount >= 0 ? this.decoder.readFlatFields(r[base + REC_A], fieldCount) : null;
          this.onHeaders(id, flags, fields, selfDependent);
          // The block opened the stream's flow slot; a stream we did not take (refused, malformed) frees it.
          if ((flags & REC_F_FLOW_OPENED) !== 0 && !this.streams.has(id)) this.flow.streamClosed(id);
          break;
        }
        case FRAME_PRIORITY:
          // RFC 7540 priorities are validated by the reader and otherwise ignored (RFC 9113 §5.3.2);
          // a PRIORITY frame may name an idle stream and does not open it.
          break;
        case FRAME_RST_STREAM:
          this.onRstStream(id, r[base + REC_A] >>> 0);
          break;
        case FRAME_SETTINGS:
          this.onSettings(flags, r[base + REC_A], r[base + REC_B], r[base + REC_C]);
          break;
        case FRAME_PUSH_PROMISE:
        case REC_PUSH_PROMISE_DECODED:
          // RFC 9113 §8.4: "A client cannot push. Thus, servers MUST treat the receipt of a
          // PUSH_PROMISE frame as a connection error of type PROTOCOL_ERROR." A client sends
          // SETTINGS_ENABLE_PUSH = 0, and §6.6: a PUSH_PROMISE then is a PROTOCOL_ERROR as well.
          this.connectionError(H2_PROTOCOL_ERROR, this.isServer ? 'PUSH_PROMISE from a client' : 'PUSH_PROMISE with push disabled', id);
          return;
        case FRAME_PING:
          this.onPing(flags, r[base + REC_A], r[base + REC_B]);
          break;
        case FRAME_GOAWAY:
          this.onGoaway(r[base + REC_A], r[base + REC_B] >>> 0);
          break;
        case FRAME_WINDOW_UPDATE:
          this.onWindowUpdate(id, r[base + REC_B]);
          break;
        case FRAME_PRIORITY_UPDATE:
          this.onPriorityUpdate(r[base + REC_A], b.latin1(r[base + REC_B], r[base + REC_B] + r[base + REC_C]));
          break;
        case REC_UNKNOWN:
          // RFC 9113 §5.5: "Implementations MUST ignore unknown or unsupported values in all extensible protocol elements."
          break;
        case REC_STREAM_ERROR:
          this.onStreamErrorRecord(id, r[base + REC_B], r[base + REC_A]);
          break;
        case REC_CONNECTION_ERROR:
          this.onConnectionErrorRecord(r, base);
          return;
        case FRAME_HEADERS:
        case FRAME_CONTINUATION:
        default:
          throw new Error(`h2wasm: unexpected frame record ${type}`);
      }
    }
  }

  protected onConnectionErrorRecord(r: Int32Array, base: number): void {
    const err = r[base + REC_A];
    // CVE-2024-27316 and friends: the core caps a field block's bytes and CONTINUATION frames.
    if (err === ERR_HEADER_BLOCK_TOO_LARGE) this.metrics.guards.continuationFlood++;
    this.connectionError(r[base + REC_B], errorReason(err), r[base + REC_STREAM]);
  }

  /** knownState returns the state of stream id as the RFC sees it: from the map, or idle/closed by its number. */
  protected knownState(id: number): StreamState {
    const s = this.streams.get(id);
    if (s !== undefined) return s.state;
    // RFC 9113 §5.1.1: ids above the last one opened (by the peer, or by us) are idle.
    if (this.isPeerStreamId(id)) return id > this.lastPeerStreamId ? IDLE : CLOSED;
    return id >= this.nextLocalStreamId ? IDLE : CLOSED;
  }

  /** applyFrameEvent runs the state table for a received frame on a stream that is not in the map
   *  (idle or closed); it returns true when the frame may be processed further. */
  protected checkAbsentStream(id: number, event: StreamEvent): boolean {
    const state = this.knownState(id);
    const cell = transition(state, event);
    if (isState(cell)) return true;
    if (state === CLOSED) {
      const how = this.recentlyClosed.howClosed(id);
      if (how === RESET_BY_US) return false; // in flight after our RST_STREAM: ignore
      if (how === RESET_BY_PEER) {
        // RFC 9113 §5.1: after the peer's RST_STREAM, anything but PRIORITY is a stream error STREAM_CLOSED.
        this.streamError(id, H2_STREAM_CLOSED, `${frameName(event)} after RST_STREAM`);
        return false;
      }
    }
    this.cellError(id, cell, `${frameName(event)} on a ${state === IDLE ? 'idle' : 'closed'} stream`);
    return false;
  }


  protected cellError(id: number, cell: number, reason: string): void {
    if (cell >= CONNECTION_ERROR_BASE) this.connectionError(cell - CONNECTION_ERROR_BASE, reason, id);
    else if (cell >= STREAM_ERROR_BASE) this.streamError(id, cell - STREAM_ERROR_BASE, reason);
  }

  /** onData takes a DATA record. The core has charged the frame to the windows (RFC 9113 §6.9.1:
   *  padding included, and consumed at once), reported an overrun as an error record instead, and
   *  given back at once the bytes of a stream without a flow slot (REC_DATA_UNTRACKED). */
  protected onData(id: number, flags: number, frameLength: number, at: number, length: number, part: number): void {
    const first = (part & REC_DATA_FIRST) !== 0;
    const last = (part & REC_DATA_LAST) !== 0;
    const endStream = last && (flags & FLAG_END_STREAM) !== 0;
    if (first && frameLength === 0 && (flags & FLAG_END_STREAM) === 0 && !this.allowEmptyFrame()) return;
    const s = this.streams.get(id);
    if (s === undefined || !canReceive(s.state) || s.resetError !== null) {
      // Bytes of a stream still holding a flow slot go back to the connection when closeStream frees
      // it: the flush that runs the close must come.
      if ((part & REC_DATA_UNTRACKED) === 0) this.flowDue = true;
      if (first && s !== undefined && s.resetError !== null && s.state !== CLOSED) return; // reset by us: ignore
      if (!first) return;
      if (s === undefined) {
        this.checkAbsentStream(id, endStream ? RECV_DATA_ES : RECV_DATA);
      } else {
        // half-closed (remote): RFC 9113 §5.1 STREAM_CLOSED.
        this.cellError(id, transition(s.state, RECV_DATA), 'DATA after END_STREAM');
      }
      return;
    }
    if (length > 0) {
      s.received += length;
      // RFC 9113 §8.1.1: content-length must equal the sum of the DATA payloads.
      if (s.contentLength >= 0 && s.received > s.contentLength) {
        this.streamError(id, H2_PROTOCOL_ERROR, 'more DATA than content-length');
        return;
      }
      s.lastProgress = this.lastActivity;
      if (s.bodyDiscarded !== null) {
        // The response is complete: the body is dropped as it arrives and its credit returned at once.
        if ((part & REC_DATA_UNTRACKED) === 0) this.consumed(id, length);
        s.discarded += length;
        if (s.discarded > MAX_DISCARDED_BODY && !endStream) {
          // RFC 9113 §8.1: "the server MAY request that the client abort transmission of a request
          // without error by sending a RST_STREAM with an error code of NO_ERROR after sending a complete response".
          this.resetStream(s, H2_NO_ERROR, 'response complete, request body discarded');
          return;
        }
      } else if (this.bodySource !== null && length > COPY_LIMIT_BODY) {
        // A view of the transport's bytes: receive() takes ownership of what it is given.
        const from = this.bodySourceAt + at;
        s.pushBody(this.bodySource.subarray(from, from + length));
      } else {
        s.pushBody(copyBytes(this.binding.in, at, at + length));
      }
    }
    if (endStream) this.endReceivedBody(s, null, RECV_DATA_ES);
  }

  /** endReceivedBody ends the peer's message on s (END_STREAM on DATA or on trailers). */
  protected endReceivedBody(s: Stream, trailers: HeaderList | null, event: StreamEvent): void {
    if (s.contentLength >= 0 && s.received !== s.contentLength) {
      this.streamError(s.id, H2_PROTOCOL_ERROR, 'DATA length differs from content-length');
      return;
    }
    this.setState(s, event);
    s.endBody(trailers);
    this.maybeCloseStream(s);
  }

  protected onHeaders(id: number, flags: number, fields: FlatHeaderList | null, selfDependent: boolean): void {
    const endStream = (flags & FLAG_END_STREAM) !== 0;
    const known = this.streams.get(id);
    if (known !== undefined) {
      const cell = transition(known.state, endStream ? RECV_HEADERS_ES : RECV_HEADERS);
      if (!isState(cell)) {
        if (known.resetError !== null && known.state !== CLOSED) return; // reset by us, in flight
        this.cellError(id, cell, endStream ? 'HEADERS after END_STREAM' : 'HEADERS on a half-closed stream');
        return;
      }
      this.onStreamHeaders(known, endStream, fields);
      return;
    }
    if (!this.isPeerStreamId(id)) {
      // RFC 9113 §5.1.1: a stream id of ours the peer may not open; one we did open and closed is
      // judged by how it closed (§5.1).
      if (this.knownState(id) === IDLE) this.connectionError(H2_PROTOCOL_ERROR, `HEADERS on ${this.isServer ? 'an even' : 'an odd'} stream id never opened`, id);
      else this.checkAbsentStream(id, endStream ? RECV_HEADERS_ES : RECV_HEADERS);
      return;
    }
    if (id <= this.lastPeerStreamId) {
      // RFC 9113 §5.1.1: "An endpoint that receives an unexpected stream identifier MUST respond with
      // a connection error of type PROTOCOL_ERROR"; a stream we know to be closed gets STREAM_CLOSED (§5.1).
      const how = this.recentlyClosed.howClosed(id);
      if (how === RESET_BY_US) return;
      if (how !== 0) this.connectionError(H2_STREAM_CLOSED, 'HEADERS on a closed stream', id);
      else this.connectionError(H2_PROTOCOL_ERROR, 'stream id lower than one already opened', id);
      return;
    }
    // A new stream of the peer's.
    this.lastPeerStreamId = id;
    if (selfDependent) return; // the stream error record that follows resets it
    if (this.goawaySent && id > this.goawayLastId) {
      // RFC 9113 §6.8: streams above our GOAWAY's last-stream-id are not processed.
      this.sendRst(id, H2_REFUSED_STREAM);
      return;
    }
    this.onNewPeerStream(id, endStream, fields);
  }

  /** receiveTrailers takes a field block that may only be trailers (after the request head, after a
   *  final response head). RFC 9113 §8.1: trailers end the message, and "An endpoint that receives a
   *  HEADERS frame without the END_STREAM flag set after receiving the HEADERS frame that opens a
   *  request or after receiving a final (non-informational) status code MUST treat the corresponding
   *  request or response as malformed"; "Trailers MUST NOT include pseudo-header fields". */
  protected receiveTrailers(s: Stream, endStream: boolean, fields: FlatHeaderList | null): void {
    const problem = !endStream ? 'HEADERS without END_STREAM after the message head'
      : fields === null ? 'trailers over maxHeaderListSize' : checkTrailers(fields);
    if (problem !== null) {
      this.streamError(s.id, H2_PROTOCOL_ERROR, problem);
      return;
    }
    this.endReceivedBody(s, pairsOf(fields!), RECV_HEADERS_ES);
  }

  /** registerStream puts a new stream in the map in state, and counts it. */
  protected registerStream(s: Stream, state: StreamState): void {
    s.state = state;
    s.lastProgress = this.lastActivity;
    this.streams.set(s);
    if (this.isPeerStreamId(s.id)) {
      this.peerActive++;
      admission.streamsInFlight++;
    } else {
      this.localActive++;
    }
    this.metrics.streamsOpened++;
  }

  protected onRstStream(id: number, code: number): void {
    const s = this.streams.get(id);
    if (s === undefined) {
      // RFC 9113 §6.4: "If a RST_STREAM frame identifying an idle stream is received, the recipient
      // MUST treat this as a connection error of type PROTOCOL_ERROR."
      this.checkAbsentStream(id, RECV_RST);
      return;
    }
    this.metrics.rstReceived[codeSlot(code)]++;
    // Rapid Reset (CVE-2023-44487): a peer that opens and cancels streams faster than we can finish them.
    if (!this.countReset('rapidReset')) return;
    this.setState(s, RECV_RST);
    // RFC 9113 §8.7: REFUSED_STREAM says the request was not processed: it may be sent again.
    s.fail(new StreamResetError(id, code, `h2wasm: stream ${id} was reset by the peer (${errorCodeName(code)})`, code === H2_REFUSED_STREAM));
    this.closeStream(s, true);
  }

  /** countReset counts a reset against the per-second budget; false after it sent GOAWAY ENHANCE_YOUR_CALM. */
  protected countReset(guard: GuardName): boolean {
    const now = this.lastActivity;
    if (now - this.resetWindowStart >= 1000) {
      this.resetWindowStart = now;
      this.resetsInWindow = 0;
    }
    if (++this.resetsInWindow > this.options.maxResetsPerSecond) {
      this.metrics.guards[guard]++;
      this.connectionError(H2_ENHANCE_YOUR_CALM, 'too many stream resets', 0);
      return false;
    }
    return true;
  }

  protected allowEmptyFrame(): boolean {
    const now = this.lastActivity;
    if (now - this.emptyWindowStart >= 1000) {
      this.emptyWindowStart = now;
      this.emptyInWindow = 0;
    }
    if (++this.emptyInWindow > MAX_EMPTY_FRAMES_PER_SECOND) {
      this.metrics.guards.emptyDataFlood++;
      this.connectionError(H2_ENHANCE_YOUR_CALM, 'too many empty DATA frames', 0);
      return false;
    }
    return true;
  }

  /** onSettings takes a SETTINGS record. The core has already applied the flow-control values in the
   *  read (RFC 9113 §6.9.2: the peer's INITIAL_WINDOW_SIZE to every stream's send window, woken
   *  streams counted in REC_C; our own initial window at the ACK of the SETTINGS that carried it). */
  protected onSettings(flags: number, off: number, length: number, woken: number): void {
    if ((flags & FLAG_ACK) !== 0) {
      if (this.settingsUnacked > 0 && --this.settingsUnacked === 0) this.settingsDeadline = 0;
      // Our SETTINGS_HEADER_TABLE_SIZE is now in force (RFC 7541 §4.2).
      this.decoder.setMaxTableSize(this.options.headerTableSize);
      return;
    }
    for (const [id, value] of readSettings(this.binding.strings, off, length)) {
      switch (id) {
        case SETTINGS_HEADER_TABLE_SIZE:
          // Our encoder keeps its table at most 64 KiB whatever the peer allows.
          this.encoder.setMaxTableSize(Math.min(value, 65536));
          break;
        case SETTINGS_MAX_FRAME_SIZE:
          this.peerMaxFrameSize = value; // range checked by the reader (RFC 9113 §6.5.2)
          break;
        case SETTINGS_MAX_CONCURRENT_STREAMS:
          // Streams we may open (the client position); RFC 9113 §6.5.2: "Initially, there is no limit".
          this.peerMaxConcurrentStreams = value;
          break;
        case SETTINGS_INITIAL_WINDOW_SIZE:
          // Applied to the send windows by the core in the read (a window past 2^31-1 came as a
          // connection error record instead of this one).
          break;
        case SETTINGS_ENABLE_PUSH:
        case SETTINGS_MAX_HEADER_LIST_SIZE:
        case SETTINGS_NO_RFC7540_PRIORITIES:
        default:
          // We never push and send small header lists; unknown settings are ignored (§6.5.2).
          break;
      }
    }
    this.onPeerSettings();
    // RFC 9113 §6.5.3: "Upon receiving the SETTINGS frame, the recipient ... MUST immediately emit a SETTINGS frame with the ACK flag set."
    if (this.controlFlood()) return;
    this.output.frameHeader(0, FRAME_SETTINGS, FLAG_ACK, 0);
    if (woken > 0) {
      // REC_C counts the stream windows the new initial window opened, not which: every stream
      // parked on its own window gets a demand again, and one still spent is parked by its grant.
      for (const st of this.streams.values()) st.sendBlocked = false;
    }
    this.scheduleAll();
  }

  protected onPing(flags: number, a: number, b: number): void {
    const data = new Uint8Array(8);
    const v = new DataView(data.buffer);
    v.setInt32(0, a);
    v.setInt32(4, b);
    if ((flags & FLAG_ACK) !== 0) {
      if (this.draining && data.every((x, i) => x === SHUTDOWN_PING[i])) this.finalGoaway();
      else this.onPingAck(data);
      return;
    }
    // RFC 9113 §6.7: "Receivers of a PING frame that does not include an ACK flag MUST send a PING frame with the ACK flag set in response".
    if (this.controlFlood()) return;
    this.output.pingFrame(true, data);
  }

  protected onGoaway(lastStreamId: number, code: number): void {
    this.peerGoaway = true;
    this.metrics.goawayReceived[codeSlot(code)]++;
    if (code !== H2_NO_ERROR) {
      this.options.log('info', 'peer sent GOAWAY', { remote: this.remote, code: errorCodeName(code), lastStreamId });
    }
    this.onPeerGoaway(lastStreamId, code);
    this.maybeFinish();
  }

  /** onWindowUpdate takes a WINDOW_UPDATE record: the core has credited the send window (RFC 9113
   *  §6.9.1: one past 2^31-1 came as an error record instead) and says in `bits` whether the window
   *  went from spent to open (WU_WOKEN), which is when a parked stream goes back to the scheduler. */
  protected onWindowUpdate(id: number, bits: number): void {
    const woken = (bits & WU_WOKEN) !== 0;
    if (id === 0) {
      if (woken) {
        this.connBlocked = false;
        this.scheduleAll();
      }
      return;
    }
    const s = this.streams.get(id);
    if (s === undefined) {
      // No flow slot had it (WU_UNTRACKED): idle or closed, as the state table says.
      this.checkAbsentStream(id, RECV_WINDOW_UPDATE);
      return;
    }
    s.lastProgress = this.lastActivity;
    if (woken && s.sendBlocked) {
      s.sendBlocked = false;
      if (s.queued > 0 || (s.endQueued && !s.endSent)) {
        this.schedule(s);
        this.scheduleFlush();
      }
    }
  }

  protected onPriorityUpdate(id: number, value: string): void {
    // RFC 9218 §7.1: the prioritized stream may be open, or not yet open (kept for when it is).
    const s = this.streams.get(id);
    if (s !== undefined) {
      const was = s.urgency;
      parsePriority(value, s);
      if (s.scheduled && was !== s.urgency) {
        const buckets = this.buckets!;
        const k = buckets[was].indexOf(s);
        if (k >= 0) buckets[was].splice(k, 1);
        buckets[s.urgency].push(s);
      }
    } else if (id > this.lastPeerStreamId && (id & 1) === 1) {
      const pending = (this.pendingPriority ??= new Map());
      if (pending.size < MAX_PENDING_PRIORITY_UPDATES) pending.set(id, value);
    }
  }

  protected onStreamErrorRecord(id: number, code: number, err: number): void {
    this.streamError(id, code, errorReason(err));
  }

  // ===========================================================================
  // Stream bookkeeping.

  protected setState(s: Stream, event: StreamEvent): void {
    const cell = transition(s.state, event);
    if (!isState(cell)) {
      if (cell === NOT_ALLOWED) throw new Error(`h2wasm: stream ${s.id}: ${frameName(event)} not allowed in state ${s.state}`);
      return;
    }
    s.state = cell;
  }

  /** maybeCloseStream removes a stream whose both directions are done. */
  protected maybeCloseStream(s: Stream): void {
    if (s.state === CLOSED) this.closeStream(s);
  }

  protected closeStream(s: Stream, peerReset = false): void {
    if (!this.streams.delete(s.id)) return;
    s.state = CLOSED;
    if (this.isPeerStreamId(s.id)) {
      this.peerActive--;
      admission.streamsInFlight--;
    } else {
      this.localActive--;
    }
    this.metrics.streamsClosed++;
    if (!this.resetByUs(s)) this.recentlyClosed.add(s.id, peerReset ? RESET_BY_PEER : CLOSED_NORMALLY);
    // A complete message not read yet stays readable (a response that ended before the application
    // read it, a request body a handler reads after answering; RFC 9113 §8.1: "Clients MUST NOT
    // discard responses as a result of receiving such a RST_STREAM"); a message cut off by a reset
    // is dropped, and reads fail. Either way the connection credit is given back now: the
    // application may never read. Later reads give no credit (creditSettled).
    // The core frees the flow slot and credits its unconsumed bytes back to the connection; when
    // there are some, a flush soon writes the WINDOW_UPDATE they may make owed.
    if (s.unread > 0) {
      this.flowDue = true;
      this.scheduleFlush();
    }
    if (s.resetError !== null && !s.receivedAll) s.takeUnread();
    this.flow.streamClosed(s.id);
    // Closes ride with the next flush that runs anyway, at most FLOW_CLOSE_BATCH of them (a
    // connection whose responses carry no DATA runs none): the core's slot table stays small.
    if (this.flow.queued >= FLOW_CLOSE_BATCH) this.flowDue = true;
    s.creditSettled = true;
    if (s.queued > 0) {
      this.queuedBytes -= s.queued;
      s.queued = 0;
      s.out = [];
    }
    s.releaseWriters();
    this.blockedWriters?.delete(s);
    if (this.streams.size === 0) this.maybeFinish();
  }

  /** resetByUs reports whether we sent RST_STREAM on s (sendRst recorded it). */
  protected resetByUs(s: Stream): boolean {
    return s.resetError !== null && this.recentlyClosed.howClosed(s.id) === RESET_BY_US;
  }


  /** streamError resets a stream for a stream error (RFC 9113 §5.4.2). */
  protected streamError(id: number, code: number, reason: string): void {
    // MadeYouReset (CVE-2025-8671): resets the peer provokes count against the same budget as its own.
    if (!this.countReset('madeYouReset')) return;
    const s = this.streams.get(id);
    if (s !== undefined) {
      this.resetStream(s, code, reason);
    } else {
      this.sendRst(id, code);
    }
  }

  /** resetStream sends RST_STREAM for s and closes it (StreamOwner). */
  resetStream(s: Stream, code: number, reason?: string): void {
    if (s.state === CLOSED && !this.streams.has(s.id)) return;
    this.sendRst(s.id, code);
    this.setState(s, SEND_RST);
    s.fail(new StreamResetError(s.id, code, `h2wasm: stream ${s.id} reset (${errorCodeName(code)}${reason ? `: ${reason}` : ''})`));
    this.closeStream(s);
    this.scheduleFlush();
  }

  protected sendRst(id: number, code: number): void {
    this.recentlyClosed.add(id, RESET_BY_US);
    this.metrics.rstSent[codeSlot(code)]++;
    if (!this.finished) this.output.u32Frame(FRAME_RST_STREAM, id, code);
    this.scheduleFlush();
  }

  // ===========================================================================
  // Flow control, receive side.

  /** bodyConsumed reports n body bytes the application read to the flow (StreamOwner): the core
   *  owes WINDOW_UPDATEs by its policy (assembly/flow/window.ts) and the next flush writes them. */
  bodyConsumed(s: Stream, n: number): void {
    if (s.creditSettled) return; // credited back when the stream closed
    this.consumed(s.id, n);
    s.lastProgress = coarseNow();
    this.scheduleFlush();
  }

  /** consumed reports n body bytes of stream id consumed (read, or discarded) to the flow. */
  protected consumed(id: number, n: number): void {
    this.flow.consumed(id, n);
    this.flowDue = true;
  }

  /** openFlowSlot opens the flow slot of a stream we open; the flush that writes its HEADERS runs it. */
  protected openFlowSlot(id: number): void {
    this.flow.streamOpened(id);
    this.flowDue = true;
  }

  // ===========================================================================
  // Send path.

  /** sendPreface queues this position's preface and starts the SETTINGS ACK deadline; the role's
   *  constructor calls it once its own fields are set. */
  protected sendPreface(): void {
    const o = this.options;
    this.output.raw(this.prefaceBytes());
    // Both flushed with the preface's bytes: the SETTINGS' initial window is applied at its ACK, and
    // the connection window opens to connectionWindowSize with a WINDOW_UPDATE the flush writes.
    this.flow.settingsSent(o.initialWindowSize !== DEFAULT_INITIAL_WINDOW_SIZE ? o.initialWindowSize : -1);
    this.flow.connectionTarget(o.connectionWindowSize);
    this.flowDue = true;
    this.settingsUnacked = 1;
    // With no connection open no ticker reads the engine clock: its last reading may be hours old.
    const now = readClock();
    if (o.settingsTimeout > 0) {
      // RFC 9113 §6.5.3: "If the sender of a SETTINGS frame does not receive an acknowledgment within a
      // reasonable amount of time, it MAY issue a connection error of type SETTINGS_TIMEOUT."
      this.settingsDeadline = now + o.settingsTimeout;
    }
    startTicking(this);
    this.lastActivity = now;
    this.scheduleFlush();
  }

  /** tick checks the connection's deadlines (Ticking): the SETTINGS ack, the graceful-shutdown wait,
   *  the idle close, and the stream reaper. */
  tick(now: number): void {
    const o = this.options;
    if (this.closing) {
      // Liveness: a closing connection whose peer takes neither our last bytes nor the close is dropped.
      if (this.closeDeadline !== 0 && now >= this.closeDeadline) {
        this.metrics.guards.closeTimeout++;
        this.options.log('info', 'close timed out, connection destroyed', { remote: this.remote, unsent: this.transport.unsentBytes });
        this.transport.destroy();
        this.transportClosed();
      }
      return;
    }
    if (this.settingsDeadline !== 0 && now >= this.settingsDeadline) {
      this.settingsDeadline = 0;
      this.metrics.guards.settingsTimeout++;
      this.connectionError(H2_SETTINGS_TIMEOUT, 'SETTINGS not acknowledged in time', 0);
      return;
    }
    if (this.blockSince !== 0 && o.headersTimeout > 0 && now - this.blockSince >= o.headersTimeout) {
      // A field block begun and never finished holds the connection: nothing else may come until
      // its CONTINUATION (RFC 9113 §6.2), so the connection ends.
      this.metrics.guards.headersTimeout++;
      this.connectionError(H2_ENHANCE_YOUR_CALM, 'request headers not completed in time', this.blockSince);
      return;
    }
    if (this.transportBlocked && this.checkSendStall(now)) return;
    if (this.shutdownDeadline !== 0 && now >= this.shutdownDeadline) this.finalGoaway();
    if (this.streams.size === 0) {
      this.idled();
      if (o.idleTimeout > 0 && now - this.lastActivity >= o.idleTimeout) {
        this.metrics.guards.idleConnection++;
        this.queueGoaway(this.lastPeerStreamId, H2_NO_ERROR, 'idle');
        this.startClosing();
        this.flush();
      }
      return;
    }
    if ((o.streamIdleTimeout > 0 || o.windowStallTimeout > 0) && now >= this.nextSweep) {
      this.nextSweep = now + Math.max(250, Math.floor(Math.min(o.streamIdleTimeout || Infinity, o.windowStallTimeout || Infinity) / 4));
      this.reapStreams(now);
    }
  }

  /** checkSendStall is the window-stall guard at the socket: a peer that stops reading leaves our
   *  transport full. Progress of STALL_PROGRESS octets taken restarts the clock; a transport full
   *  for windowStallTimeout without it ends the connection. It reports whether it did. */
  protected checkSendStall(now: number): boolean {
    const unsent = this.transport.unsentBytes;
    if (this.blockedSince === 0 || unsent <= this.blockedMark - STALL_PROGRESS) {
      this.blockedSince = now;
      this.blockedMark = unsent;
      return false;
    }
    const limit = this.options.windowStallTimeout;
    if (limit === 0 || now - this.blockedSince < limit) return false;
    this.metrics.guards.windowStall++;
    this.options.log('info', 'peer stopped reading, connection destroyed', { remote: this.remote, unsent, stalledMs: now - this.blockedSince });
    // A GOAWAY would only queue behind the bytes the peer does not read.
    this.startClosing();
    this.transport.destroy();
    this.transportClosed();
    return true;
  }

  /** reapStreams is the stream reaper (Sōzu's per-stream idle and window-stall timeouts). A stream on
   *  which nothing has moved for streamIdleTimeout (no body byte in or out, no write, no read) is
   *  reset with CANCEL, so a stalled peer or a stuck handler cannot pin it; one whose response the
   *  peer's windows have held back for windowStallTimeout, with less than a full frame of window or
   *  STALL_PROGRESS octets of progress since, is reset the same way (CVE-2019-9511). */
  protected reapStreams(now: number): void {
    const o = this.options;
    for (const st of this.streams.values()) {
      if (o.windowStallTimeout > 0 && st.stallSince !== 0 && st.queued > 0 && now - st.stallSince >= o.windowStallTimeout) {
        this.metrics.guards.windowStall++;
        this.options.log('info', 'stream window stalled, reset', { remote: this.remote, stream: st.id, path: st.path, stalledMs: now - st.stallSince, parked: st.sendBlocked });
        this.resetStream(st, H2_CANCEL, 'window stalled');
      } else if (o.streamIdleTimeout > 0 && now - st.lastProgress >= o.streamIdleTimeout) {
        this.metrics.guards.streamIdle++;
        this.options.log('info', 'stream idle, reset', { remote: this.remote, stream: st.id, path: st.path, idleMs: now - st.lastProgress });
        this.resetStream(st, H2_CANCEL, 'idle');
      }
    }
    this.flush();
  }

  /** controlFlood counts an answer owed to the peer (PING or SETTINGS ack) and reports whether the
   *  peer is flooding: answers pile up unwritten because it does not read. */
  protected controlFlood(): boolean {
    if (++this.queuedControl > MAX_QUEUED_CONTROL_FRAMES && this.transportBlocked) {
      this.metrics.guards.controlFlood++;
      this.connectionError(H2_ENHANCE_YOUR_CALM, 'too many unanswered control frames', 0);
      return true;
    }
    return false;
  }

  protected queueGoaway(lastStreamId: number, code: number, debug: string): void {
    this.goawaySent = true;
    this.goawayLastId = lastStreamId;
    if (this.finished) return;
    this.metrics.goawaySent[codeSlot(code)]++;
    // GOAWAY debug data is ASCII text here: its char codes are its octets.
    const data = new Uint8Array(debug.length);
    writeLatin1(data, 0, debug);
    this.output.goawayFrame(lastStreamId, code, data);
    this.scheduleFlush();
  }

  /** sendHeaders encodes a field block and queues HEADERS (+ CONTINUATION) at once (StreamOwner). */
  sendHeaders(s: Stream, fields: HeaderList, endStream: boolean): void {
    if (this.finished || s.resetError !== null) return;
    this.writeHeaders(s, fields, endStream);
    if (endStream) this.sendEnded(s);
    this.scheduleFlush();
  }

  protected writeHeaders(s: Stream, fields: HeaderList, endStream: boolean): void {
    this.setState(s, endStream ? SEND_HEADERS_ES : SEND_HEADERS);
    if (endStream) s.endSent = true;
    // The block is encoded as it is queued, so the HPACK state follows the wire order (RFC 7541 §2.2).
    const block = this.encoder.encodeBlock(fields);
    const max = this.peerMaxFrameSize;
    const es = endStream ? FLAG_END_STREAM : 0;
    if (block.length <= max) {
      this.output.frame(FRAME_HEADERS, es | FLAG_END_HEADERS, s.id, block);
      return;
    }
    // RFC 9113 §4.3: a block larger than a frame continues in CONTINUATION frames, with nothing in between.
    this.output.frame(FRAME_HEADERS, es, s.id, block.subarray(0, max));
    for (let at = max; at < block.length; at += max) {
      const end = Math.min(block.length, at + max);
      this.output.frame(FRAME_CONTINUATION, end === block.length ? FLAG_END_HEADERS : 0, s.id, block.subarray(at, end));
    }
  }

  /** queueOutput puts a stream in the scheduler and returns what its writer waits on (StreamOwner). */
  queueOutput(s: Stream, bytes: number): Promise<void> {
    if (this.finished) return Promise.reject(new StreamResetError(s.id, H2_CANCEL, 'h2wasm: the connection closed'));
    this.queuedBytes += bytes;
    s.lastProgress = coarseNow();
    this.schedule(s);
    this.scheduleFlush();
    if (this.queuedBytes <= this.options.maxPendingBytes && s.queued <= STREAM_HIGH_WATER) return RESOLVED;
    // Backpressure: the writer waits until the backlog drains under the caps.
    (this.blockedWriters ??= new Set()).add(s);
    this.pauseReadingIfBacklogged();
    return new Promise((resolve) => {
      (s.writeWaiters ??= []).push(resolve);
    });
  }

  protected schedule(s: Stream): void {
    if (s.scheduled || s.state === CLOSED) return;
    s.scheduled = true;
    (this.buckets ??= Array.from({ length: URGENCY_LEVELS }, () => [])) [s.urgency].push(s);
    this.scheduledCount++;
  }

  /** idled lets go of what only a busy connection needs; the ticker calls it while no stream is open. */
  protected idled(): void {
    // An idle connection keeps no scheduler: the next response makes it again (at most once a tick).
    if (this.scheduledCount === 0) this.buckets = null;
    this.streams.compact();
    // Closes wait for a flush that runs anyway (see closeStream); an idle connection runs them now,
    // so the core frees their slots and the command list can go.
    if (this.flow.queued > 0 && !this.closing) {
      this.flowDue = true;
      this.flush();
    }
    this.flow.release();
  }

  /** scheduleAll wakes every stream with output (a window opened) and flushes. */
  protected scheduleAll(): void {
    for (const s of this.streams.values()) if (s.queued > 0 || (s.endQueued && !s.endSent)) this.schedule(s);
    this.scheduleFlush();
  }

  protected scheduleFlush(): void {
    if (this.flushScheduled || this.finished) return;
    this.flushScheduled = true;
    // A flush that runs before this one (readInput flushes after its read) clears the flag: then
    // there is nothing left for this one to do.
    queueMicrotask(() => {
      if (this.flushScheduled) this.flush();
    });
  }

  /** flush frames what the windows allow and writes everything queued with one transport write. */
  protected flush(): void {
    this.flushScheduled = false;
    if (this.finished || this.ended) return;
    this.flushTime = coarseNow();
    try {
      const frame = !this.transportBlocked && this.scheduledCount > 0;
      // After a connection error the flow is failed or moot: nothing more is granted or owed.
      if (!this.closing && (frame || this.flowDue)) this.flushFlow(frame);
      if (this.output.bytes > 0 && !this.transportBlocked) {
        const total = this.output.bytes;
        const chunks = this.output.take();
        this.metrics.bytesOut += total;
        if (!this.transport.write(chunks, total)) this.transportBlocked = true;
        else this.queuedControl = 0;
      }
      if (this.streams.size === 0) this.output.release();
    } catch (e) {
      this.internalError(e);
      return;
    }
    this.releaseWriters();
    this.pauseReadingIfBacklogged();
    // More DATA to frame, and the transport takes it: go on after other I/O had its turn.
    if (!this.transportBlocked && this.scheduledCount > 0 && this.hasSendableStream()) {
      this.flushScheduled = true;
      later(() => this.flush());
    }
    if (this.closing && !this.finished && this.output.bytes === 0 && !this.transportBlocked) {
      if (!this.ended) {
        // The ticker keeps watching: if the peer never takes the close, closeDeadline destroys it.
        this.ended = true;
        this.transport.end();
        // Our last bytes are out: read again, so the peer's close is seen (what it sends is dropped).
        this.readingStopped = false;
        this.updateReading();
      }
    } else {
      this.maybeFinish();
    }
  }

  protected hasSendableStream(): boolean {
    const buckets = this.buckets;
    if (buckets === null) return false;
    for (const b of buckets) for (const s of b) if (this.canFrame(s)) return true;
    return false;
  }

  /** canFrame reports whether a demand for s could make progress now: it has DATA and neither its
   *  stream window nor the connection's was spent at the last grant, or only its END_STREAM is left
   *  (no window needed), or it is gone (to be dropped). */
  protected canFrame(s: Stream): boolean {
    if (s.state === CLOSED || s.resetError !== null) return true;
    if (s.queued > 0) return !s.sendBlocked && !this.connBlocked;
    return s.endQueued && !s.endSent;
  }

  /** flushFlow is the one flowFlush of a flush: the commands queued since the last one (opens,
   *  closes, consumption, SETTINGS sent), then, when `frame`, the scheduler's DATA demands; it lays
   *  down the WINDOW_UPDATEs the core wrote and each grant's DATA frames. */
  protected flushFlow(frame: boolean): void {
    let plan = sparePlan;
    if (plan === null) plan = new FlushPlan();
    else sparePlan = null;
    this.plan = plan;
    if (frame) this.frameData();
    const streams = plan.streams;
    const n = plan.n;
    if (!this.flowDue) {
      // Nothing due in the core (no demand, nothing owed; closes wait): only trailers, or nothing.
      for (let i = 0; i < n; i++) this.layDown(streams[i]!, -1, 0, 0, 0, 0, NO_BYTES);
      if (n > 0) this.endPlan(plan);
      this.plan = null;
      sparePlan = plan;
      return;
    }
    this.flowDue = false;
    const r = this.flow.flush();
    // The results and the headers live in the core's buffers only until the next core call (the
    // trailers' HPACK encoding is one): copy them out first.
    const { cmds, grant, frames, flags, at } = plan;
    // Each demand's results are words of its own command record (docs/abi.md, "The flush").
    const rec = this.binding.records;
    for (let i = 0; i < n; i++) {
      const c = cmds[i];
      if (c < 0) continue;
      const base = c * FLOW_CMD_WORDS;
      grant[i] = rec[base + FCMD_RESULT];
      frames[i] = rec[base + FCMD_FRAMES];
      flags[i] = rec[base + FCMD_FLAGS];
      at[i] = rec[base + FCMD_OUT];
    }
    let out = plan.bytes;
    if (r.bytes > out.length) plan.bytes = out = new Uint8Array(Math.max(r.bytes, 2 * out.length, 1024));
    // A few frame headers: copied octet by octet, no view of the core's buffer made.
    const coreOut = this.binding.out;
    for (let i = 0, n = r.bytes; i < n; i++) out[i] = coreOut[i];
    if (r.updatesAt < r.bytes) this.output.copyFrom(out, r.updatesAt, r.bytes - r.updatesAt);
    for (let i = 0; i < n; i++) this.layDown(streams[i]!, cmds[i], grant[i], frames[i], flags[i], at[i], out);
    this.endPlan(plan);
    this.plan = null;
    sparePlan = plan;
  }

  /** frameData is the RFC 9218 scheduler; it queues one DATA demand per stream turn, in scheduler
   *  order, for the flush: urgency 0 first; in a level, the non-incremental streams one at a time in
   *  the order they became ready (each may take the rest of the batch), then the incremental ones
   *  round-robin, a frame each per turn. Each demand sees the windows the earlier grants left, so a
   *  stream short of connection window leaves nothing to those after it, while one parked on its own
   *  window leaves the connection's to them. The batch is counted as if every demand were granted. */
  protected frameData(): void {
    let budget = WRITE_BATCH;
    const buckets = this.buckets!;
    const turn = this.peerMaxFrameSize;
    for (let u = 0; u < URGENCY_LEVELS && budget > 0; u++) {
      const bucket = buckets[u];
      let incremental = 0;
      for (let j = 0; j < bucket.length && budget > 0; j++) {
        const s = bucket[j];
        if (s.incremental) incremental++;
        else budget -= this.demandTurn(s, budget);
      }
      let more = incremental > 0;
      while (more && budget > 0) {
        more = false;
        for (let j = 0; j < bucket.length && budget > 0; j++) {
          const s = bucket[j];
          if (!s.incremental) continue;
          budget -= this.demandTurn(s, Math.min(turn, budget));
          if (s.planned < s.queued && s.scheduled && !s.sendBlocked && !this.connBlocked) more = true;
        }
      }
    }
  }

  /** demandTurn plans one turn of s with at most cap bytes; it returns the bytes counted against the batch. */
  private demandTurn(s: Stream, cap: number): number {
    if (s.state === CLOSED || s.resetError !== null) {
      s.scheduled = false; // dropped from its bucket by endPlan
      return 0;
    }
    const want = s.queued - s.planned;
    if (want <= 0) {
      if (s.queued > 0 || !s.endQueued || s.endSent || s.endPlanned) return 0;
      // Only END_STREAM is left: an empty DATA frame (it needs no window), or the trailers.
      s.endPlanned = true;
      const plan = this.plan!;
      const i = plan.n++;
      plan.streams[i] = s;
      if (s.sendTrailers !== null) {
        plan.cmds[i] = -1;
      } else {
        plan.cmds[i] = this.flow.demand(s.id, 0, true);
        this.flowDue = true;
      }
      return 0;
    }
    if (s.sendBlocked || this.connBlocked) return 0;
    const n = Math.min(want, cap);
    const plan = this.plan!;
    const i = plan.n++;
    plan.streams[i] = s;
    // END_STREAM goes on the last frame when the core grants the whole rest and no trailers follow.
    plan.cmds[i] = this.flow.demand(s.id, want, s.endQueued && s.sendTrailers === null, cap);
    this.flowDue = true;
    s.planned += n;
    return n;
  }

  /** layDown writes one planned turn of s: its grant's DATA frames (the core's headers, our payload
   *  chunks), END_STREAM or the trailers after the last, and what the grant says of the windows. */
  private layDown(s: Stream, cmd: number, granted: number, frames: number, flags: number, at: number, out: Uint8Array): void {
    if (cmd < 0) {
      // Trailers: a HEADERS frame with END_STREAM after the last DATA (RFC 9113 §8.1).
      if (s.state === CLOSED || s.resetError !== null || s.endSent) return;
      this.writeHeaders(s, s.sendTrailers!, true);
      s.scheduled = false;
      this.sendEnded(s);
      return;
    }
    if (granted < 0) {
      // No flow slot for a stream we still send on: the two sides disagree, so the stream goes.
      this.options.log('error', 'no flow-control slot for a stream with output', { remote: this.remote, stream: s.id, error: errorReason(granted) });
      this.resetStream(s, H2_INTERNAL_ERROR, 'flow control');
      return;
    }
    // A grant is a commitment (docs/abi.md): its bytes are debited, so its frames are written whole.
    for (let k = 0; k < frames; k++) {
      const h = at + k * FRAME_HEADER_SIZE;
      this.output.copyFrom(out, h, FRAME_HEADER_SIZE);
      let left = (out[h] << 16) | (out[h + 1] << 8) | out[h + 2];
      while (left > 0) {
        const chunk = s.out[0];
        const avail = chunk.length - s.outHead;
        if (avail <= left) {
          this.output.payload(s.outHead === 0 ? chunk : chunk.subarray(s.outHead));
          s.out.shift();
          s.outHead = 0;
          left -= avail;
        } else {
          this.output.payload(chunk.subarray(s.outHead, s.outHead + left));
          s.outHead += left;
          left = 0;
        }
      }
    }
    const want = s.queued;
    s.queued -= granted;
    this.queuedBytes -= granted;
    if (granted > 0) {
      s.lastProgress = this.flushTime;
      // The window-stall guard (CVE-2019-9511): a full frame (or all it had) through, or
      // STALL_PROGRESS octets in small grants, ends a stall.
      if (s.stallSince !== 0 && (granted >= Math.min(this.peerMaxFrameSize, want) || (s.stallProgress += granted) >= STALL_PROGRESS)) s.stallSince = 0;
    }
    if ((flags & FLOW_GRANT_END_STREAM) !== 0) {
      this.setState(s, SEND_DATA_ES);
      s.endSent = true;
      s.scheduled = false;
      this.sendEnded(s);
      return;
    }
    if (granted > 0) this.setState(s, SEND_DATA);
    if ((flags & (FLOW_GRANT_STREAM_BLOCKED | FLOW_GRANT_CONNECTION_BLOCKED)) !== 0) {
      // RFC 9113 §6.9: we never send beyond a window. Parked on its own window the stream leaves the
      // scheduler until a WINDOW_UPDATE or SETTINGS wakes it; short of the connection's it keeps its place.
      if ((flags & FLOW_GRANT_STREAM_BLOCKED) !== 0) {
        s.sendBlocked = true;
        s.scheduled = false;
      } else {
        this.connBlocked = true;
      }
      if (s.stallSince === 0) {
        // Held by a window, not by our batch: the window-stall deadline starts.
        s.stallSince = this.flushTime;
        s.stallProgress = 0;
      }
      return;
    }
    if (s.queued === 0 && s.endQueued && !s.endSent && s.sendTrailers !== null) {
      this.writeHeaders(s, s.sendTrailers, true);
      s.scheduled = false;
      this.sendEnded(s);
      return;
    }
    if (s.queued === 0 && !s.endQueued) s.scheduled = false;
    else if (s.incremental && granted > 0 && s.scheduled) {
      // Round-robin: its turn is taken; it goes to the back of its bucket.
      const bucket = this.buckets![s.urgency];
      const k = bucket.indexOf(s);
      if (k >= 0) {
        bucket.splice(k, 1);
        bucket.push(s);
      }
    }
  }

  /** endPlan clears the plan and drops the streams that left the scheduler from their buckets. */
  private endPlan(plan: FlushPlan): void {
    const streams = plan.streams;
    for (let i = 0, n = plan.n; i < n; i++) {
      const s = streams[i]!;
      s.planned = 0;
      s.endPlanned = false;
      streams[i] = null;
    }
    plan.n = 0;
    const buckets = this.buckets;
    if (buckets === null) return;
    for (const bucket of buckets) {
      let w = 0;
      for (let j = 0; j < bucket.length; j++) {
        const s = bucket[j];
        if (s.scheduled) bucket[w++] = s;
      }
      this.scheduledCount -= bucket.length - w;
      // pop, not a length store: V8 truncates through its runtime, and most flushes drop one or none.
      while (bucket.length > w) bucket.pop();
    }
  }

  /** sendEnded runs when END_STREAM has been framed on our side. */
  protected sendEnded(s: Stream): void {
    s.releaseWriters();
    if (s.state === CLOSED) {
      this.closeStream(s);
      return;
    }
    this.onSendEnded(s);
  }

  protected releaseWriters(): void {
    const blocked = this.blockedWriters;
    if (blocked === null || blocked.size === 0 || this.queuedBytes > this.options.maxPendingBytes) return;
    for (const s of blocked) {
      if (s.queued <= STREAM_HIGH_WATER) {
        blocked.delete(s);
        s.releaseWriters();
      }
    }
  }

  /** pauseReadingIfBacklogged stops reading while the output backlog is over the cap and the peer is not taking it (CVE-2019-9517). */
  protected pauseReadingIfBacklogged(): void {
    // Only while the transport is full: output held back by the peer's flow-control windows waits for
    // a WINDOW_UPDATE, which must still be read (pausing then deadlocks the connection); writers wait
    // at the cap either way (queueOutput), so memory stays bounded.
    const over = this.transportBlocked && this.queuedBytes + this.output.bytes > this.options.maxPendingBytes;
    if (over === this.readingPaused) return;
    this.readingPaused = over;
    if (over) this.metrics.guards.sendBacklog++;
    this.updateReading();
  }

  /** updateReading pauses the transport while the backlog is over its cap or input waits for the next turn. */
  protected updateReading(): void {
    const pause = this.readingPaused || this.deferredInput !== null || this.readingStopped;
    if (pause === this.transportPaused || this.finished) return;
    this.transportPaused = pause;
    if (pause) this.transport.pause();
    else this.transport.resume();
  }

  // ===========================================================================
  // Errors.

  /** connectionError ends the connection with GOAWAY (RFC 9113 §5.4.1) and one log line. */
  protected connectionError(code: number, reason: string, streamId: number): void {
    if (this.closing) return;
    this.options.log('warn', 'connection error', {
      remote: this.remote, code: errorCodeName(code), reason, stream: streamId,
      lastStreamId: this.lastPeerStreamId, streams: this.streams.size,
    });
    this.queueGoaway(this.lastPeerStreamId, code, reason);
    this.startClosing();
    this.readingStopped = true;
    this.updateReading();
    const error = new StreamResetError(0, code, `h2wasm: connection error ${errorCodeName(code)}: ${reason}`);
    for (const s of this.streams.values()) s.fail(error);
    this.flush();
  }

  protected internalError(e: unknown): void {
    this.options.log('error', 'internal error', { remote: this.remote, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    if (this.finished) return;
    if (!this.closing) {
      try {
        this.queueGoaway(this.lastPeerStreamId, H2_INTERNAL_ERROR, 'internal error');
        const chunks = this.output.take();
        this.transport.write(chunks, chunks.reduce((n, c) => n + c.length, 0));
      } catch { /* the connection goes anyway */ }
    }
    this.startClosing();
    const error = new StreamResetError(0, H2_INTERNAL_ERROR, 'h2wasm: internal error');
    for (const st of this.streams.values()) st.fail(error);
    // Ended, not flushed again: the state that threw is not trusted. The close deadline still holds.
    if (!this.ended) {
      this.ended = true;
      this.transport.end();
    }
  }

  /** clearTimers ends the connection's deadlines. */
  protected clearTimers(): void {
    stopTicking(this);
  }
}

function frameName(event: StreamEvent): string {
  return ['HEADERS', 'HEADERS', 'DATA', 'DATA', 'RST_STREAM', 'WINDOW_UPDATE', 'PRIORITY'][event] ?? 'frame';
}

/** MIN_VIEWED_INPUT: a read smaller than this has its DATA payloads copied (small views would pin it). */
const MIN_VIEWED_INPUT = 16 * 1024;
/** COPY_LIMIT_BODY: payloads up to this size are copied (from a pool) even from a viewed input. */
const COPY_LIMIT_BODY = 1024;

/** dataBytes sums the payload lengths of the DATA records among the first count records. */
function dataBytes(records: Int32Array, count: number): number {
  let sum = 0;
  for (let i = 0, base = 0; i < count; i++, base += REC_WORDS) {
    if (records[base + REC_TYPE] === FRAME_DATA) sum += records[base + REC_B];
  }
  return sum;
}
