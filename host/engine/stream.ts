// Stream: one stream of a connection, in either position: the body queue of
// what the peer sends (receive side) and the output queue of what we send
// (send side). The connection does the framing, flow control and scheduling;
// ServerStream (a request the handler answers) and ClientStream (a request we
// made) add what each message is.

import { H2_CANCEL, H2_INTERNAL_ERROR } from '../../assembly/abi.js';
import type { HeaderList } from '../core/hpack.js';
import { CLOSED, IDLE, type StreamState } from './stream-state.js';
import { DEFAULT_URGENCY } from './priority.js';
import type { HeaderInit } from './types.js';
import { trailerFields } from './fields.js';
import { H2Error } from './h2-error.js';

/** StreamOwner is what a Stream needs from its connection. */
export interface StreamOwner {
  readonly remote: string;
  readonly servername: string | null;
  /** sendHeaders encodes and queues a HEADERS frame (and CONTINUATIONs) now. */
  sendHeaders(stream: Stream, fields: HeaderList, endStream: boolean): void;
  /** queueOutput tells the scheduler the stream has output; it returns the promise a writer awaits (backpressure). */
  queueOutput(stream: Stream, bytes: number): Promise<void>;
  /** bodyConsumed credits n request-body bytes the application has read (RFC 9113 §6.9: windows are replenished as data is consumed). */
  bodyConsumed(stream: Stream, n: number): void;
  /** resetStream sends RST_STREAM and closes the stream. */
  resetStream(stream: Stream, code: number): void;
}

/** StreamResetError is how reads and writes fail once a stream is reset or its connection is gone.
 *  Its name is AbortError, as a fetch body's is when its request is aborted. */
export class StreamResetError extends H2Error {
  override name = 'AbortError';
  constructor(readonly streamId: number, code: number, message: string, retryable = false) {
    super(code, message, retryable);
  }
}

const RESOLVED: Promise<void> = Promise.resolve();
const EMPTY = new Uint8Array(0);
const textEncoder = new TextEncoder();

/** Stream is one stream of a connection: what both positions share. */
export abstract class Stream {
  /** The request path (for log lines). */
  abstract readonly path: string;
  state: StreamState = IDLE;
  /** The content-length of the message the peer sends on this stream, or -1. */
  contentLength = -1;
  /** The peer's message has no body to come (END_STREAM seen), or none is allowed (a response to HEAD). */
  protected bodyDone = false;

  // Receive side.
  /** Body bytes received so far (content-length check, RFC 9113 §8.1.1). */
  received = 0;
  /** receivedAll reports whether the peer's message has ended (END_STREAM seen). */
  get receivedAll(): boolean {
    return this.bodyDone;
  }

  /** The stream closed (its flow slot with it, unread body credited back then): reads report no consumption. */
  creditSettled = false;
  /** Bytes received and not yet read by the application. */
  unread = 0;
  private chunks: Uint8Array[] = [];
  private chunkHead = 0;
  private readWaiter: { resolve: (c: Uint8Array | null) => void; reject: (e: Error) => void } | null = null;
  trailers: HeaderList | null = null;

  // Send side (its window is the core's: docs/architecture.md, "Flow control").
  /** The core's last grant fell short with the stream's send window spent: it waits for a
   *  WINDOW_UPDATE (WU_WOKEN) or a SETTINGS that wakes it, out of the scheduler. */
  sendBlocked = false;
  /** Bytes demanded for this stream in the flush being planned (Connection.frameData), else 0. */
  planned = 0;
  /** Its END_STREAM alone (an empty DATA frame, or the trailers) is planned in that flush. */
  endPlanned = false;
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
  ) {}

  get remote(): string {
    return this.owner.remote;
  }

  get servername(): string | null {
    return this.owner.servername;
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
    const chunk = this.readBuffered();
    if (chunk !== null) return Promise.resolve(chunk);
    // A discarded body stays failed even once END_STREAM arrives: what was dropped is not a clean end.
    if (this.bodyDiscarded !== null) return Promise.reject(this.bodyDiscarded);
    if (this.bodyDone) return Promise.resolve(null);
    if (this.resetError !== null) return Promise.reject(this.resetError);
    if (this.readWaiter !== null) return Promise.reject(new Error('h2wasm: read() called while another read() is pending'));
    return new Promise((resolve, reject) => {
      this.readWaiter = { resolve, reject };
    });
  }

  /** readBuffered returns the next chunk of body that has already arrived, or null when none has
   *  (read() waits for one): a reader that drains what is there takes it without a promise each. */
  readBuffered(): Uint8Array | null {
    if (this.chunkHead >= this.chunks.length) return null;
    const chunk = this.chunks[this.chunkHead];
    this.chunks[this.chunkHead++] = EMPTY;
    if (this.chunkHead === this.chunks.length) {
      this.chunks = [];
      this.chunkHead = 0;
    }
    this.handOut(chunk);
    return chunk;
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
  // Send side: the body and trailers of our message.

  /** startMessage sends our HEADERS if they are not out yet (a server's implicit 200). */
  protected startMessage(): void {}

  /** bodyAllowed reports whether our message may carry a body (not a response to HEAD). */
  protected get bodyAllowed(): boolean {
    return true;
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (this.resetError !== null) return Promise.reject(this.resetError);
    if (this.endQueued) return Promise.reject(new Error(`h2wasm: stream ${this.id}: write() after end()`));
    this.startMessage();
    const bytes = typeof chunk === 'string' ? textEncoder.encode(chunk) : chunk;
    if (bytes.length === 0 || !this.bodyAllowed) return RESOLVED;
    this.out.push(bytes);
    this.queued += bytes.length;
    return this.owner.queueOutput(this, bytes.length);
  }

  end(chunk?: Uint8Array | string | null, trailers?: HeaderInit): Promise<void> {
    if (this.resetError !== null) return Promise.reject(this.resetError);
    if (this.endQueued) return RESOLVED;
    this.startMessage();
    let bytes = 0;
    if (chunk != null && this.bodyAllowed) {
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

