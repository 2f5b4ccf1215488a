// Forwarding one request: the front stream (HTTP/2 or HTTP/1.1, the engine's
// ServerStream) to a backend stream (an HTTP/2 ClientStream, or a request of
// Node's http), bodies pumped both ways with backpressure (each write waits
// while its connection's backlog is over its cap, so a slow client or backend
// holds the other side back instead of making the proxy buffer), trailers
// end to end (gRPC works through it), and failures mapped to statuses.

import * as http from 'node:http';
import * as https from 'node:https';
import { H2_CANCEL, H2_INTERNAL_ERROR } from '../../../assembly/abi.js';
import type { HeaderList } from '../../core/hpack.js';
import type { ClientStream } from '../../engine/client-stream.js';
import { H2Error } from '../../engine/h2-error.js';
import type { ServerStream } from '../../engine/types.js';
import { clientAddressOf, forwardRequestFields, forwardResponseFields, forwardTrailerFields } from '../../proxy/forwarded.js';
import type { Backend, BackendSet } from './backends.js';
import { Http1ServerStream } from '../http1-stream.js';
import type { Log } from '../../engine/types.js';

/** Outcome is how a forwarded request ended, for metrics and logs. */
export interface Outcome {
  status: number;
  backend: Backend | null;
  /** none, or why the proxy answered itself: connect (502), timeout (504), reset (the backend reset mid-response), saturated (503). */
  error: 'none' | 'connect' | 'timeout' | 'reset' | 'saturated';
  /** Seconds to the response head. */
  seconds: number;
}

/** ForwardOptions tune forwarding. */
export interface ForwardOptions {
  /** How long a backend has to answer with a response head (ms); default 30 s. Then 504. */
  backendTimeout: number;
  log: Log;
}

/** versionOf names the protocol the client spoke, for via (RFC 9110 §7.6.3). */
function versionOf(front: ServerStream): string {
  return front instanceof Http1ServerStream ? '1.1' : '2';
}

/** IDEMPOTENT: methods RFC 9110 §9.2.2 calls idempotent, retried once on another backend. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const TEXT = { 'content-type': 'text/plain' };

class BackendTimeout extends Error {}

/** forward sends front's request to one of set's backends and its response back. */
export async function forward(front: ServerStream, set: BackendSet, options: ForwardOptions): Promise<Outcome> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let tried: Backend | null = null;
  let failure: 'connect' | 'timeout' = 'connect';
  for (let attempt = 0; attempt < 2; attempt++) {
    const backend = set.pick(tried);
    if (backend === null) {
      if (tried !== null) break; // the one retry has no other backend: answer for the failure
      front.respond(503, TEXT);
      await front.end('no healthy backend\n');
      return { status: 503, backend: null, error: 'saturated', seconds: seconds() };
    }
    tried = backend;
    const bodyStarted = { value: false };
    try {
      const status = (await backend.protocolNow()) === 'h2'
        ? await viaH2(front, backend, options, bodyStarted)
        : await viaH1(front, backend, options, bodyStarted);
      backend.succeeded();
      return { status, backend, error: 'none', seconds: seconds() };
    } catch (e) {
      if (front.closed) return { status: 0, backend, error: 'reset', seconds: seconds() };
      const timeout = e instanceof BackendTimeout;
      const notProcessed = e instanceof H2Error && e.retryable;
      // A refused stream or a GOAWAY is the backend shedding load, not failing; a connection that
      // cannot be made is a failure, though the client reports it retryable (nothing was sent).
      if (timeout || !notProcessed || isConnectError(e)) {
        if (backend.failed()) options.log('warn', 'backend ejected after consecutive failures', { backend: backend.label, error: (e as Error).message });
      }
      // RFC 9110 §9.2.2: an idempotent request may be sent again; one the backend did not process
      // (REFUSED_STREAM, above a GOAWAY, never connected) may be too, whatever its method, while none
      // of its body has been read from the client. A timeout is not retried: the backend may be
      // working on it, and a second wait would double the client's.
      const again = attempt === 0 && !timeout && !bodyStarted.value && !front.headersSent && (IDEMPOTENT.has(front.method) || notProcessed || isConnectError(e));
      failure = timeout ? 'timeout' : 'connect';
      if (again) continue;
      if (front.headersSent) {
        front.reset(H2_INTERNAL_ERROR);
        return { status: 0, backend, error: 'reset', seconds: seconds() };
      }
      break;
    }
  }
  // The first failure, or the retry's when there was one, is what the client is told.
  const status = failure === 'timeout' ? 504 : 502;
  front.respond(status, TEXT);
  await front.end(failure === 'timeout' ? 'backend timed out\n' : 'bad gateway\n').catch(() => {});
  return { status, backend: tried, error: failure, seconds: seconds() };
}

