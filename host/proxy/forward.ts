// forward: one request through the proxy to its HTTP/2 origin, runtime-
// neutral (the Workers gateway uses it; the Node reverse proxy will). Plain
// HTTP is passed through with the hop-by-hop fields dropped and the bodies
// streamed both ways; gRPC-web is bridged to gRPC (grpc-web.ts); a failing
// origin becomes 502/504 or grpc-status UNAVAILABLE (errors.ts); browsers get
// CORS for gRPC-web (other preflights are the origin's to answer).

import type { ClientRequestInit } from '../http/client-fetch.js';
import { responseTrailers } from '../http/client-fetch.js';
import { GRPC_INTERNAL, GRPC_UNAVAILABLE, GRPC_UNKNOWN, OriginTimeout, describeFailure, grpcStatusForHttp, httpFailure } from './errors.js';
import { forwardedRequestHeaders, forwardedResponseHeaders } from './headers.js';
import {
  decodeTextBody, grpcRequestHeaders, grpcWebBody, grpcWebContentType, grpcWebKind, statusFields, type GrpcWebKind, type TextBody,
} from './grpc-web.js';

/** Upstream sends one request to the origin over HTTP/2 (a Session's fetch, or a pool's). */
export type Upstream = (url: URL, init: ClientRequestInit) => Promise<Response>;

/** ForwardOptions say where requests go and how long the origin has. */
export interface ForwardOptions {
  /** The origin: its scheme (http: for h2c, https:), host and port; paths come from the request. */
  origin: URL;
  /** How long the origin has to send the response head (ms); default 30 s. Then 504, or UNAVAILABLE. */
  headTimeout?: number;
  /** Answer gRPC-web CORS preflights and add CORS fields to gRPC-web responses; default true. */
  cors?: boolean;
}

/** DEFAULT_HEAD_TIMEOUT: the origin's time to answer before the client gets 504 (or UNAVAILABLE). */
const DEFAULT_HEAD_TIMEOUT = 30_000;
/** GRPC_EXPOSED are the response fields a browser's gRPC-web client must be able to read. */
const GRPC_EXPOSED = ['grpc-status', 'grpc-message', 'grpc-status-details-bin'];

/** forward sends request to the origin and resolves with the response for the client. */
export async function forward(request: Request, upstream: Upstream, options: ForwardOptions): Promise<Response> {
  const cors = options.cors !== false;
  if (cors && isGrpcWebPreflight(request)) return preflight(request);
  const kind = grpcWebKind(request.headers.get('content-type'));
  const incoming = new URL(request.url);
  const target = new URL(`${incoming.pathname}${incoming.search}`, options.origin);
  const headers = forwardedRequestHeaders(request.headers, incoming);
  let body: ReadableStream<Uint8Array> | null = request.method === 'GET' || request.method === 'HEAD' ? null : request.body;
  let textBody: TextBody | null = null;
  if (kind !== null) {
    grpcRequestHeaders(headers, kind);
    if (body !== null && kind.text) {
      textBody = decodeTextBody(body);
      body = textBody.body;
    }
  }
  let response: Response;
  try {
    response = await headWithin(upstream, target, { method: request.method, headers, body, retry: body === null }, options.headTimeout ?? DEFAULT_HEAD_TIMEOUT, request.signal);
  } catch (e) {
    if (kind === null) return httpFailure(e);
    // The client's base64 was bad: our doing to the origin (we reset the call), not the origin's failure.
    const bad = textBody?.error() ?? null;
    if (bad !== null) return grpcWebStatus(request, kind, GRPC_INTERNAL, `h2wasm gateway: the grpc-web-text request body is not base64: ${bad.message}`, cors);
    return grpcWebStatus(request, kind, GRPC_UNAVAILABLE, `h2wasm gateway: the origin is unavailable: ${describeFailure(e)}`, cors);
  }
  if (kind === null) {
    return new Response(response.body, { status: response.status, headers: forwardedResponseHeaders(response.headers) });
  }
  return bridgeResponse(request, kind, response, cors);
}

