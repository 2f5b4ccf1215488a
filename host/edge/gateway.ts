// The gateway Worker: every request goes on to the origin named by the ORIGIN
// variable as HTTP/2 (h2c with prior knowledge for h2c://, TLS without ALPN
// for https://), through the runtime-neutral forwarding layer in host/proxy/
// (header mapping, the gRPC-web bridge, error mapping).
//
// One session per request: workerd ties a socket to the request that opened
// it (a socket kept in the isolate is closed when its request ends), so a
// session cannot serve the isolate's next request. With the ORIGIN_SESSION
// Durable Object bound, requests go through one object per origin instead,
// which keeps one session and multiplexes every request on it. The wire
// core, which is plain memory, is loaded once per isolate and shared.

import { forward, type Upstream } from '../proxy/forward.js';
import { connect, type EdgeConnectOptions, type Session } from './client.js';

/** GatewayEnv is the Worker's configuration (wrangler.toml [vars]). */
export interface GatewayEnv {
  /** Where requests go: "h2c://host:port" or "https://host:port". */
  ORIGIN?: string;
  /** How long the origin has to send a response head (ms); default 30000. */
  HEAD_TIMEOUT_MS?: string;
  /** How long the TCP (and TLS) handshake may take (ms); default 10000. */
  CONNECT_TIMEOUT_MS?: string;
  /** A response body from the origin on which nothing moves this long is reset (ms); default 30000. */
  STREAM_IDLE_TIMEOUT_MS?: string;
  /** "off" to leave CORS to the origin. */
  CORS?: string;
}

/** ExecutionContext is the part of the Workers context the gateway uses. */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** DurableObjectNamespace is the part of a Durable Object binding the gateway uses. */
interface DurableObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** GatewayBindings are the variables and, optionally, the ORIGIN_SESSION Durable Object. */
export interface GatewayBindings extends GatewayEnv {
  /** OriginSession objects: one per origin, each keeping one HTTP/2 session for all requests. */
  ORIGIN_SESSION?: DurableObjectNamespace;
}

/** originUrl reads ORIGIN: h2c://host:port (plain TCP, prior knowledge) or https://host:port. */
export function originUrl(value: string | undefined): URL {
  if (value === undefined || value === '') throw new TypeError('ORIGIN is not set (h2c://host:port or https://host:port)');
  const given = new URL(value);
  if (given.protocol === 'h2c:' || given.protocol === 'http:') return new URL(`http://${given.host}`);
  if (given.protocol === 'https:') return new URL(`https://${given.host}`);
  throw new TypeError(`ORIGIN must be h2c://host:port or https://host:port, not ${value}`);
}

function millis(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** forwardOptions reads the variables that tune forward(). */
function forwardOptions(env: GatewayEnv, origin: URL) {
  return { origin, headTimeout: millis(env.HEAD_TIMEOUT_MS, 30_000), cors: env.CORS !== 'off' };
}

/** connectOptions reads the variables that tune the session. */
function connectOptions(env: GatewayEnv, perRequest: boolean): EdgeConnectOptions {
  return {
    connectTimeout: millis(env.CONNECT_TIMEOUT_MS, 10_000),
    streamIdleTimeout: millis(env.STREAM_IDLE_TIMEOUT_MS, 30_000),
    // One request per session: no idle PINGs; a closing session waits for its one stream.
    ...(perRequest ? { pingInterval: 0 } : {}),
  };
}

/** FixedLengthStream is workerd's identity stream that promises its length (Workers runtime API). */
declare const FixedLengthStream: (new (length: number) => TransformStream<Uint8Array, Uint8Array>) | undefined;

/** withKnownLength sends a body whose length the origin announced with that length: workerd
 *  otherwise sends any streamed body chunked, and ends the chunks cleanly even when the origin broke
 *  off mid-body, so the client could not tell. With the length promised, a body cut short fails. */
function withKnownLength(response: Response): Response {
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (response.body === null || !Number.isSafeInteger(length) || length < 0 || typeof FixedLengthStream !== 'function') return response;
  const fixed = new FixedLengthStream(length);
  response.body.pipeTo(fixed.writable).catch(() => {});
  return new Response(fixed.readable, response);
}

function misconfigured(e: unknown): Response {
  return new Response(`h2wasm gateway is misconfigured: ${(e as Error).message}\n`, { status: 500 });
}

export default {
  async fetch(request: Request, env: GatewayBindings, ctx: ExecutionContext): Promise<Response> {
    let origin: URL;
    try {
      origin = originUrl(env.ORIGIN);
    } catch (e) {
      return misconfigured(e);
    }
    if (env.ORIGIN_SESSION !== undefined) {
      // The origin's object holds the session: the request and both bodies stream through it.
      return env.ORIGIN_SESSION.get(env.ORIGIN_SESSION.idFromName(origin.href)).fetch(request);
    }
    let session: Session | null = null;
    const upstream: Upstream = async (url, init) => {
      session = await connect(origin, connectOptions(env, true));
      return session.fetch(url, init);
    };
    try {
      return withKnownLength(await forward(request, upstream, forwardOptions(env, origin)));
    } finally {
      // Graceful: GOAWAY now, the connection closes once the response has streamed out.
      const s = session as Session | null;
      if (s !== null) ctx.waitUntil(s.close());
    }
  },
};

/** OriginSession is the Durable Object that keeps one HTTP/2 session to the origin and forwards
 *  every request it gets over it (streams multiplexed, up to the origin's
 *  SETTINGS_MAX_CONCURRENT_STREAMS, then queued). A session that went away (GOAWAY, a reset, the
 *  idle timeout) is replaced by the next request. Bind it as ORIGIN_SESSION (README, "At the edge"). */
export class OriginSession {
  private session: Promise<Session> | null = null;

  constructor(_state: unknown, private readonly env: GatewayEnv) {}

  async fetch(request: Request): Promise<Response> {
    let origin: URL;
    try {
      origin = originUrl(this.env.ORIGIN);
    } catch (e) {
      return misconfigured(e);
    }
    const upstream: Upstream = async (url, init) => {
      if (this.session === null) {
        const opening = connect(origin, connectOptions(this.env, false));
        this.session = opening;
        // A failed dial is not kept: the next request tries again.
        opening.catch(() => { if (this.session === opening) this.session = null; });
      }
      const session = await this.session;
      if (session.closed) {
        this.session = null;
        return upstream(url, init);
      }
      return session.fetch(url, init);
    };
    return withKnownLength(await forward(request, upstream, forwardOptions(this.env, origin)));
  }
}
