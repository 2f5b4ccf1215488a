// The fetch API over the client position of the engine, runtime-neutral (Node
// and Workers): a request's fields from a URL, a method and Headers; its body
// sent as the peer's windows allow; the response as a fetch Response whose
// body is pulled from the stream (so our receive window opens only as fast as
// the application reads); the trailers through responseTrailers().

import { H2_CANCEL, H2_NO_ERROR } from '../../assembly/abi.js';
import type { HeaderList } from '../core/hpack.js';
import type { HeaderInit } from '../engine/types.js';
import type { ClientRequest } from '../engine/client.js';
import type { ClientStream } from '../engine/client-stream.js';
import { addField } from '../engine/fields.js';
import { H2Error } from '../engine/h2-error.js';

/** BodySource is what a request body may be. */
export type BodySource = ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer | ArrayBufferView | string | AsyncIterable<Uint8Array | string> | null | undefined;

/** ClientRequestInit is the part of RequestInit the client honours (plus async iterables as bodies). */
export interface ClientRequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodySource;
  signal?: AbortSignal | null;
  /** Trailer fields sent after the body (RFC 9113 §8.1: a HEADERS frame with END_STREAM), e.g. a
   *  checksum; an h2wasm extension of RequestInit. With no body, the request is HEADERS, then the
   *  trailers. */
  trailers?: HeaderInit;
  /** Retry a request the server did not process (REFUSED_STREAM, a GOAWAY below its id) once, on
   *  another connection, when its body can be sent again; default true. */
  retry?: boolean;
}

/** RESPONSE_TRAILERS keys a response's Trailers on the Response itself: a property store, where a
 *  WeakMap entry per response cost an ephemeron for the collector to trace. */
const RESPONSE_TRAILERS = Symbol('h2wasm.responseTrailers');
type WithTrailers = Response & { [RESPONSE_TRAILERS]?: ResponseBody };
const textEncoder = new TextEncoder();
/** Statuses whose Response may not have a body (Fetch: "null body status"). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** responseTrailers resolves with a response's trailers once its body has been read to the end
 *  (empty Headers when it had none; a body never read never ends). */
export function responseTrailers(response: Response): Promise<Headers> {
  return (response as WithTrailers)[RESPONSE_TRAILERS]?.promise() ?? Promise.resolve(new Headers());
}

/** ResponseBody is a response body's underlying source (pull, cancel) and the end it comes to, for
 *  responseTrailers; the trailers' promise is made only when asked for (most responses never are).
 *  One object per response: the closures it replaces cost as much again to make and to collect. */
class ResponseBody {
  private outcome: { headers: Headers } | { error: unknown } | null = null;
  private waiting: Promise<Headers> | null = null;
  private settleWaiting: ((o: { headers: Headers } | { error: unknown }) => void) | null = null;

  constructor(
    private readonly stream: ClientStream,
    private readonly signal: AbortSignal | null,
    private readonly onAbort: (() => void) | null,
  ) {}

  /** pull gives the stream what has arrived; it waits (returns a promise) only when nothing has. */
  pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> | undefined {
    let chunk: Uint8Array | null;
    try {
      chunk = this.stream.readBuffered();
    } catch (e) {
      this.fail(controller, e);
      return undefined;
    }
    if (chunk !== null) {
      this.deliver(controller, chunk);
      return undefined;
    }
    return this.stream.read().then(
      (c) => (c === null ? this.finish(controller) : this.deliver(controller, c)),
      (e: unknown) => this.fail(controller, e),
    );
  }

  cancel(): void {
    this.done();
    this.stream.reset(H2_CANCEL);
    this.settle(new H2Error(H2_CANCEL, 'h2wasm: the response body was cancelled'));
  }

  /** deliver enqueues chunk and whatever else has arrived: one pull per read of the socket, not per
   *  DATA frame; with the whole body read, the stream closes now rather than on the next pull. */
  private deliver(controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array): void {
    const stream = this.stream;
    try {
      controller.enqueue(chunk);
      for (let more = stream.readBuffered(); more !== null; more = stream.readBuffered()) controller.enqueue(more);
    } catch (e) {
      this.fail(controller, e);
      return;
    }
    if (stream.receivedAll && stream.unread === 0 && stream.bodyDiscarded === null && stream.resetError === null) this.finish(controller);
  }

