// Error mapping: what a client of the proxy sees when the origin fails. A
// plain HTTP request gets 502 (unreachable, GOAWAY, reset) or 504 (no answer
// in time); a gRPC-web call gets grpc-status UNAVAILABLE (14), the status gRPC
// clients retry on. Never a hung request: every path ends in a response.

import { H2Error } from '../engine/h2-error.js';

/** GRPC_* are the gRPC status codes the bridge produces (grpc/grpc doc/statuscodes.md). */
export const GRPC_UNKNOWN = 2;
export const GRPC_UNIMPLEMENTED = 12;
export const GRPC_INTERNAL = 13;
export const GRPC_UNAVAILABLE = 14;
export const GRPC_UNAUTHENTICATED = 16;
export const GRPC_PERMISSION_DENIED = 7;

/** OriginTimeout is the failure of an origin that did not answer in time. */
export class OriginTimeout extends Error {
  override name = 'OriginTimeout';
}

/** describeFailure says in one line why the origin failed (for grpc-message and 502 bodies). */
export function describeFailure(error: unknown): string {
  if (error instanceof H2Error) return `${error.message} (${error.codeName})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** httpFailure is the plain-HTTP answer to an origin failure: 504 for a timeout, else 502. */
export function httpFailure(error: unknown): Response {
  const status = error instanceof OriginTimeout ? 504 : 502;
  return new Response(`h2wasm gateway: ${status === 504 ? 'the origin did not answer in time' : 'the origin failed'}: ${describeFailure(error)}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

/** grpcStatusForHttp maps an origin's HTTP status to a gRPC status (grpc/grpc doc/http-grpc-status-mapping.md). */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400: return GRPC_INTERNAL;
    case 401: return GRPC_UNAUTHENTICATED;
    case 403: return GRPC_PERMISSION_DENIED;
    case 404: return GRPC_UNIMPLEMENTED;
    case 429: case 502: case 503: case 504: return GRPC_UNAVAILABLE;
    default: return GRPC_UNKNOWN;
  }
}

/** percentEncode encodes a grpc-message value (gRPC over HTTP/2: percent-encoded UTF-8, printable ASCII but "%" kept). */
export function percentEncode(message: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(message)) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