function isConnectError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || (e instanceof H2Error && e.code === 0xa);
}

/** forwardedFields builds the backend request's regular fields for front. */
function forwardedFields(front: ServerStream, keepTeTrailers: boolean, version: string): HeaderList {
  return forwardRequestFields(front.headers, {
    clientAddress: clientAddressOf(front.remote),
    proto: front.scheme === 'https' ? 'https' : 'http',
    host: front.authority,
    version,
    keepTeTrailers,
  });
}

/** WATCH_AFTER_MS is how long a request runs before its client's reset is watched through the
 *  stream's AbortSignal. Making the signal (an AbortController per stream) cost about a fifth of the
 *  proxy's CPU per request in alternating h2load runs, and most requests are over sooner; before
 *  then a client's reset still reaches the backend once a write to the client fails. */
const WATCH_AFTER_MS = 250;

/** watchReset calls cancel when front is reset, from WATCH_AFTER_MS on (at once if it already was);
 *  the function it returns stops watching. */
function watchReset(front: ServerStream, cancel: () => void): () => void {
  let signal: AbortSignal | null = null;
  const timer = setTimeout(() => {
    signal = front.signal;
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
  }, WATCH_AFTER_MS);
  return () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', cancel);
  };
}

/** withTimeout settles as p does, or rejects with BackendTimeout after ms and calls onTimeout (a
 *  reset). One promise and one timer: this runs once per request. */
function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Settled first: onTimeout rejects p at once, and the caller must see the timeout.
      reject(new BackendTimeout(`no response head within ${ms} ms`));
      onTimeout();
    }, ms);
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (e: unknown) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** viaH2 forwards over an HTTP/2 backend session; it resolves with the status once the response is done. */
async function viaH2(front: ServerStream, backend: Backend, options: ForwardOptions, bodyStarted: { value: boolean }): Promise<number> {
  const version = versionOf(front);
  const fields: HeaderList = [
    [':method', front.method],
    [':scheme', front.scheme || 'http'],
    [':authority', front.authority],
    [':path', front.path],
    ...forwardedFields(front, true, version),
  ];
  const stream = await backend.h2().open(backend.origin, { fields, endStream: !front.hasBody });
  const cancel = () => {
    if (!stream.closed) stream.reset(H2_CANCEL);
  };
  const unwatch = watchReset(front, cancel);
  try {
    if (front.hasBody) void pumpRequestToH2(front, stream, bodyStarted);
    const head = await withTimeout(stream.response, options.backendTimeout, cancel);
    const fields = forwardResponseFields(head.headers, '2');
    // What arrived with the head is passed on with it, before the front's next flush: the head, that
    // body and, when the backend has finished, the end and its trailers leave in one socket write
    // rather than one each. (What arrived is bounded by the backend stream's receive window.)
    const arrived: Uint8Array[] = [];
    while (stream.unread > 0) {
      const chunk = await stream.read();
      if (chunk === null) break;
      arrived.push(chunk);
    }
    const done = stream.receivedAll && stream.unread === 0;
    if (done && arrived.length === 0 && stream.trailers === null) {
      front.respond(head.status, fields, true);
      return head.status;
    }
    front.respond(head.status, fields);
    const trailers = () => (stream.trailers !== null ? forwardTrailerFields(stream.trailers) : undefined);
    const writes = arrived.map((chunk) => front.write(chunk));
    if (done) writes.push(front.end(null, trailers()));
    await Promise.all(writes);
    if (!done) {
      for (;;) {
        const chunk = await stream.read();
        if (chunk === null) break;
        await front.write(chunk);
      }
      await front.end(null, trailers());
    }
    return head.status;
  } catch (e) {
    // The client went away (a write failed) or the backend did: either way the backend stream is done.
    cancel();
    throw e;
  } finally {
    unwatch();
  }
}

