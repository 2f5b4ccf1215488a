// ClientConnection: the client role of the connection engine. We open the
// streams (odd ids, in order); the peer opens none (we send
// SETTINGS_ENABLE_PUSH = 0). What a HEADERS means here: on one of our streams,
// a 1xx, the final response head, or the trailers. Requests over the peer's
// SETTINGS_MAX_CONCURRENT_STREAMS wait in order for a stream to close (where
// node:http2 fails them with REFUSED_STREAM). An idle connection checks its
// peer with PING.

import { H2_PROTOCOL_ERROR, H2_REFUSED_STREAM, H2_NO_ERROR, H2_CANCEL, H2_INTERNAL_ERROR } from '../../assembly/abi.js';
import type { Core } from '../core/core.js';
import type { FlatHeaderList, HeaderList } from '../core/hpack.js';
import { concatBytes } from '../bytes.js';
import { Connection, CLIENT_PREFACE, MAX_STREAM_ID, type ConnectionEvents } from './connection.js';
import { ClientResponseHead, ClientStream } from './client-stream.js';
import { H2Error } from './h2-error.js';
import { checkResponse, type ResponseHead } from './message-check.js';
import type { ResolvedOptions } from './options.js';
import { localSettingsBytes } from './settings.js';
import { IDLE, RECV_HEADERS_ES } from './stream-state.js';
import { StreamResetError, type Stream } from './stream.js';
import type { Transport } from './types.js';

/** RequestInit for ClientConnection.request: the field block and whether a body follows. */
export interface ClientRequest {
  /** The request's fields, pseudo-headers first (:method, :scheme, :authority, :path), names lowercase. */
  fields: HeaderList;
  /** No body follows: END_STREAM on the HEADERS. */
  endStream: boolean;
}

/** ClientOptions tune the client role beyond the engine options. */
export interface ClientRoleOptions {
  /** Send a PING after this long without a frame from the peer while requests are open or the
   *  session idles (ms); 0 disables. Default 30 s. */
  pingInterval?: number;
  /** A PING unanswered this long ends the connection (ms). Default 10 s. */
  pingTimeout?: number;
}

interface Waiting {
  request: ClientRequest;
  method: string;
  path: string;
  resolve: (s: ClientStream) => void;
  reject: (e: Error) => void;
}

/** Streams we open before the peer's first SETTINGS names its limit: RFC 9113 §6.5.2 says "Initially,
 *  there is no limit", but a server that then announces a lower one refuses the excess; 100 is the
 *  value RFC 9113 §6.5.2 recommends servers allow at least, and what Go's transport assumes. */
const INITIAL_MAX_CONCURRENT_STREAMS = 100;

const LIVENESS_PING = new Uint8Array([0x68, 0x32, 0x63, 0x6c, 0x69, 0x00, 0x00, 0x01]);

/** ClientConnection runs one HTTP/2 connection in the client position. */
export class ClientConnection extends Connection {
  private waiting: Waiting[] = [];
  /** No new stream may open: the peer's GOAWAY, our close(), ids used up. */
  private goingAway = false;
  /** Why new requests are refused once goingAway (a retryable error). */
  private goneReason: H2Error | null = null;
  private pingSentAt = 0;
  /** The field list of the last valid response head, for checkResponse (dropped when idle). */
  private seenResponse: FlatHeaderList | null = null;
  /** The peer's first SETTINGS came (its MAX_CONCURRENT_STREAMS, if any, is known). */
  private peerSettingsSeen = false;
  /** Resolves at the peer's first SETTINGS (RFC 9113 §3.4: the server's preface); rejects if the
   *  connection ends first (a peer that does not speak HTTP/2). */
  readonly peerPreface: Promise<void>;
  private settlePreface!: { resolve: () => void; reject: (e: Error) => void };
  private readonly pingInterval: number;
  private readonly pingTimeout: number;

  constructor(
    core: Core,
    transport: Transport,
    options: ResolvedOptions,
    role: ClientRoleOptions = {},
    private readonly events: ConnectionEvents<ClientConnection> & {
      /** A stream closed or a SETTINGS raised the limit: the connection can take requests again. */
      available?(connection: ClientConnection): void;
    } = {},
  ) {
    super(core, transport, options, false);
    this.pingInterval = Math.max(0, role.pingInterval ?? 30_000);
    this.pingTimeout = Math.max(100, role.pingTimeout ?? 10_000);
    this.peerPreface = new Promise((resolve, reject) => { this.settlePreface = { resolve, reject }; });
    this.peerPreface.catch(() => {});
    this.sendPreface();
  }