  private finish(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.done();
    controller.close();
    this.settle(null);
  }

  private fail(controller: ReadableStreamDefaultController<Uint8Array>, e: unknown): void {
    this.done();
    this.settle(e);
    controller.error(this.signal?.aborted ? this.signal.reason : e);
  }

  /** followNullBody settles the end of a response that has no body to read (HEAD, 204, 304, …). */
  followNullBody(): void {
    this.stream.read().then(
      () => {
        this.done();
        this.settle(null);
      },
      (e: unknown) => {
        this.done();
        this.settle(e);
      },
    );
  }

  private done(): void {
    if (this.signal !== null) this.signal.removeEventListener('abort', this.onAbort!);
  }

  /** settle records the end of the body: null when it ended cleanly, else why it failed. */
  private settle(error: unknown): void {
    if (this.outcome !== null) return;
    if (error === null) {
      const headers = new Headers();
      for (const [name, value] of this.stream.trailers ?? []) headers.append(name, value);
      this.outcome = { headers };
    } else {
      this.outcome = { error };
    }
    this.settleWaiting?.(this.outcome);
  }

  promise(): Promise<Headers> {
    this.waiting ??= (this.outcome !== null ? Promise.resolve(this.outcome) : new Promise<{ headers: Headers } | { error: unknown }>((resolve) => { this.settleWaiting = resolve; }))
      .then((o) => ('headers' in o ? o.headers : Promise.reject(o.error)));
    return this.waiting;
  }
}

/** PreparedBody is a body in the form the sender takes: bytes that can be sent again, or a one-shot source. */
type PreparedBody = { replayable: true; bytes: Uint8Array } | { replayable: false; source: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array> } | null;

function prepareBody(body: BodySource): PreparedBody {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return { replayable: true, bytes: textEncoder.encode(body) };
  if (body instanceof Uint8Array) return { replayable: true, bytes: body };
  if (body instanceof ArrayBuffer) return { replayable: true, bytes: new Uint8Array(body) };
  if (ArrayBuffer.isView(body)) return { replayable: true, bytes: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
  if (typeof (body as ReadableStream).getReader === 'function' || Symbol.asyncIterator in (body as object)) {
    return { replayable: false, source: body as AsyncIterable<Uint8Array> };
  }
  throw new TypeError('h2wasm: unsupported request body (use a ReadableStream, bytes, a string or an async iterable)');
}

/** requestFields makes the field block of a request (RFC 9113 §8.3.1): the pseudo-headers, then the
 *  application's fields lowercased, connection-specific ones left out, host folded into :authority. */
export function requestFields(url: URL, method: string, headers: Headers | null): HeaderList {
  const fields: HeaderList = [
    [':method', method],
    [':scheme', url.protocol === 'https:' || url.protocol === 'h2:' ? 'https' : 'http'],
    [':authority', url.host],
    [':path', `${url.pathname || '/'}${url.search}`],
  ];
  headers?.forEach((value, name) => {
    // RFC 9113 §8.3.1: ":authority ... clients that generate HTTP/2 requests directly MUST use the
    // :authority pseudo-header field to convey authority information, unless there is no authority
    // information to convey". A host field the application set names the authority.
    if (name === 'host') {
      fields[2] = [':authority', value];
      return;
    }
    // RFC 9113 §8.2.2: TE "MAY be present in an HTTP/2 request; when it is, it MUST NOT contain any
    // value other than 'trailers'": keep that token, drop the rest.
    if (name === 'te') {
      if (value.split(',').some((t) => t.trim().toLowerCase() === 'trailers')) addField(fields, 'te', 'trailers');
      return;
    }
    // RFC 9113 §8.2.3: a cookie field may be split into one field per cookie-pair, for better compression.
    if (name === 'cookie') {
      for (const pair of value.split('; ')) addField(fields, 'cookie', pair);
      return;
    }
    addField(fields, name, value);
  });
  return fields;
}

/** ConnectionSource opens a request's stream on a connection it picks: the same one while it is
 *  usable, a new one when it is not (a retry after GOAWAY goes to a fresh connection). Picking and
 *  opening are one step (no await between them), so requests made together see each other's streams
 *  and a pool spreads them by the servers' limits. */
export interface ConnectionSource {
  open(url: URL, request: ClientRequest): Promise<ClientStream>;
}

/** fetchOver sends a request over a connection from source and resolves with the response head. */
export async function fetchOver(source: ConnectionSource, url: URL, init: ClientRequestInit = {}): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = init.headers === undefined ? null : new Headers(init.headers);
  const fields = requestFields(url, method, headers);
  const trailers = init.trailers;
  // Trailers need a body to follow (RFC 9113 §8.1): an empty one when the request has none.
  const body = prepareBody(init.body) ?? (trailers === undefined ? null : { replayable: true, bytes: new Uint8Array(0) });
  const signal = init.signal ?? null;
  signal?.throwIfAborted();
  const retry = init.retry !== false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await exchange(source.open(url, { fields, endStream: body === null }), method, body, trailers, signal);
    } catch (e) {
      // RFC 9113 §8.7: a request refused by REFUSED_STREAM or above a GOAWAY's last-stream-id was not
      // processed, and may be sent again, here once, when its body can be.
      const again = retry && attempt === 0 && e instanceof H2Error && e.retryable && (body === null || body.replayable) && !signal?.aborted;
      if (!again) throw e;
    }
  }
}

