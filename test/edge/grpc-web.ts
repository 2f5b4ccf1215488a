// Reading and writing gRPC-web bodies in the tests, independently of host/proxy/.

/** GrpcWebBody is a gRPC-web response body taken apart. */
export interface ParsedGrpcWeb {
  messages: Uint8Array[];
  /** The trailer frame's fields; null when there was none. */
  trailers: Record<string, string> | null;
}

/** webFrame makes one gRPC-web frame. */
export function webFrame(payload: Uint8Array, flags = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(5 + payload.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

/** parseGrpcWeb splits a binary gRPC-web body into messages and the trailer frame. */
export function parseGrpcWeb(body: Uint8Array): ParsedGrpcWeb {
  const out: ParsedGrpcWeb = { messages: [], trailers: null };
  let at = 0;
  while (at < body.length) {
    if (at + 5 > body.length) throw new Error('truncated gRPC-web frame header');
    const flags = body[at];
    const n = new DataView(body.buffer, body.byteOffset + at + 1, 4).getUint32(0);
    const payload = body.subarray(at + 5, at + 5 + n);
    if (payload.length !== n) throw new Error('truncated gRPC-web frame');
    at += 5 + n;
    if (flags & 0x80) {
      if (out.trailers !== null) throw new Error('two trailer frames');
      out.trailers = {};
      for (const line of new TextDecoder().decode(payload).split('\r\n')) {
        if (line === '') continue;
        const i = line.indexOf(':');
        out.trailers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      if (at !== body.length) throw new Error('bytes after the trailer frame');
    } else {
      out.messages.push(payload);
    }
  }
  return out;
}

/** protoString encodes a message whose field 1 is a string (HelloRequest, HelloReply). */
export function protoString(value: string): Uint8Array<ArrayBuffer> {
  const s = new TextEncoder().encode(value);
  const len: number[] = [];
  let n = s.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Uint8Array.from([0x0a, ...len, ...s]);
}