  /** RFC 9113 §3.4: "the client sends the client connection preface", the magic octets "followed by a SETTINGS frame". */
  protected prefaceBytes(): Uint8Array {
    return concatBytes([CLIENT_PREFACE, localSettingsBytes(this.binding, this.options, false)]);
  }

  /** Reports whether a request made now would open a stream at once (not wait, not fail). */
  get canOpen(): boolean {
    const limit = this.peerSettingsSeen ? this.peerMaxConcurrentStreams : Math.min(this.peerMaxConcurrentStreams, INITIAL_MAX_CONCURRENT_STREAMS);
    return !this.goingAway && !this.closing && this.localActive < limit;
  }

  /** Reports whether the connection takes new requests at all (they may wait for a stream). */
  get usable(): boolean {
    return !this.goingAway && !this.closing && !this.finished;
  }

  /** The number of requests open or waiting. */
  get load(): number {
    return this.localActive + this.waiting.length;
  }

  /** request opens a stream for a request and sends its HEADERS; it resolves with the stream once the
   *  HEADERS are queued (after waiting for the peer's MAX_CONCURRENT_STREAMS if need be). */
  request(request: ClientRequest): Promise<ClientStream> {
    if (!this.usable) return Promise.reject(this.refusal());
    const method = fieldValue(request.fields, ':method');
    const path = fieldValue(request.fields, ':path');
    if (this.canOpen && this.waiting.length === 0) return Promise.resolve(this.open(request, method, path));
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, method, path, resolve, reject });
    });
  }

  private refusal(): H2Error {
    return this.goneReason ?? new H2Error(H2_REFUSED_STREAM, 'h2wasm: the session is closed', true);
  }

  private open(request: ClientRequest, method: string, path: string): ClientStream {
    const id = this.nextLocalStreamId;
    this.nextLocalStreamId += 2;
    if (this.nextLocalStreamId > MAX_STREAM_ID) {
      // RFC 9113 §5.1.1: "Stream identifiers cannot be reused": a new connection takes the next requests.
      this.goAway(new H2Error(H2_REFUSED_STREAM, 'h2wasm: stream ids used up on this session', true));
    }
    const s = new ClientStream(id, this, method, path);
    this.registerStream(s, IDLE);
    // The flow slot opens in the flush that writes the HEADERS, so no answer is read before it exists.
    this.openFlowSlot(id);
    this.sendHeaders(s, request.fields, request.endStream);
    if (request.endStream) s.endQueued = true;
    return s;
  }

  /** openWaiting opens waiting requests while the peer's limit allows. */
  private openWaiting(): void {
    while (this.waiting.length > 0 && this.canOpen) {
      const w = this.waiting.shift()!;
      try {
        w.resolve(this.open(w.request, w.method, w.path));
      } catch (e) {
        w.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
    if (this.canOpen) this.events.available?.(this);
  }

  /** goAway stops new streams on this connection: waiting requests fail with a retryable error. */
  private goAway(reason: H2Error): void {
    if (this.goingAway) return;
    this.goingAway = true;
    this.goneReason = reason;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.reject(reason);
  }

  /** close sends GOAWAY and lets open requests finish; the transport closes after the last one. */
  close(): void {
    this.goAway(new H2Error(H2_REFUSED_STREAM, 'h2wasm: the session is closing', true));
    if (this.closing || this.goawaySent) return;
    // RFC 9113 §6.8: the last-stream-id names the peer's streams we processed: none, we refuse pushes.
    this.queueGoaway(0, H2_NO_ERROR, '');
    this.flush();
    this.maybeFinish();
  }

  protected onNewPeerStream(id: number): void {
    // A server opens streams only by PUSH_PROMISE, which we disabled (RFC 9113 §8.4, §5.1.1).
    this.connectionError(H2_PROTOCOL_ERROR, 'HEADERS opening a stream from the server', id);
  }

  /** An idle connection keeps nothing of its last response. */
  protected override idled(): void {
    super.idled();
    this.seenResponse = null;
  }

  /** onStreamHeaders takes a field block on one of our streams: a 1xx, the final head, or the trailers. */
  protected onStreamHeaders(s: Stream, endStream: boolean, fields: FlatHeaderList | null): void {
    const cs = s as ClientStream;
    if (fields === null) {
      this.streamError(s.id, H2_PROTOCOL_ERROR, 'response fields over maxHeaderListSize');
      return;
    }
    if (cs.head !== null) {
      this.receiveTrailers(s, endStream, fields);
      return;
    }
    const head: ResponseHead = { status: 0, contentLength: -1 };
    const problem = checkResponse(fields, head, this.seenResponse ?? undefined);
    if (problem !== null) {
      this.streamError(s.id, H2_PROTOCOL_ERROR, problem);
      return;
    }
    this.seenResponse = fields;
    if (head.status < 200) {
      // RFC 9113 §8.1: "An endpoint that receives a HEADERS frame without the END_STREAM flag set after
      // receiving a final (non-informational) status code MUST treat the corresponding request or response
      // as malformed"; a 1xx with END_STREAM is malformed too (it is not the end of the response).
      // 101 is not allowed in HTTP/2 (RFC 9113 §8.6).
      if (endStream || head.status === 101) {
        this.streamError(s.id, H2_PROTOCOL_ERROR, endStream ? 'informational response with END_STREAM' : '101 Switching Protocols');
        return;
      }
      cs.informational.push(new ClientResponseHead(head.status, fields));
      s.lastProgress = this.lastActivity;
      return;
    }
    if (endStream && head.contentLength > 0 && !(cs.method === 'HEAD' || head.status === 204 || head.status === 304)) {
      this.streamError(s.id, H2_PROTOCOL_ERROR, 'content-length without DATA');
      return;
    }
    cs.headReceived(head.status, fields, head.contentLength, endStream);
    s.lastProgress = this.lastActivity;
    if (endStream) this.endReceivedBody(s, null, RECV_HEADERS_ES);
  }

  /** Nothing to dispatch: the application waits on promises, which settle after the walk. */
  protected afterRecords(): void {}

  /** Our request is complete; the stream stays half-closed (local) until the response ends. */
  protected onSendEnded(): void {}

  /** onPeerGoaway: streams above lastStreamId were not processed (RFC 9113 §6.8): they fail with a
   *  retryable error; no new stream opens here. */
  protected onPeerGoaway(lastStreamId: number, code: number): void {
    const reason = new H2Error(H2_REFUSED_STREAM, `h2wasm: the server sent GOAWAY (${code === H2_NO_ERROR ? 'NO_ERROR' : code}) before this request was processed`, true);
    this.goAway(reason);
    for (const s of this.streams.values()) {
      if (s.id > lastStreamId) {
        s.fail(new StreamResetError(s.id, H2_REFUSED_STREAM, reason.message, true));
        this.closeStream(s);
      }
    }
  }

  protected override onPeerSettings(): void {
    if (!this.peerSettingsSeen) this.settlePreface.resolve();
    this.peerSettingsSeen = true;
    this.openWaiting();
  }

  /** A closed stream frees a place under the peer's limit. */
  protected override closeStream(s: Stream, peerReset = false): void {
    super.closeStream(s, peerReset);
    if (this.waiting.length > 0 || this.events.available !== undefined) queueMicrotask(() => this.openWaiting());
  }

  protected onClosed(): void {
    if (!this.peerSettingsSeen) this.settlePreface.reject(new H2Error(H2_CANCEL, 'h2wasm: the connection closed before the server\'s SETTINGS', true));
    this.goAway(new H2Error(H2_CANCEL, 'h2wasm: the connection closed', true));
    this.events.closed?.(this);
  }

  protected override onPingAck(data: Uint8Array): void {
    if (this.pingSentAt !== 0 && data.every((x, i) => x === LIVENESS_PING[i])) this.pingSentAt = 0;
  }

  /** tick adds the liveness check: a PING after pingInterval of silence; no ACK within pingTimeout ends the connection. */
  override tick(now: number): void {
    super.tick(now);
    if (this.closing || this.pingInterval === 0) return;
    if (this.pingSentAt !== 0) {
      if (now - this.pingSentAt >= this.pingTimeout) {
        this.options.log('info', 'peer did not answer PING, connection destroyed', { remote: this.remote });
        this.failAll(new StreamResetError(0, H2_INTERNAL_ERROR, 'h2wasm: the server stopped answering (PING timeout)', false));
        this.destroy();
      }
      return;
    }
    if (now - this.lastActivity >= this.pingInterval) {
      this.pingSentAt = now;
      this.output.pingFrame(false, LIVENESS_PING);
      this.flush();
    }
  }

  private failAll(error: StreamResetError): void {
    for (const s of this.streams.values()) s.fail(error);
  }
}

/** fieldValue returns the first value of name in fields, or ''. */
function fieldValue(fields: HeaderList, name: string): string {
  for (const f of fields) if (f[0] === name) return f[1];
  return '';
}
