// Stream: one request stream on a server connection, as the handler sees it
// (the ServerStream contract in types.ts). It keeps the request body queue
// (receive side) and the response output queue (send side); the connection
// does the framing, flow control and scheduling.

import { H2_CANCEL, H2_INTERNAL_ERROR } from '../../assembly/abi.js';
import type { HeaderList } from '../core/hpack.js';
import type { RequestHead } from './request-check.js';
import { CLOSED, IDLE, type StreamState } from './stream-state.js';
import { DEFAULT_URGENCY } from './priority.js';
import type { HeaderInit, ServerStream } from './types.js';
import { forEachField, isConnectionSpecific, isPseudoHeader, lowerName } from './fields.js';

/** StreamOwner is what a Stream needs from its connection. */
export interface StreamOwner {
  readonly remote: string;
  /** sendHeaders encodes and queues a HEADERS frame (and CONTINUATIONs) now. */
  sendHeaders(stream: Stream, fields: HeaderList, endStream: boolean): void;
  /** queueOutput tells the scheduler the stream has output; it returns the promise a writer awaits (backpressure). */
  queueOutput(stream: Stream, bytes: number): Promise<void>;
  /** bodyConsumed credits n request-body bytes the application has read (RFC 9113 §6.9: windows are replenished as data is consumed). */
  bodyConsumed(stream: Stream, n: number): void;
  /** resetStream sends RST_STREAM and closes the stream. */
  resetStream(stream: Stream, code: number): void;
}

/** StreamResetError is how reads and writes fail once a stream is reset or its connection is gone. */
export class StreamResetError extends Error {
  override name = 'AbortError';
  constructor(readonly streamId: number, readonly code: number, message: string) {
    super(message);
  }
}

const RESOLVED: Promise<void> = Promise.resolve();
const EMPTY = new Uint8Array(0);
const textEncoder = new TextEncoder();

/** Stream implements ServerStream over one connection. */
export class Stream implements ServerStream {
  state: StreamState = IDLE;
  readonly method: string;
  readonly path: string;
  readonly scheme: string;
  readonly authority: string;
  /** The request's content-length, or -1. */
  readonly contentLength: number;
  hasBody: boolean;
  /** The request's field list was over SETTINGS_MAX_HEADER_LIST_SIZE: it gets a 431, not the handler. */
  headersTooLarge = false;

  // Receive side.
  /** Body bytes received so far (content-length check, RFC 9113 §8.1.1). */
  received = 0;
  /** Our receive window for this stream, as the peer sees it. */
  recvWindow: number;
  /** Bytes consumed by the application but not yet given back by a WINDOW_UPDATE. */
  recvUnacked = 0;
  /** Bytes received and not yet read by the application. */
  unread = 0;
  private chunks: Uint8Array[] = [];
  private chunkHead = 0;
  private bodyDone = false;
  private readWaiter: { resolve: (c: Uint8Array | null) => void; reject: (e: Error) => void } | null = null;
  trailers: HeaderList | null = null;

  // Send side.
  sendWindow: number;
  /** Response body chunks not yet framed. */
  out: Uint8Array[] = [];
  /** Offset into out[0] already framed. */
  outHead = 0;
  queued = 0;
  /** end() was called: END_STREAM goes on the last DATA frame (or on the trailers). */
  endQueued = false;
  /** The trailers to send after the last DATA, once the queue is empty. */
  sendTrailers: HeaderList | null = null;
  /** END_STREAM has been framed. */
  endSent = false;
  headersSent = false;
  /** The scheduler holds this stream. */
  scheduled = false;
  writeWaiters: Array<() => void> | null = null;

  // RFC 9218 priority.
  urgency = DEFAULT_URGENCY;
  incremental = false;

  /** The response finished before the request: the rest of the body is discarded as it arrives
   *  (its flow-control credit returned), and reads fail with this error. */
  bodyDiscarded: StreamResetError | null = null;
  /** Body bytes discarded since the response finished (RFC 9113 §8.1: past a bound, RST_STREAM NO_ERROR). */
  discarded = 0;
  /** When (ms) the peer's windows began holding back this stream's queued response, or 0 (window-stall guard). */
  stallSince = 0;
  /** DATA bytes sent since stallSince: 16 KiB of progress clears the stall (Sōzu's rule). */
  stallProgress = 0;

