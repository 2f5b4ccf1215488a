// ServerConnection: the server role of the connection engine. What a HEADERS
// means here: a new peer stream is a request (checked, RFC 9113 §8.1–8.3, and
// handed to the handler once the records are walked); a second field block
// is its trailers. A response that ends before its request leaves the stream
// half-closed (local), RFC 9113 §8.1.

import { H2_PROTOCOL_ERROR, H2_INTERNAL_ERROR, H2_REFUSED_STREAM, H2_NO_ERROR } from '../../assembly/abi.js';
import type { Core } from '../core/core.js';
import type { FlatHeaderList } from '../core/hpack.js';
import { admission } from './admission.js';
import { Connection, CLIENT_PREFACE, type ConnectionEvents } from './connection.js';
import { checkRequest, type RequestHead } from './message-check.js';
import type { ResolvedOptions } from './options.js';
import { parsePriority } from './priority.js';
import { ServerStream } from './server-stream.js';
import { localSettingsBytes } from './settings.js';
import { HALF_CLOSED_LOCAL, HALF_CLOSED_REMOTE, OPEN } from './stream-state.js';
import { StreamResetError, type Stream } from './stream.js';
import type { StreamHandler, Transport } from './types.js';

export { CLIENT_PREFACE };

const HEAD_431: RequestHead = { method: 'GET', scheme: '', authority: '', path: '', contentLength: -1, priority: '' };
const TEXT_PLAIN = [['content-type', 'text/plain']] as const;

/** ServerConnection runs one HTTP/2 connection in the server position. */
export class ServerConnection extends Connection {
  /** Streams opened by the records being walked, dispatched once the walk is done (afterRecords). */
  private newStreams: ServerStream[] = [];
  /** The field list of the last valid request, for checkRequest (null until one came, and again
   *  once the connection idles: see idled()). Field lists are never changed once decoded. */
  private seenRequest: FlatHeaderList | null = null;
  /** The last Priority field value parsed, and what it gave (RFC 9218 §4). */
  private seenPriority = '';
  private seenUrgency = 0;
  private seenIncremental = false;

  constructor(
    core: Core,
    transport: Transport,
    options: ResolvedOptions,
    private readonly handler: StreamHandler,
    private readonly events: ConnectionEvents<ServerConnection> = {},
  ) {
    super(core, transport, options, true);
    this.sendPreface();
  }

  /** RFC 9113 §3.4: "The server connection preface consists of a potentially empty SETTINGS frame". */
  protected prefaceBytes(): Uint8Array {
    return localSettingsBytes(this.binding, this.options, true);
  }

  protected onNewPeerStream(id: number, endStream: boolean, fields: FlatHeaderList | null): void {
    if (this.peerActive >= this.options.maxConcurrentStreams) {
      // RFC 9113 §5.1.2: "An endpoint that receives a HEADERS frame that causes its advertised
      // concurrent stream limit to be exceeded MUST treat this as a stream error of type
      // PROTOCOL_ERROR or REFUSED_STREAM." REFUSED_STREAM tells the client it may retry.
      this.metrics.guards.maxConcurrentStreams++;
      this.streamError(id, H2_REFUSED_STREAM, 'over SETTINGS_MAX_CONCURRENT_STREAMS');
      return;
    }
    if (admission.streamsInFlight >= this.options.maxStreamsInFlight) {
      // Admission control across the process: refused, not counted against the peer's reset budget
      // (it did nothing wrong); REFUSED_STREAM tells it the request was not processed (RFC 9113 §8.7).
      this.metrics.guards.streamsInFlight++;
      this.sendRst(id, H2_REFUSED_STREAM);
      return;
    }
    if (fields === null) {
      // The list was over our SETTINGS_MAX_HEADER_LIST_SIZE: 431 (RFC 6585), and the request body is refused.
      this.metrics.guards.headerListTooLarge++;
      const s = this.openRequest(id, [], HEAD_431, endStream);
      s.headersTooLarge = true;
      this.newStreams.push(s);
      return;
    }
    const head: RequestHead = { method: '', scheme: '', authority: '', path: '', contentLength: -1, priority: '' };
    const problem = checkRequest(fields, head, this.seenRequest ?? undefined);
    if (problem !== null) {
      // RFC 9113 §8.1.1: "Malformed requests or responses that are detected MUST be treated as a stream error of type PROTOCOL_ERROR."
      this.streamError(id, H2_PROTOCOL_ERROR, problem);
      return;
    }
    if (endStream && head.contentLength > 0) {
      this.streamError(id, H2_PROTOCOL_ERROR, 'content-length without DATA');
      return;
    }
    this.seenRequest = fields;
    const s = this.openRequest(id, fields, head, endStream);
    if (head.priority !== '') this.applyPriority(head.priority, s);
    const update = this.pendingPriority?.get(id);
    if (update !== undefined) {
      this.pendingPriority!.delete(id);
      parsePriority(update, s);
    }
    this.newStreams.push(s);
  }

