// The CLI's demo app, written against the low-level StreamHandler API (the
// fast path; HTTP/1.1 reaches it through createHttp1Server({ stream })).
//
//   GET  /                 "hello world\n" (the benchmark's hot path: fields and body built once)
//   ANY  /echo             the request body streamed back; request fields as x-echo-<name>
//   GET  /bytes?n=N        N bytes (at most 2^40) of application/octet-stream, byte k = k mod 256
//   GET  /slow?ms=M        waits M ms (at most 60 s), then "slow M\n"
//   GET  /trailers         a text body, then the trailer x-checksum: sha256 of the body
//   GET  /<file>           with a root: files below it (static-files.ts); / stays the hello route
// Every GET route answers HEAD too (RFC 9110 §9.3.2).

import { createHash } from 'node:crypto';
import type { ServerStream, StreamHandler } from '../engine/types.js';
import { isConnectionSpecific, isPseudoHeader } from '../engine/fields.js';
import { ignore } from '../http/fail.js';
import { sendTextResponse, textResponse } from '../http/text-response.js';
import { staticFiles } from './static-files.js';

/** DemoAppOptions configure demoApp. */
export interface DemoAppOptions {
  /** A folder whose files are served for GET and HEAD of paths that no route takes. */
  root?: string;
}

/** BYTES_CHUNK_SIZE is what /bytes writes at a time (64 KiB); it is a multiple of 256, so the
 *  same pattern buffer serves every chunk. */
const BYTES_CHUNK_SIZE = 64 * 1024;
/** MAX_BYTES caps /bytes at 2^40 (1 TiB): more than any test needs, safely below 2^53. */
const MAX_BYTES = 2 ** 40;
/** MAX_SLOW_MS caps /slow at a minute. */
const MAX_SLOW_MS = 60_000;

const HELLO = textResponse(200, 'hello world\n');
const NOT_FOUND = textResponse(404, 'not found\n');
const GET_ONLY = textResponse(405, 'method not allowed\n', [['allow', 'GET, HEAD']]);
const BAD_N = textResponse(400, 'bad request: /bytes wants ?n=<non-negative integer>\n');
const BAD_MS = textResponse(400, 'bad request: /slow wants ?ms=<non-negative integer>\n');

/** BYTES_CHUNK holds byte k = k mod 256; /bytes sends it (or a prefix) again and again. Never written after this. */
const BYTES_CHUNK = Uint8Array.from({ length: BYTES_CHUNK_SIZE }, (_, k) => k & 0xff);

const encoder = new TextEncoder();
const TRAILERS_BODY = ['This body is followed by a trailer field.\n', 'x-checksum is the SHA-256 of these three lines,\n', 'sent after the last byte of the body.\n'].map((line) => encoder.encode(line));
const TRAILERS_CHECKSUM = TRAILERS_BODY.reduce((hash, chunk) => hash.update(chunk), createHash('sha256')).digest('hex');
const TRAILERS_FIELDS: ReadonlyArray<readonly [string, string]> = [['content-type', 'text/plain'], ['trailer', 'x-checksum']];

/** demoApp is the demo StreamHandler: the routes listed at the top of this file, and with `root` a static file server. */
export function demoApp(options: DemoAppOptions = {}): StreamHandler {
  const serveFile = options.root === undefined ? undefined : staticFiles(options.root);
  return (stream) => {
    const path = stream.path;
    const q = path.indexOf('?');
    const pathname = q < 0 ? path : path.slice(0, q);
    const getOrHead = stream.method === 'GET' || stream.method === 'HEAD';
    if (pathname === '/') {
      if (!getOrHead) return sendTextResponse(stream, GET_ONLY);
      // The hot path: no allocation beyond the engine's own. end() rejects only if the peer reset.
      if (stream.method === 'HEAD') return stream.respond(HELLO.status, HELLO.fields, true);
      stream.respond(HELLO.status, HELLO.fields);
      stream.end(HELLO.body).catch(ignore);
      return;
    }
    if (pathname === '/echo') return quietOnReset(stream, echo(stream));
    const query = q < 0 ? '' : path.slice(q + 1);
    switch (pathname) {
      case '/bytes':
        return getOrHead ? quietOnReset(stream, bytes(stream, query)) : sendTextResponse(stream, GET_ONLY);
      case '/slow':
        return getOrHead ? quietOnReset(stream, slow(stream, query)) : sendTextResponse(stream, GET_ONLY);
      case '/trailers':
        return getOrHead ? quietOnReset(stream, trailers(stream)) : sendTextResponse(stream, GET_ONLY);
    }
    if (serveFile === undefined) return sendTextResponse(stream, NOT_FOUND);
    if (!getOrHead) return sendTextResponse(stream, GET_ONLY);
    return quietOnReset(stream, serveFile(stream, pathname));
  };
}

