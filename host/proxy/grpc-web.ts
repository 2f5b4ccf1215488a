// The gRPC-web bridge (github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md):
// a gRPC-web request becomes a gRPC request to the origin, and the origin's
// gRPC response a gRPC-web response. Messages keep their 5-byte framing both
// ways; what changes is the content type, te: trailers toward the origin, the
// base64 of the -text variants, and the trailers, which gRPC-web carries as a
// last length-prefixed frame with flag 0x80 ("name: value\r\n" lines).

import { Base64Decoder, Base64Encoder } from './base64.js';
import { GRPC_INTERNAL, GRPC_UNAVAILABLE, describeFailure, percentEncode } from './errors.js';

/** GrpcWebKind is what a gRPC-web content type says: base64 text or binary, and its +suffix (+proto, +json, or none). */
export interface GrpcWebKind {
  text: boolean;
  suffix: string;
}

/** TRAILER_FLAG marks the gRPC-web frame that carries the trailers. */
export const TRAILER_FLAG = 0x80;

/** grpcWebKind reads a content type; null when it is not gRPC-web. */
export function grpcWebKind(contentType: string | null): GrpcWebKind | null {
  const m = /^application\/grpc-web(-text)?(\+[a-z0-9._-]+)?\s*(;|$)/i.exec(contentType ?? '');
  if (m === null) return null;
  return { text: m[1] !== undefined, suffix: (m[2] ?? '').toLowerCase() };
}

/** grpcContentType is the content type of the gRPC request the bridge sends (the suffix kept). */
export function grpcContentType(kind: GrpcWebKind): string {
  return `application/grpc${kind.suffix}`;
}

/** grpcWebContentType is the content type of the gRPC-web response for the origin's gRPC content type. */
export function grpcWebContentType(kind: GrpcWebKind, originContentType: string | null): string {
  const m = /^application\/grpc(\+[a-z0-9._-]+)?/i.exec(originContentType ?? '');
  const suffix = m?.[1]?.toLowerCase() ?? kind.suffix;
  return `application/grpc-web${kind.text ? '-text' : ''}${suffix}`;
}

/** grpcRequestHeaders turns gRPC-web request fields (hop-by-hop already gone) into gRPC ones. */
export function grpcRequestHeaders(headers: Headers, kind: GrpcWebKind): Headers {
  headers.set('content-type', grpcContentType(kind));
  // gRPC over HTTP/2: "te: trailers" is required (it tells intermediaries trailers will follow).
  headers.set('te', 'trailers');
  // Base64 changes the length; the messages' own framing says where each ends.
  headers.delete('content-length');
  headers.delete('x-grpc-web');
  if (kind.text) headers.delete('accept');
  return headers;
}

/** trailerFrame makes the gRPC-web trailer frame from trailer fields. */
export function trailerFrame(fields: Iterable<[string, string]>): Uint8Array {
  let text = '';
  for (const [name, value] of fields) text += `${name.toLowerCase()}: ${value}\r\n`;
  const block = new TextEncoder().encode(text);
  const out = new Uint8Array(5 + block.length);
  out[0] = TRAILER_FLAG;
  new DataView(out.buffer).setUint32(1, block.length);
  out.set(block, 5);
  return out;
}

/** statusFields are the trailer fields of a status the bridge makes itself. */
export function statusFields(code: number, message: string): Array<[string, string]> {
  return [['grpc-status', String(code)], ['grpc-message', percentEncode(message)]];
}

/** TextBody is a -text request body decoded as it streams, and the decoding error if the client's base64 was bad. */
export interface TextBody {
  body: ReadableStream<Uint8Array>;
  error(): Error | null;
}

/** decodeTextBody turns a -text request body (base64, padding allowed mid-stream) into bytes as it streams. */
export function decodeTextBody(body: ReadableStream<Uint8Array>): TextBody {
  const decoder = new Base64Decoder();
  let failure: Error | null = null;
  const guard = (f: () => Uint8Array, controller: TransformStreamDefaultController<Uint8Array>) => {
    try {
      const bytes = f();
      if (bytes.length > 0) controller.enqueue(bytes);
    } catch (e) {
      failure = e as Error;
      throw e;
    }
  };
  return {
    body: body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) { guard(() => decoder.push(chunk), controller); },
      flush(controller) { guard(() => decoder.end(), controller); },
    })),
    error: () => failure,
  };
}

/** grpcWebBody is the gRPC-web response body: the origin's messages as they come (base64 in text
 *  mode), then the trailer frame made from the origin's trailers, or UNAVAILABLE when the origin's
 *  stream failed mid-flight. Pulled, so the client's reading paces the origin (backpressure). */
export function grpcWebBody(kind: GrpcWebKind, body: ReadableStream<Uint8Array> | null, trailers: () => Promise<Headers>): ReadableStream<Uint8Array> {
  const reader = body?.getReader() ?? null;
  const encoder = kind.text ? new Base64Encoder() : null;
  const out = (bytes: Uint8Array) => (encoder === null ? bytes : encoder.push(bytes));
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, fields: Iterable<[string, string]>) => {
    const frame = out(trailerFrame(fields));
    if (frame.length > 0) controller.enqueue(frame);
    if (encoder !== null) {
      const tail = encoder.end();
      if (tail.length > 0) controller.enqueue(tail);
    }
    controller.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = reader === null ? { done: true as const, value: undefined } : await reader.read();
        if (!next.done) {
          const bytes = out(next.value);
          if (bytes.length > 0) controller.enqueue(bytes);
          return;
        }
        const t = await trailers();
        const fields: Array<[string, string]> = [];
        t.forEach((value, name) => fields.push([name, value]));
        // An origin that ended without grpc-status broke the protocol: the call failed.
        finish(controller, t.has('grpc-status') ? fields : statusFields(GRPC_INTERNAL, 'the origin sent no grpc-status'));
      } catch (e) {
        // RST_STREAM, GOAWAY or a lost connection mid-flight: the call ends, with a status clients retry on.
        finish(controller, statusFields(GRPC_UNAVAILABLE, `h2wasm gateway: the origin failed mid-call: ${describeFailure(e)}`));
      }
    },
    cancel(reason) {
      return reader?.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