/** pumpRequestToH2 copies the request body and trailers to the backend stream. */
async function pumpRequestToH2(front: ServerStream, stream: ClientStream, bodyStarted: { value: boolean }): Promise<void> {
  try {
    for (;;) {
      const chunk = await front.read();
      bodyStarted.value = true;
      if (chunk === null) break;
      await stream.write(chunk);
    }
    await stream.end(null, front.trailers !== null ? forwardTrailerFields(front.trailers) : undefined);
  } catch {
    if (!stream.closed) stream.reset(H2_CANCEL);
  }
}

/** viaH1 forwards over HTTP/1.1 (Node's http, keep-alive agent). */
function viaH1(front: ServerStream, backend: Backend, options: ForwardOptions, bodyStarted: { value: boolean }): Promise<number> {
  const headers: Record<string, string | string[]> = { host: front.authority };
  for (const [name, value] of forwardedFields(front, false, versionOf(front))) {
    const had = headers[name];
    headers[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  const secure = backend.origin.protocol === 'https:';
  const request = (secure ? https : http).request({
    agent: backend.h1(), host: backend.origin.hostname, port: Number(backend.origin.port || (secure ? 443 : 80)),
    method: front.method, path: front.path, headers,
  });
  const cancel = () => request.destroy(new Error('the client went away'));
  const unwatch = watchReset(front, cancel);
  return new Promise<number>((resolve, reject) => {
    let headSeen = false;
    const timer = setTimeout(() => {
      if (headSeen) return;
      request.destroy();
      reject(new BackendTimeout(`no response head within ${options.backendTimeout} ms`));
    }, options.backendTimeout);
    request.on('error', (e) => {
      clearTimeout(timer);
      unwatch();
      reject(e);
    });
    request.on('response', (res) => {
      headSeen = true;
      clearTimeout(timer);
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
      const status = res.statusCode ?? 502;
      void (async () => {
        try {
          front.respond(status, forwardResponseFields(pairs, '1.1'));
          for await (const chunk of res) await front.write(chunk as Uint8Array);
          const trailers: Array<[string, string]> = [];
          for (let i = 0; i < res.rawTrailers.length; i += 2) trailers.push([res.rawTrailers[i].toLowerCase(), res.rawTrailers[i + 1]]);
          await front.end(null, trailers.length > 0 ? forwardTrailerFields(trailers) : undefined);
          resolve(status);
        } catch (e) {
          res.destroy();
          reject(e);
        } finally {
          unwatch();
        }
      })();
    });
    void pumpRequestToH1(front, request, bodyStarted);
  });
}

/** pumpRequestToH1 copies the request body to Node's request, waiting for 'drain' when it is full. */
async function pumpRequestToH1(front: ServerStream, request: http.ClientRequest, bodyStarted: { value: boolean }): Promise<void> {
  try {
    if (front.hasBody) {
      for (;;) {
        const chunk = await front.read();
        bodyStarted.value = true;
        if (chunk === null) break;
        if (!request.write(chunk)) await new Promise<void>((r) => request.once('drain', r));
      }
    }
    request.end();
  } catch (e) {
    request.destroy(e instanceof Error ? e : new Error(String(e)));
  }
}
