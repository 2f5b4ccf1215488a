// Response trailers for fetch-style handlers. The Fetch API has no way for a
// Response to carry trailers, so h2wasm adds one: a symbol-keyed property
// that the adapters read after the body has been sent.

import type { HeaderInit } from '../engine/types.js';

/** TrailersSource is a trailer field list, or a function that makes one once the body has been sent
 *  (so a checksum of the body can be computed while it streams). */
export type TrailersSource = HeaderInit | (() => HeaderInit | Promise<HeaderInit>);

/** RESPONSE_TRAILERS is the property under which withTrailers stores a response's trailers. */
export const RESPONSE_TRAILERS: unique symbol = Symbol.for('h2wasm.responseTrailers');

type WithTrailers = Response & { [RESPONSE_TRAILERS]?: TrailersSource };

/** withTrailers marks a Response to be followed by trailer fields, and returns the same Response.
 *  The h2wasm adapters (fetchToStreamHandler, createHttp1Server) send the trailers after the last
 *  body chunk: on HTTP/2 as a HEADERS frame with END_STREAM (RFC 9113 §8.1), on HTTP/1.1 in the
 *  last chunk of a chunked body (RFC 9112 §7.1.2; dropped when the body is not chunked, e.g. it
 *  has a content-length or the client spoke HTTP/1.0). When `trailers` is a function it is called
 *  after the body has been sent, so it can report something computed from the body:
 *
 *    let hash = createHash('sha256');
 *    const body = source.pipeThrough(new TransformStream({ transform(c, out) { hash.update(c); out.enqueue(c); } }));
 *    return withTrailers(new Response(body, { headers: { trailer: 'x-checksum' } }),
 *                        () => ({ 'x-checksum': hash.digest('hex') }));
 *
 *  Announce the names in a `trailer` response field (RFC 9110 §6.6.2) so clients can expect them. */
export function withTrailers(response: Response, trailers: TrailersSource): Response {
  (response as WithTrailers)[RESPONSE_TRAILERS] = trailers;
  return response;
}

/** trailersOf returns what withTrailers attached to a Response, or undefined. */
export function trailersOf(response: Response): TrailersSource | undefined {
  return (response as WithTrailers)[RESPONSE_TRAILERS];
}

/** resolveTrailers produces the trailer fields from a TrailersSource (calling it if it is a function). */
export async function resolveTrailers(source: TrailersSource): Promise<HeaderInit> {
  return typeof source === 'function' ? await source() : source;
}