/** quietOnReset lets a route's failure through to the engine (500 or RST_STREAM) unless the peer
 *  reset the stream, which is the usual reason a write or read rejects and needs no answer. */
function quietOnReset(stream: ServerStream, work: Promise<void>): Promise<void> {
  return work.catch((error: unknown) => {
    if (!stream.signal.aborted) throw error;
  });
}

/** echo streams the request body back as it arrives, with the request's fields as x-echo-<name>. */
async function echo(stream: ServerStream): Promise<void> {
  let contentType = 'application/octet-stream';
  const echoed: Array<[string, string]> = [];
  for (const [name, value] of stream.headers) {
    if (isPseudoHeader(name) || isConnectionSpecific(name)) continue;
    if (name === 'content-type') contentType = value;
    echoed.push([`x-echo-${name}`, value]);
  }
  const fields: Array<[string, string]> = [['content-type', contentType], ...echoed];
  if (stream.method === 'HEAD') {
    stream.respond(200, fields, true);
    return;
  }
  stream.respond(200, fields);
  for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) {
    if (chunk.length > 0) await stream.write(chunk);
  }
  await stream.end();
}

/** bytes sends n bytes in 64 KiB writes, each awaited, so the client's pace sets ours. */
async function bytes(stream: ServerStream, query: string): Promise<void> {
  const n = nonNegativeInteger(new URLSearchParams(query).get('n'));
  if (n === undefined) return sendTextResponse(stream, BAD_N);
  const size = Math.min(n, MAX_BYTES);
  const fields: Array<[string, string]> = [['content-type', 'application/octet-stream'], ['content-length', String(size)]];
  if (stream.method === 'HEAD' || size === 0) {
    stream.respond(200, fields, true);
    return;
  }
  stream.respond(200, fields);
  let left = size;
  for (; left > BYTES_CHUNK_SIZE; left -= BYTES_CHUNK_SIZE) {
    if (stream.signal.aborted) return;
    await stream.write(BYTES_CHUNK);
  }
  await stream.end(left === BYTES_CHUNK_SIZE ? BYTES_CHUNK : BYTES_CHUNK.subarray(0, left));
}

/** slow answers after ms milliseconds, or not at all if the peer resets first. */
async function slow(stream: ServerStream, query: string): Promise<void> {
  const asked = nonNegativeInteger(new URLSearchParams(query).get('ms'));
  if (asked === undefined) return sendTextResponse(stream, BAD_MS);
  const ms = Math.min(asked, MAX_SLOW_MS);
  const signal = stream.signal;
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
  if (signal.aborted) return;
  await sendTextResponse(stream, textResponse(200, `slow ${ms}\n`));
}

/** trailers sends a body in a few writes and then its checksum as a trailer field (RFC 9110 §6.5),
 *  announced up front in `trailer` (RFC 9110 §6.6.2). */
async function trailers(stream: ServerStream): Promise<void> {
  if (stream.method === 'HEAD') {
    stream.respond(200, TRAILERS_FIELDS, true);
    return;
  }
  stream.respond(200, TRAILERS_FIELDS);
  for (const chunk of TRAILERS_BODY) await stream.write(chunk);
  await stream.end(null, [['x-checksum', TRAILERS_CHECKSUM]]);
}

/** nonNegativeInteger parses decimal digits only ("1e3", "-1", "0x10", "" are refused); huge values become large numbers (or Infinity), for the caller to cap. */
function nonNegativeInteger(text: string | null): number | undefined {
  return text !== null && /^[0-9]+$/.test(text) ? Number(text) : undefined;
}
