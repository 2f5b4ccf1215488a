// ServerStream → Request: the request half of the fetch-style adapter.

import type { ServerStream } from '../engine/types.js';
import { isPseudoHeader } from '../engine/fields.js';

/** BadRequestError says the stream's request cannot be expressed as a Request (bad :authority, a
 *  method the Fetch API forbids such as CONNECT, a field value undici refuses). */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}

// RFC 9113 §8.3.1: ":authority MUST NOT include the deprecated userinfo subcomponent"; a '/', '?'
// or '#' would move the rest of it into the URL's path or query.
const NOT_IN_AUTHORITY = /[/?#@\\\s]/;

/** requestFromStream builds a Request for a stream: URL from :scheme, :authority (or host, else
 *  "localhost") and :path; fields without pseudo-headers; the stream's abort signal; and, when a body
 *  is coming and the method may carry one, a body that pulls from stream.read() only when the
 *  handler reads (so our receive window opens only as fast as the handler consumes).
 *  Throws BadRequestError when undici refuses the pieces. */
export function requestFromStream(stream: ServerStream): Request {
  const authority = stream.authority || 'localhost';
  if (NOT_IN_AUTHORITY.test(authority)) throw new BadRequestError(`bad authority ${JSON.stringify(authority)}`);
  // CONNECT has no :path and OPTIONS may have "*": neither fits a URL's path.
  const path = stream.path.charCodeAt(0) === 0x2f ? stream.path : '/';
  const url = `${stream.scheme || 'http'}://${authority}${path}`;

  const fields: Array<[string, string]> = [];
  let cookie: string | undefined;
  for (const field of stream.headers) {
    const name = field[0];
    if (isPseudoHeader(name)) continue;
    if (name === 'cookie') {
      // RFC 9113 §8.2.3: "If there are multiple Cookie header fields after decompression, these
      // MUST be concatenated into a single octet string using the two-octet delimiter of 0x3b, 0x20
      // (the ASCII string "; ") before being passed into a non-HTTP/2 context". Headers.append
      // would join them with ", ".
      cookie = cookie === undefined ? field[1] : `${cookie}; ${field[1]}`;
      continue;
    }
    fields.push(field);
  }
  if (cookie !== undefined) fields.push(['cookie', cookie]);

  const init: RequestInit & { duplex?: 'half' } = { method: stream.method, headers: fields, signal: stream.signal };
  // undici refuses a body on GET and HEAD; such a body (rare, meaningless per RFC 9110 §9.3.1) is left unread.
  if (stream.hasBody && stream.method !== 'GET' && stream.method !== 'HEAD') {
    init.body = requestBody(stream);
    init.duplex = 'half';
  }
  try {
    return new Request(url, init);
  } catch (error) {
    throw new BadRequestError((error as Error).message, { cause: error });
  }
}

/** requestBody is a ReadableStream over the stream's body chunks. With a high-water mark of 0, pull
 *  runs only while a read is waiting, so no chunk is taken from the engine ahead of demand. */
function requestBody(stream: ServerStream): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A rejection (the peer reset the stream) errors the body, so the handler's read rejects too.
        const chunk = await stream.read();
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
}
