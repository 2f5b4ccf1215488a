// FakeStream: an in-memory ServerStream for testing handlers without a
// connection. The request body is fed by the test (all at once or chunk by
// chunk); the response is recorded; writes can be held to test backpressure;
// abort() plays a peer's RST_STREAM.

import type { HeaderInit, ServerStream } from '../../host/engine/types.js';
import type { HeaderList } from '../../host/core/hpack.js';
import { fieldPairs } from '../../host/engine/fields.js';
import { bodyIterator } from '../../host/http/body-iterator.js';

/** FakeStreamInit describes the request. */
export interface FakeStreamInit {
  method?: string;
  path?: string;
  scheme?: string;
  /** :authority; default "localhost". Pass '' for none. */
  authority?: string;
  /** Regular request fields (pseudo-headers are added from the above). */
  headers?: Array<[string, string]>;
  /** The whole request body. Leave undefined with `open: true` to feed it with push()/finish(). */
  body?: Array<Uint8Array | string>;
  /** The request body stays open for push()/finish() (hasBody is true). */
  open?: boolean;
  /** Request trailers, given once the body ends. */
  trailers?: Array<[string, string]>;
  remote?: string;
  id?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** FakeStream is a ServerStream that records what a handler does with it. */
export class FakeStream implements ServerStream {
  readonly id: number;
  readonly headers: HeaderList;
  readonly method: string;
  readonly path: string;
  readonly scheme: string;
  readonly authority: string;
  readonly remote: string;
  /** No TLS server name: a fake stream stands for an h2c connection. */
  readonly servername: string | null = null;
  readonly hasBody: boolean;
  trailers: HeaderList | null = null;

  // What the handler sent.
  status: number | undefined;
  responseHeaders: Array<[string, string]> = [];
  chunks: Uint8Array[] = [];
  responseTrailers: Array<[string, string]> | undefined;
  /** Reports whether end() was called or respond() ended the stream. */
  ended = false;
  resetCode: number | undefined;
  /** How many times read() was called. */
  reads = 0;

  private readonly abortController = new AbortController();
  private readonly queue: Array<Uint8Array | null> = [];
  private readonly waiting: Array<{ resolve(c: Uint8Array | null): void; reject(e: Error): void }> = [];
  private requestTrailers: HeaderList | null;
  private held: Array<() => void> | undefined;
  private settle!: () => void;
  /** Settles when the response ends (end, or respond with endStream) or the stream is reset. */
  readonly done: Promise<void> = new Promise((resolve) => (this.settle = resolve));

  constructor(init: FakeStreamInit = {}) {
    this.id = init.id ?? 1;
    this.method = init.method ?? 'GET';
    this.path = init.path ?? '/';
    this.scheme = init.scheme ?? 'https';
    this.authority = init.authority ?? 'localhost';
    this.remote = init.remote ?? '127.0.0.1:40000';
    const pseudo: HeaderList = [[':method', this.method], [':scheme', this.scheme]];
    if (this.authority) pseudo.push([':authority', this.authority]);
    if (this.path) pseudo.push([':path', this.path]);
    this.headers = [...pseudo, ...(init.headers ?? [])];
    this.requestTrailers = init.trailers ?? null;
    this.hasBody = init.open === true || (init.body !== undefined && init.body.length > 0);
    if (init.body !== undefined) {
      for (const c of init.body) this.queue.push(typeof c === 'string' ? encoder.encode(c) : c);
      if (!init.open) this.queue.push(null);
    } else if (!init.open) {
      this.queue.push(null);
    }
  }

  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  get headersSent(): boolean {
    return this.status !== undefined;
  }

  get closed(): boolean {
    return this.ended || this.resetCode !== undefined || this.abortController.signal.aborted;
  }

  // --- request side, driven by the test ---

  /** push adds a request body chunk. */
  push(chunk: Uint8Array | string): void {
    this.deliver(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
  }

  /** finish ends the request body. */
  finish(): void {
    this.deliver(null);
  }

  /** abort plays a peer reset: the signal aborts, reads and writes reject. */
  abort(): void {
    this.abortController.abort(new Error('stream reset by peer'));
    for (const w of this.waiting.splice(0)) w.reject(new Error('stream reset by peer'));
    for (const release of this.held?.splice(0) ?? []) release();
    this.settle();
  }

  /** holdWrites makes write() promises stay pending until releaseWrites() (a backed-up connection). */
  holdWrites(): void {
    this.held = [];
  }

  /** releaseWrites settles every held write and stops holding. */
  releaseWrites(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const release of held) release();
  }

  /** heldWrites is how many write() promises are pending. */
  get heldWrites(): number {
    return this.held?.length ?? 0;
  }

  // --- what the handler sent ---

  /** body is the response body as one byte array. */
  body(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /** text is the response body decoded as UTF-8. */
  text(): string {
    return decoder.decode(this.body());
  }

  /** header returns the response field's values joined with ", " (undefined when absent). */
  header(name: string): string | undefined {
    const values = this.responseHeaders.filter(([n]) => n === name).map(([, v]) => v);
    return values.length === 0 ? undefined : values.join(', ');
  }

  // --- ServerStream ---

  read(): Promise<Uint8Array | null> {
    this.reads++;
    if (this.signal.aborted) return Promise.reject(new Error('stream reset by peer'));
    const next = this.queue.shift();
    if (next !== undefined) {
      if (next === null) this.trailers = this.requestTrailers;
      return Promise.resolve(next);
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return bodyIterator(this);
  }

  respond(status: number, headers?: HeaderInit, endStream = false): void {
    if (this.status !== undefined) throw new Error('respond: response already started');
    if (this.closed) throw new Error('respond: stream closed');
    this.status = status;
    this.responseHeaders = fieldPairs(headers);
    if (endStream) this.finishResponse();
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (this.signal.aborted) return Promise.reject(new Error('stream reset by peer'));
    if (this.status === undefined) throw new Error('write before respond');
    if (this.ended) throw new Error('write after end');
    this.chunks.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk.slice());
    if (this.held !== undefined) {
      const held = this.held;
      return new Promise((resolve) => held.push(resolve));
    }
    return Promise.resolve();
  }

  end(chunk?: Uint8Array | string | null, trailers?: HeaderInit): Promise<void> {
    if (this.signal.aborted) return Promise.reject(new Error('stream reset by peer'));
    if (this.status === undefined) throw new Error('end before respond');
    if (this.ended) throw new Error('end after end');
    if (chunk !== undefined && chunk !== null) this.chunks.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk.slice());
    if (trailers !== undefined) this.responseTrailers = fieldPairs(trailers);
    this.finishResponse();
    return Promise.resolve();
  }

  reset(code?: number): void {
    if (this.resetCode !== undefined) return;
    this.resetCode = code ?? (this.status === undefined ? 0x8 : 0x2);
    this.settle();
  }

  private finishResponse(): void {
    this.ended = true;
    this.settle();
  }

  private deliver(chunk: Uint8Array | null): void {
    const w = this.waiting.shift();
    if (w === undefined) {
      this.queue.push(chunk);
      return;
    }
    if (chunk === null) this.trailers = this.requestTrailers;
    w.resolve(chunk);
  }
}

/** runOnFakeStream runs a handler on a new FakeStream and waits until the response ends or the stream is reset. */
export async function runOnFakeStream(handler: (stream: ServerStream) => void | Promise<void>, init: FakeStreamInit): Promise<FakeStream> {
  const stream = new FakeStream(init);
  await handler(stream);
  await stream.done;
  return stream;
}

/** settle lets pending promise jobs, stream pulls and I/O callbacks run (a few event-loop turns; no clock). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