  /** Set when the stream is reset or its connection is gone. */
  resetError: StreamResetError | null = null;
  private controller: AbortController | null = null;
  /** Last time (ms) anything moved on this stream, for stall reaping. */
  lastProgress = 0;

  constructor(
    readonly id: number,
    readonly owner: StreamOwner,
    readonly headers: HeaderList,
    head: RequestHead,
    endStream: boolean,
    recvWindow: number,
    sendWindow: number,
  ) {
    this.method = head.method;
    this.path = head.path;
    this.scheme = head.scheme;
    this.authority = head.authority;
    this.contentLength = head.contentLength;
    this.hasBody = !endStream;
    this.bodyDone = endStream;
    this.recvWindow = recvWindow;
    this.sendWindow = sendWindow;
  }

  get remote(): string {
    return this.owner.remote;
  }

  /** The AbortSignal is made on first use: most handlers never look at it. */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.resetError !== null) this.controller.abort(this.resetError);
    }
    return this.controller.signal;
  }

  get closed(): boolean {
    return this.state === CLOSED || this.resetError !== null;
  }

  // ---------------------------------------------------------------------------
  // Receive side (called by the connection).

  /** pushBody queues a chunk of request body. */
  pushBody(chunk: Uint8Array): void {
    this.unread += chunk.length;
    const w = this.readWaiter;
    if (w !== null && this.chunks.length === this.chunkHead) {
      this.readWaiter = null;
      this.handOut(chunk);
      w.resolve(chunk);
      return;
    }
    this.chunks.push(chunk);
  }

  /** endBody marks the end of the request body (END_STREAM), with trailers if any. */
  endBody(trailers: HeaderList | null): void {
    this.bodyDone = true;
    this.trailers = trailers;
    const w = this.readWaiter;
    if (w !== null && this.chunks.length === this.chunkHead) {
      this.readWaiter = null;
      w.resolve(null);
    }
  }

  /** fail ends the stream for the application: pending and later reads and writes reject, the signal aborts. */
  fail(error: StreamResetError): void {
    if (this.resetError !== null) return;
    this.resetError = error;
    this.controller?.abort(error);
    const w = this.readWaiter;
    if (w !== null) {
      this.readWaiter = null;
      w.reject(error);
    }
    this.releaseWriters();
  }

  /** releaseWriters lets every waiting write() settle. */
  releaseWriters(): void {
    const waiters = this.writeWaiters;
    if (waiters === null) return;
    this.writeWaiters = null;
    for (const resolve of waiters) resolve();
  }

  /** discardBody drops the unread body because the response is complete while the request is not:
   *  a pending read and later ones fail with error. It returns the bytes dropped, for the windows. */
  discardBody(error: StreamResetError): number {
    this.bodyDiscarded = error;
    const w = this.readWaiter;
    if (w !== null) {
      this.readWaiter = null;
      w.reject(error);
    }
    return this.takeUnread();
  }

  /** takeUnread drops the unread body (the stream is gone) and returns its size, for the connection window. */
  takeUnread(): number {
    const n = this.unread;
    this.unread = 0;
    this.chunks = [];
    this.chunkHead = 0;
    return n;
  }

  private handOut(chunk: Uint8Array): void {
    this.unread -= chunk.length;
    this.owner.bodyConsumed(this, chunk.length);
  }

  // ---------------------------------------------------------------------------
  // ServerStream: request body.

  read(): Promise<Uint8Array | null> {
    if (this.chunkHead < this.chunks.length) {
      const chunk = this.chunks[this.chunkHead];
      this.chunks[this.chunkHead++] = EMPTY;
      if (this.chunkHead === this.chunks.length) {
        this.chunks = [];
        this.chunkHead = 0;
      }
      this.handOut(chunk);
      return Promise.resolve(chunk);
    }
    // A discarded body stays failed even once END_STREAM arrives: what was dropped is not a clean end.
    if (this.bodyDiscarded !== null) return Promise.reject(this.bodyDiscarded);
    if (this.bodyDone) return Promise.resolve(null);
    if (this.resetError !== null) return Promise.reject(this.resetError);
    if (this.readWaiter !== null) return Promise.reject(new Error('h2wasm: read() called while another read() is pending'));
    return new Promise((resolve, reject) => {
      this.readWaiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async () => {
        const chunk = await this.read();
        return chunk === null ? { done: true, value: undefined } : { done: false, value: chunk };
      },
      return: async () => {
        if (!this.bodyDone && this.resetError === null) this.reset(H2_CANCEL);
        return { done: true, value: undefined };
      },
    };
  }

  // ---------------------------------------------------------------------------
  // ServerStream: response.

  respond(status: number, headers?: HeaderInit, endStream = false): void {
    if (this.headersSent) throw new Error(`h2wasm: stream ${this.id}: the response has already been started`);
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`h2wasm: bad status ${status}`);
    if (this.resetError !== null) return;
    this.headersSent = true;
    const fields = responseFields(status, headers);
    if (endStream) this.endQueued = true;
    this.owner.sendHeaders(this, fields, endStream);
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (this.resetError !== null) return Promise.reject(this.resetError);
    if (this.endQueued) return Promise.reject(new Error(`h2wasm: stream ${this.id}: write() after end()`));
    if (!this.headersSent) this.respond(200);
    const bytes = typeof chunk === 'string' ? textEncoder.encode(chunk) : chunk;
    if (bytes.length === 0 || this.method === 'HEAD') return RESOLVED;
    this.out.push(bytes);
    this.queued += bytes.length;
    return this.owner.queueOutput(this, bytes.length);
  }

  end(chunk?: Uint8Array | string | null, trailers?: HeaderInit): Promise<void> {
    if (this.resetError !== null) return Promise.reject(this.resetError);
    if (this.endQueued) return RESOLVED;
    if (!this.headersSent) {
      // A response of one chunk and no trailers: HEADERS, then DATA with END_STREAM.
      this.respond(200);
    }
    let bytes = 0;
    if (chunk != null && this.method !== 'HEAD') {
      const b = typeof chunk === 'string' ? textEncoder.encode(chunk) : chunk;
      if (b.length > 0) {
        this.out.push(b);
        this.queued += b.length;
        bytes = b.length;
      }
    }
    if (trailers !== undefined) this.sendTrailers = trailerFields(trailers);
    this.endQueued = true;
    return this.owner.queueOutput(this, bytes);
  }

  reset(code?: number): void {
    if (this.resetError !== null || this.state === CLOSED) return;
    this.owner.resetStream(this, code ?? (this.headersSent ? H2_INTERNAL_ERROR : H2_CANCEL));
  }
}

