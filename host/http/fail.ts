// What a request gets when the code answering it fails: the same on HTTP/2
// and on HTTP/1.1, for fetch-style and stream handlers alike.

import type { ServerStream } from '../engine/types.js';
import { H2_INTERNAL_ERROR } from '../../assembly/abi.js';
import { sendTextResponse, textResponse } from './text-response.js';

const INTERNAL_SERVER_ERROR = textResponse(500, 'internal server error\n');

/** failStream ends a stream whose handler failed: a 500 with a short text body when no response
 *  has started, otherwise RST_STREAM INTERNAL_ERROR (RFC 9113 §7: "The endpoint encountered an
 *  unexpected internal error"), since a started response cannot be taken back. It never throws. */
export function failStream(stream: ServerStream): void {
  if (stream.closed) return;
  if (stream.headersSent) {
    stream.reset(H2_INTERNAL_ERROR);
    return;
  }
  try {
    sendTextResponse(stream, INTERNAL_SERVER_ERROR).catch(ignore);
  } catch {
    // respond() threw: the stream closed under us (peer reset), nothing is left to tell.
    if (!stream.closed) stream.reset(H2_INTERNAL_ERROR);
  }
}

/** ignore swallows a rejection nobody can act on (the peer already went away). */
export function ignore(): void {}
