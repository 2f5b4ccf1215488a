// Response → ServerStream: the response half of the fetch-style adapter.

import type { ServerStream } from '../engine/types.js';
import { isConnectionSpecific } from '../engine/fields.js';
import { ignore } from './fail.js';
import { resolveTrailers, trailersOf } from './trailers.js';

/** responseFields lists a Response's fields for HTTP/2: names lowercase (Headers already keeps them
 *  so), connection-specific fields dropped (RFC 9113 §8.2.2), and each set-cookie its own field,
 *  since set-cookie values cannot be joined with commas (RFC 9110 §5.3). */
export function responseFields(headers: Headers): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  let setCookie = false;
  // forEach rather than for-of: the DOM lib this package builds with has no Headers iterator type.
  headers.forEach((value, name) => {
    if (name === 'set-cookie') setCookie = true;
    else if (!isConnectionSpecific(name)) fields.push([name, value]);
  });
  if (setCookie) for (const value of headers.getSetCookie()) fields.push(['set-cookie', value]);
  return fields;
}

/** sendResponse sends a Response on a stream: HEADERS, then the body chunk by chunk, each write
 *  awaited so a slow client slows the body's producer, then trailers if withTrailers attached any.
 *  For HEAD (headOnly) the body is cancelled unread. If the peer resets the stream (its signal
 *  aborts) the body is cancelled, which also ends a pending read of a long-lived body.
 *  Rejects if the body errors or the trailers function throws; the caller decides what that means. */
export async function sendResponse(stream: ServerStream, response: Response, headOnly: boolean): Promise<void> {
  const fields = responseFields(response.headers);
  const trailers = trailersOf(response);
  const body = response.body;
  if (headOnly || body === null) {
    if (body !== null) body.cancel().catch(ignore);
    if (headOnly || trailers === undefined) {
      stream.respond(response.status, fields, true);
      return;
    }
    stream.respond(response.status, fields);
    await stream.end(null, await resolveTrailers(trailers));
    return;
  }

  stream.respond(response.status, fields);
  const reader = body.getReader();
  const cancel = () => reader.cancel().catch(ignore);
  stream.signal.addEventListener('abort', cancel);
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      if (stream.signal.aborted) return;
      await stream.write(next.value);
    }
  } catch (error) {
    cancel();
    throw error;
  } finally {
    stream.signal.removeEventListener('abort', cancel);
  }
  if (stream.signal.aborted) return;
  await stream.end(null, trailers === undefined ? undefined : await resolveTrailers(trailers));
}