/** responseFields makes a response's field list: :status, then date, then the application's
 *  fields with names lowercased and values checked. RFC 9110 §6.6.1: "An origin server with a clock
 *  ... MUST generate a Date header field"; a date the application sets replaces ours. */
export function responseFields(status: number, headers: HeaderInit | undefined): HeaderList {
  const fields: HeaderList = [[':status', STATUS_STRINGS[status] ?? String(status)], ['date', httpDate()]];
  if (headers !== undefined) forEachField(headers, addResponseField, fields);
  return fields;
}

let dateSecond = -1;
let dateValue = '';

/** httpDate returns the current IMF-fixdate (RFC 9110 §5.6.7), made once a second for every connection. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

/** addResponseField is addField for a response, where a date field replaces the one responseFields put second. */
function addResponseField(fields: HeaderList, name: string, value: string): void {
  if (name.length === 4 && lowerName(name) === 'date') {
    checkValue('date', value);
    fields[1] = ['date', value];
    return;
  }
  addField(fields, name, value);
}

/** trailerFields makes a trailer section's field list. */
export function trailerFields(headers: HeaderInit): HeaderList {
  const fields: HeaderList = [];
  forEachField(headers, addField, fields);
  return fields;
}

const STATUS_STRINGS: Record<number, string> = {};
for (const s of [200, 204, 206, 304, 400, 404, 500]) STATUS_STRINGS[s] = String(s);


/** addField appends one application field. Connection-specific fields are left out: RFC 9113 §8.2.2
 *  says an endpoint "MUST NOT generate" them, and an application used to HTTP/1.1 may still set them. */
function addField(fields: HeaderList, name: string, value: string): void {
  const n = lowerName(name);
  if (isPseudoHeader(n)) throw new TypeError(`h2wasm: pseudo-header ${n} cannot be set by the application`);
  if (isConnectionSpecific(n)) return;
  checkValue(n, value);
  fields.push([n, value]);
}

/** checkValue refuses a value with CR, LF or NUL (RFC 9113 §8.2.1), which would split or end the field. */
function checkValue(name: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) throw new TypeError(`h2wasm: invalid character in the value of ${name}`);
  }
}