/** exchange sends one request on the stream opened and resolves with the Response at its head. */
async function exchange(opened: Promise<ClientStream>, method: string, body: PreparedBody, requestTrailers: HeaderInit | undefined, signal: AbortSignal | null): Promise<Response> {
  const stream = await opened;
  const onAbort = signal === null ? null : () => stream.reset(H2_CANCEL);
  signal?.addEventListener('abort', onAbort!, { once: true });
  if (body !== null) void sendBody(stream, body, requestTrailers);
  let head;
  try {
    head = await (signal === null ? stream.response : Promise.race([stream.response, aborted(signal)]));
  } catch (e) {
    signal?.removeEventListener('abort', onAbort!);
    throw signal?.aborted ? signal.reason : e;
  }
  const source = new ResponseBody(stream, signal, onAbort);
  const nullBody = NULL_BODY_STATUS.has(head.status) || method === 'HEAD';
  // No body to read: the stream ends (or is reset by us, a HEAD's content left unread) on its own.
  if (nullBody) source.followNullBody();
  const responseBody = nullBody ? null : new ReadableStream<Uint8Array>(source, { highWaterMark: 0 });
  const response = new Response(responseBody, { status: head.status });
  // Into the Response's own Headers: a Headers passed in init would be checked and copied a second time.
  const responseHeaders = response.headers;
  const fields = head.fields;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i];
    if (name.charCodeAt(0) !== 0x3a) responseHeaders.append(name, fields[i + 1]);
  }
  (response as WithTrailers)[RESPONSE_TRAILERS] = source;
  return response;
}

/** sendBody writes a request body with backpressure (write() waits while the connection's backlog is
 *  over its cap) and ends the stream; a failure resets it. */
async function sendBody(stream: ClientStream, body: Exclude<PreparedBody, null>, trailers: HeaderInit | undefined): Promise<void> {
  try {
    if (body.replayable) {
      await stream.end(body.bytes, trailers);
      return;
    }
    const source = body.source;
    const iterable: AsyncIterable<Uint8Array | string> =
      typeof (source as ReadableStream).getReader === 'function' && !(Symbol.asyncIterator in source)
        ? readerIterable(source as ReadableStream<Uint8Array>)
        : (source as AsyncIterable<Uint8Array | string>);
    for await (const chunk of iterable) {
      if (stream.closed) return;
      await stream.write(typeof chunk === 'string' ? textEncoder.encode(chunk) : chunk);
    }
    await stream.end(null, trailers);
  } catch (e) {
    // The server may end the exchange early (a complete response, then RST_STREAM NO_ERROR): not a failure.
    if (e instanceof H2Error && e.code === H2_NO_ERROR) return;
    if (!stream.closed) stream.reset(H2_CANCEL);
  }
}

async function* readerIterable(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