/** headWithin calls upstream and rejects with OriginTimeout (cancelling the request) when no head comes within ms. */
async function headWithin(upstream: Upstream, url: URL, init: ClientRequestInit, ms: number, clientSignal: AbortSignal | undefined): Promise<Response> {
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(clientSignal?.reason);
  clientSignal?.addEventListener('abort', onClientAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      upstream(url, { ...init, signal: controller.signal }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const e = new OriginTimeout(`no response head from ${url.host} within ${ms} ms`);
          controller.abort(e);
          reject(e);
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** bridgeResponse makes the gRPC-web response from the origin's gRPC response. */
function bridgeResponse(request: Request, kind: GrpcWebKind, response: Response, cors: boolean): Response {
  // A non-200 or non-gRPC answer is not a gRPC response: the status comes from the HTTP status.
  const ct = response.headers.get('content-type') ?? '';
  if (response.status !== 200 || !/^application\/grpc/i.test(ct)) {
    void response.body?.cancel().catch(() => {});
    const code = response.status !== 200 ? grpcStatusForHttp(response.status) : GRPC_UNKNOWN;
    return grpcWebStatus(request, kind, code, `h2wasm gateway: the origin answered HTTP ${response.status} ${ct}`.trim(), cors);
  }
  const headers = forwardedResponseHeaders(response.headers);
  headers.set('content-type', grpcWebContentType(kind, ct));
  headers.delete('content-length');
  if (cors) corsFields(request, headers);
  if (response.headers.has('grpc-status')) {
    // Trailers-only (the status came in the head): the fields stay where they are, no trailer frame.
    void response.body?.cancel().catch(() => {});
    return new Response(null, { status: 200, headers });
  }
  return new Response(grpcWebBody(kind, response.body, () => responseTrailers(response)), { status: 200, headers });
}

/** grpcWebStatus is a trailers-only gRPC-web response carrying a status the bridge decided. */
function grpcWebStatus(request: Request, kind: GrpcWebKind, code: number, message: string, cors: boolean): Response {
  const headers = new Headers({ 'content-type': grpcWebContentType(kind, null) });
  for (const [name, value] of statusFields(code, message)) headers.set(name, value);
  if (cors) corsFields(request, headers);
  return new Response(null, { status: 200, headers });
}

/** corsFields lets a browser page on another origin read the response and its gRPC status. */
function corsFields(request: Request, headers: Headers): void {
  const origin = request.headers.get('origin');
  if (origin === null) return;
  headers.set('access-control-allow-origin', origin);
  headers.append('vary', 'origin');
  const exposed = new Set(GRPC_EXPOSED);
  headers.forEach((_, name) => { if (!name.startsWith('access-control-')) exposed.add(name); });
  headers.set('access-control-expose-headers', [...exposed].join(', '));
}

/** isGrpcWebPreflight reports whether request is a CORS preflight for a gRPC-web call: gRPC-web
 *  clients send x-grpc-web, so they ask for it. Other preflights go to the origin, whose CORS policy
 *  the gateway does not widen. */
function isGrpcWebPreflight(request: Request): boolean {
  if (request.method !== 'OPTIONS' || !request.headers.has('access-control-request-method')) return false;
  return (request.headers.get('access-control-request-headers') ?? '').split(',').some((h) => h.trim().toLowerCase() === 'x-grpc-web');
}

/** preflight answers a CORS preflight (Fetch §3.2.2) for the method and fields asked for. */
function preflight(request: Request): Response {
  const headers = new Headers({
    'access-control-allow-origin': request.headers.get('origin') ?? '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': request.headers.get('access-control-request-headers') ?? 'content-type, x-grpc-web',
    'access-control-expose-headers': GRPC_EXPOSED.join(', '),
    'access-control-max-age': '86400',
    vary: 'origin',
  });
  return new Response(null, { status: 204, headers });
}
