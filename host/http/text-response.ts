// Small fixed text responses (errors, demo replies), built once and sent
// with two calls: respond, then end with the body.

import type { ServerStream } from '../engine/types.js';

/** TextResponse is a status, its fields and a body, encoded once so sending it costs no per-request work. */
export interface TextResponse {
  readonly status: number;
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
}

const encoder = new TextEncoder();

/** textResponse builds a text/plain response with its content-length; extra fields follow those two. */
export function textResponse(status: number, text: string, extraFields: ReadonlyArray<readonly [string, string]> = []): TextResponse {
  const body = encoder.encode(text);
  return {
    status,
    fields: [['content-type', 'text/plain'], ['content-length', String(body.length)], ...extraFields],
    body,
  };
}

/** sendTextResponse sends a TextResponse; to a HEAD request only the fields go
 *  (RFC 9110 §9.3.2: "the server MUST NOT send content in the response"). */
export function sendTextResponse(stream: ServerStream, response: TextResponse): Promise<void> {
  if (stream.method === 'HEAD') {
    stream.respond(response.status, response.fields, true);
    return Promise.resolve();
  }
  stream.respond(response.status, response.fields);
  return stream.end(response.body);
}
