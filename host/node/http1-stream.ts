// Http1ServerStream: one HTTP/1.1 request/response pair (Node's
// IncomingMessage and ServerResponse) seen through the ServerStream
// interface, so the same StreamHandler serves HTTP/1.1 and HTTP/2.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { HeaderList } from '../core/hpack.js';
import type { HeaderInit, ServerStream } from '../engine/types.js';
import { fieldPairs } from '../engine/fields.js';
import { bodyIterator } from '../http/body-iterator.js';

/** StreamClosedError is how write() and end() reject once the connection is gone. */
export class StreamClosedError extends Error {
  override readonly name = 'StreamClosedError';
  constructor() {
    super('the HTTP/1.1 connection closed before the response ended');
  }
}

/** Http1ServerStream is a ServerStream over Node's HTTP/1.1 request and response objects. */
export class Http1ServerStream implements ServerStream {
  /** The request's number on its connection, from 1 (HTTP/1.1 has no stream identifiers). */
  readonly id: number;
  readonly method: string;
  /** The request target as sent (origin form, or "*" for OPTIONS). */
  readonly path: string;
  readonly scheme: string;
  readonly authority: string;
  readonly hasBody: boolean;
  trailers: HeaderList | null = null;

  private readonly req: IncomingMessage;
  private readonly res: ServerResponse;
  private fields: HeaderList | undefined;
  private abortController: AbortController | undefined;
  private aborted = false;
  private isClosed = false;
  private responded = false;
  private ended = false;
  private body: AsyncIterator<Buffer> | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, id: number) {
    this.req = req;
    this.res = res;
    this.id = id;
    this.method = req.method ?? 'GET';
    this.path = req.url ?? '/';
    this.scheme = (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
    this.authority = req.headers.host ?? '';
    // RFC 9112 §6.3: without Transfer-Encoding or Content-Length a request has no body.
    const length = req.headers['content-length'];
    this.hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    res.once('close', () => {
      this.isClosed = true;
      // ServerResponse closes after 'finish' too; only a close before it is the peer going away.
      if (!res.writableFinished) {
        this.aborted = true;
        this.abortController?.abort(new StreamClosedError());
      }
    });
  }

  /** headers lists the request as HTTP/2 would: pseudo-headers, then the fields with lowercase names. Built on first use. */
  get headers(): HeaderList {
    if (this.fields !== undefined) return this.fields;
    const list: HeaderList = [[':method', this.method], [':scheme', this.scheme]];
    if (this.authority) list.push([':authority', this.authority]);
    list.push([':path', this.path]);
    const raw = this.req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) list.push([raw[i].toLowerCase(), raw[i + 1]]);
    return (this.fields = list);
  }

  get signal(): AbortSignal {
    if (this.abortController === undefined) {
      this.abortController = new AbortController();
      if (this.aborted) this.abortController.abort(new StreamClosedError());
    }
    return this.abortController.signal;
  }

  get servername(): string | null {
    const name = (this.req.socket as { servername?: string | false }).servername;
    return typeof name === 'string' && name !== '' ? name : null;
  }

  get remote(): string {
    const { remoteAddress, remotePort } = this.req.socket;
    return remoteAddress?.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
  }

  get headersSent(): boolean {
    return this.responded;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async read(): Promise<Uint8Array | null> {
    if (!this.hasBody) return null;
    // The stream's own iterator: it reads on demand (the socket pauses while nobody reads) and
    // rejects when the connection dies mid-body.
    this.body ??= this.req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const next = await this.body.next();
    if (!next.done) return next.value;
    const raw = this.req.rawTrailers;
    if (raw.length > 0) {
      const list: HeaderList = [];
      for (let i = 0; i < raw.length; i += 2) list.push([raw[i].toLowerCase(), raw[i + 1]]);
      this.trailers = list;
    }
    return null;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return bodyIterator(this);
  }

  respond(status: number, headers?: HeaderInit, endStream = false): void {
    if (this.responded) throw new Error('respond: the response has already started');
    if (this.isClosed) throw new StreamClosedError();
    this.responded = true;
    const fields = fieldPairs(headers);
    let hasLength = false;
    for (const [name] of fields) if (name === 'content-length' || name === 'transfer-encoding') hasLength = true;
    const hasContent = this.method !== 'HEAD' && status !== 204 && status !== 304 && status >= 200;
    const flat: string[] = [];
    for (const [name, value] of fields) {
      // Node refuses a Trailer field on a response it will not chunk (ERR_HTTP_TRAILER_INVALID);
      // there the trailers cannot be sent anyway (RFC 9112 §7.1.2), so the announcement goes too.
      if (name === 'trailer' && (hasLength || !hasContent || !this.res.useChunkedEncodingByDefault)) continue;
      flat.push(name, value);
    }
    // An empty response says so with content-length: 0 rather than an empty chunked body.
    if (endStream && hasContent && !hasLength) flat.push('content-length', '0');
    this.res.writeHead(status, flat);
    if (endStream) {
      this.ended = true;
      this.res.end();
    }
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (this.isClosed || this.ended) return Promise.reject(new StreamClosedError());
    if (!this.responded) this.respond(200);
    if (this.res.write(chunk)) return Promise.resolve();
    // Backpressure: the socket's buffer is over its high-water mark; wait for it to drain.
    return new Promise((resolve, reject) => {
      const drained = () => {
        this.res.off('close', closed);
        resolve();
      };
      const closed = () => {
        this.res.off('drain', drained);
        reject(new StreamClosedError());
      };
      this.res.once('drain', drained);
      this.res.once('close', closed);
    });
  }

  end(chunk?: Uint8Array | string | null, trailers?: HeaderInit): Promise<void> {
    if (this.isClosed || this.ended) return Promise.reject(new StreamClosedError());
    if (!this.responded) this.respond(200);
    this.ended = true;
    // Sent in the last chunk of a chunked body; Node drops them when the body is not chunked.
    if (trailers !== undefined) this.res.addTrailers(fieldPairs(trailers));
    if (chunk === undefined || chunk === null) this.res.end();
    else this.res.end(chunk);
    return Promise.resolve();
  }

  /** reset closes the connection: HTTP/1.1 has no other way to abandon a response. The code is not sent anywhere. */
  reset(_code?: number): void {
    if (this.isClosed) return;
    this.res.destroy();
  }
}
