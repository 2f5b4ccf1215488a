// The fetch-style adapter: runs a `(request, info) => Response` handler (the
// Workers / Deno / Bun / Hono convention; a Hono app's `app.fetch` fits) on
// h2wasm's ServerStream.

import type { Log, StreamHandler } from '../engine/types.js';
import { failStream, ignore } from './fail.js';
import { BadRequestError, requestFromStream } from './request.js';
import { sendResponse } from './response.js';
import { sendTextResponse, textResponse } from './text-response.js';
import { describeError, logToStderr } from './log.js';

/** FetchInfo is what a fetch handler learns beyond the Request. */
export interface FetchInfo {
  /** The peer's address, e.g. "127.0.0.1:53422". */
  readonly remote: string;
}

/** FetchHandler answers a Request with a Response. */
export type FetchHandler = (request: Request, info: FetchInfo) => Response | Promise<Response>;

/** FetchAdapterOptions tune fetchToStreamHandler. */
export interface FetchAdapterOptions {
  /** Where handler failures are reported; default a JSON line on stderr. */
  log?: Log;
}

const BAD_REQUEST = textResponse(400, 'bad request\n');

/** fetchToStreamHandler adapts a fetch-style handler to a StreamHandler. The handler gets a real
 *  Request (body streamed on demand from the stream, signal aborted when the peer resets) and its
 *  Response is streamed back with write backpressure; attach trailers with withTrailers().
 *  A handler that throws, rejects or returns something other than a Response gets a 500 (or, once
 *  the response has started, RST_STREAM INTERNAL_ERROR); so does a body that errors mid-way. A
 *  request undici cannot express (CONNECT, a bad :authority) gets a 400. A peer reset stops
 *  everything quietly. The returned handler never rejects. */
export function fetchToStreamHandler(fetch: FetchHandler, options: FetchAdapterOptions = {}): StreamHandler {
  const log = options.log ?? logToStderr;
  return async (stream) => {
    let request: Request;
    try {
      request = requestFromStream(stream);
    } catch (error) {
      if (error instanceof BadRequestError) {
        if (!stream.closed) sendTextResponse(stream, BAD_REQUEST).catch(ignore);
      } else {
        log('error', 'building the Request failed', { stream: stream.id, remote: stream.remote, error: describeError(error) });
        failStream(stream);
      }
      return;
    }

    let response: unknown;
    try {
      response = await fetch(request, { remote: stream.remote });
    } catch (error) {
      if (stream.signal.aborted) return;
      log('error', 'fetch handler failed', { stream: stream.id, remote: stream.remote, error: describeError(error) });
      failStream(stream);
      return;
    }
    if (!(response instanceof Response)) {
      log('error', 'fetch handler returned something other than a Response', { stream: stream.id, remote: stream.remote, returned: typeof response });
      failStream(stream);
      return;
    }
    if (stream.signal.aborted) {
      response.body?.cancel().catch(ignore);
      return;
    }

    try {
      await sendResponse(stream, response, stream.method === 'HEAD');
    } catch (error) {
      if (stream.signal.aborted) return;
      log('error', 'response failed', { stream: stream.id, remote: stream.remote, error: describeError(error) });
      failStream(stream);
    }
  };
}