  /** applyPriority sets a new stream's priority from its Priority field value: parsed once, then
   *  copied while the next requests send the same value. A new stream starts at the defaults, so
   *  what a value gives does not depend on the stream. */
  private applyPriority(value: string, s: ServerStream): void {
    if (value !== this.seenPriority) {
      parsePriority(value, s);
      this.seenPriority = value;
      this.seenUrgency = s.urgency;
      this.seenIncremental = s.incremental;
      return;
    }
    s.urgency = this.seenUrgency;
    s.incremental = this.seenIncremental;
  }

  /** An idle connection keeps nothing of its last request. */
  protected override idled(): void {
    super.idled();
    this.seenRequest = null;
  }

  /** onStreamHeaders takes a second field block on a request: its trailers (RFC 9113 §8.1). */
  protected onStreamHeaders(s: Stream, endStream: boolean, fields: FlatHeaderList | null): void {
    this.receiveTrailers(s, endStream, fields);
  }

  private openRequest(id: number, fields: FlatHeaderList, head: RequestHead, endStream: boolean): ServerStream {
    const s = new ServerStream(id, this, fields, head, endStream);
    this.registerStream(s, endStream ? HALF_CLOSED_REMOTE : OPEN);
    return s;
  }

  /** afterRecords runs the handlers of the streams the last frameRead opened. They run after its
   *  records are walked, never during: a handler may respond at once, and the HPACK encoder shares
   *  the exchange buffers the records point into. */
  protected afterRecords(): void {
    const list = this.newStreams;
    if (list.length === 0) return;
    this.newStreams = [];
    for (const s of list) {
      if (s.resetError !== null || this.closing) continue;
      if (s.headersTooLarge) {
        s.respond(431, TEXT_PLAIN);
        void s.end('request header fields too large\n').catch(() => {});
      } else {
        this.dispatch(s);
      }
    }
  }

  /** dispatch runs the handler for a new stream; a throw or rejection becomes a 500 or a reset. */
  private dispatch(s: ServerStream): void {
    try {
      const r = this.handler(s);
      if (r !== undefined && r !== null && typeof (r as Promise<void>).then === 'function') {
        (r as Promise<void>).then(undefined, (e: unknown) => this.handlerFailed(s, e));
      }
    } catch (e) {
      this.handlerFailed(s, e);
    }
  }

  private handlerFailed(s: ServerStream, e: unknown): void {
    // A peer that reset the stream or went away is not the handler's fault: stay quiet.
    if (s.resetError !== null || this.finished) return;
    this.options.log('error', 'handler failed', {
      remote: this.remote, stream: s.id, method: s.method, path: s.path,
      error: e instanceof Error ? (e.stack ?? e.message) : String(e),
    });
    if (!s.headersSent) {
      s.respond(500, TEXT_PLAIN);
      void s.end('internal server error\n').catch(() => {});
    } else {
      s.reset(H2_INTERNAL_ERROR);
    }
    this.scheduleFlush();
  }

  /** onSendEnded: the response is complete while the request is still open. RFC 9113 §8.1: "A server
   *  can send a complete response prior to the client sending an entire request". The stream is
   *  half-closed (local): the peer's frames on it are still judged by RFC 9113 (RST_STREAM, trailers,
   *  content-length, windows); its body is discarded with the credit returned, and only a body that
   *  goes on past MAX_DISCARDED_BODY gets RST_STREAM(NO_ERROR) (onData). */
  protected onSendEnded(s: Stream): void {
    if (s.state === HALF_CLOSED_LOCAL && s.bodyDiscarded === null) {
      const dropped = s.discardBody(new StreamResetError(s.id, H2_NO_ERROR, `h2wasm: stream ${s.id}: the request body was discarded (the response is complete)`));
      if (dropped > 0) this.consumed(s.id, dropped);
    }
  }

  /** A client's GOAWAY: the streams it opened still get their answers; the connection ends after them (maybeFinish). */
  protected onPeerGoaway(): void {}

  protected onClosed(): void {
    this.newStreams = [];
    this.events.closed?.(this);
  }
}
