// The engine's public contract: what a transport gives a connection, what a
// handler gets for each request stream, and the options that tune both.
// Runtime-neutral: nothing here names Node or Workers.

import type { HeaderList } from '../core/hpack.js';

/** HeaderInit is a response field list: pairs (order kept) or a record. Names are lowercased on the way out. */
export type HeaderInit = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string | number | ReadonlyArray<string>>>;

/** Transport is the byte pipe under one connection (a TCP or TLS socket on Node). */
export interface Transport {
  /** write sends the chunks in order as one write (a writev where it can); false when the pipe is backed up (then drained() follows). */
  write(chunks: Uint8Array[], totalBytes: number): boolean;
  /** pause stops delivering received bytes; resume starts again (CVE-2019-9517: we stop reading while our output is backed up). */
  pause(): void;
  resume(): void;
  /** end closes the pipe once everything written has gone out. */
  end(): void;
  /** destroy drops the pipe at once. */
  destroy(): void;
  /** A description of the peer for log lines, e.g. "127.0.0.1:53422". */
  readonly remote: string;
  /** The server name the peer asked for in its TLS handshake (SNI), when there was one. */
  readonly servername?: string;
  /** Bytes written but not yet taken by the peer (the window-stall guard watches it shrink). */
  readonly unsentBytes: number;
}

/** Log is the structured log sink: one call per line. */
export interface Log {
  (level: 'info' | 'warn' | 'error', message: string, context?: Record<string, unknown>): void;
}

/** Http2Settings are what we advertise (RFC 9113 §6.5.2) plus our connection receive window. */
export interface Http2Settings {
  /** SETTINGS_MAX_CONCURRENT_STREAMS; default 128. */
  maxConcurrentStreams?: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE for request bodies; default 1 MiB (0..2^31-1). */
  initialWindowSize?: number;
  /** SETTINGS_MAX_FRAME_SIZE we accept; default 16384 (16384..16777215). */
  maxFrameSize?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE; default 64 KiB. */
  maxHeaderListSize?: number;
  /** SETTINGS_HEADER_TABLE_SIZE of our HPACK decoder; default 4096 (0..65536). */
  headerTableSize?: number;
  /** The connection-level receive window (WINDOW_UPDATE on stream 0 right after the preface); default 16 MiB (65535..2^31-1). Node's http2 keeps 64 KiB, which caps upload throughput. */
  connectionWindowSize?: number;
}

/** EngineOptions tune one server connection. Out-of-range values are clamped with one warning. */
export interface EngineOptions {
  settings?: Http2Settings;
  /** Output bytes queued per connection before producers wait and reading stops; default 16 MiB. */
  maxPendingBytes?: number;
  /** How long the peer has to acknowledge our SETTINGS (ms); default 10 s. 0 disables. */
  settingsTimeout?: number;
  /** A connection with no open stream and no frame for this long is closed with GOAWAY (ms); default 5 min. 0 disables. */
  idleTimeout?: number;
  /** A stream on which nothing moves for this long (no body byte in or out, no write, no read) is reset with CANCEL (ms); default 30 s. 0 disables. */
  streamIdleTimeout?: number;
  /** A stream whose queued response the peer's windows (or its unread socket) hold back this long is reset with CANCEL (ms); default 30 s. Only a window of a full frame or 16 KiB of progress clears it (CVE-2019-9511). 0 disables. */
  windowStallTimeout?: number;
  /** A field block left open (HEADERS without END_HEADERS) this long ends the connection with ENHANCE_YOUR_CALM (ms); default 20 s. 0 disables. */
  headersTimeout?: number;
  /** A closing connection whose peer does not take its last bytes is destroyed after this (ms); default 5 s (100 ms..10 min). */
  closeTimeout?: number;
  /** Rapid Reset guard (CVE-2023-44487): streams reset by the peer per window before GOAWAY ENHANCE_YOUR_CALM; default 200 per 1 s. */
  maxResetsPerSecond?: number;
  /** Admission control: open streams in the whole process (every connection of every server) before new ones get REFUSED_STREAM; default 20,000. */
  maxStreamsInFlight?: number;
  /** Where log lines go; default a JSON line on stderr. */
  log?: Log;
}

/** ServerStream is the low-level request API: one per request stream. */
export interface ServerStream {
  /** The stream identifier. */
  readonly id: number;
  /** The request's decoded fields, pseudo-headers included, in wire order. */
  readonly headers: HeaderList;
  readonly method: string;
  /** :path (absent for CONNECT: ''). */
  readonly path: string;
  readonly scheme: string;
  /** :authority, or the host header; '' when neither. */
  readonly authority: string;
  /** Aborted when the peer resets the stream or the connection dies before the response ends. */
  readonly signal: AbortSignal;
  /** The peer's address, for logs. */
  readonly remote: string;
  /** The TLS server name (SNI) the client asked for on this connection, or null (h2c, no SNI). A proxy
   *  checks an :authority against the certificate served for it (RFC 9113 §9.1.1; 421). */
  readonly servername: string | null;
  /** Reports whether the request has a body still to come (END_STREAM not yet seen on HEADERS). */
  readonly hasBody: boolean;

  /** read returns the next chunk of the request body, or null at its end; it rejects if the stream was reset.
   *  Our receive window is replenished as chunks are read, not as they arrive. */
  read(): Promise<Uint8Array | null>;
  /** The request body as an async iterable of chunks (the same queue as read()). */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
  /** The request trailers, once read() has returned null (null when there were none). */
  readonly trailers: HeaderList | null;

  /** respond sends the response HEADERS; with endStream the response has no body. Throws if already sent. */
  respond(status: number, headers?: HeaderInit, endStream?: boolean): void;
  /** write queues a chunk of the response body; the promise settles when the connection's backlog is under its cap. */
  write(chunk: Uint8Array | string): Promise<void>;
  /** end finishes the response, with a last chunk and/or trailers; settles when the last byte is queued. */
  end(chunk?: Uint8Array | string | null, trailers?: HeaderInit): Promise<void>;
  /** reset sends RST_STREAM (default INTERNAL_ERROR 0x2 if a response was started, else CANCEL 0x8). */
  reset(code?: number): void;
  /** Reports whether respond() was called. */
  readonly headersSent: boolean;
  /** Reports whether the stream is closed (both directions done, or reset). */
  readonly closed: boolean;
}

/** StreamHandler is called once per request stream; a throw or rejection becomes 500 (or RST_STREAM INTERNAL_ERROR after respond). */
export type StreamHandler = (stream: ServerStream) => void | Promise<void>;
