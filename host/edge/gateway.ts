// The gateway Worker: every request goes on to the origin named by the ORIGIN
// variable as HTTP/2 (h2c with prior knowledge for h2c://, TLS without ALPN
// for https://), through the runtime-neutral forwarding layer in host/proxy/
// (header mapping, the gRPC-web bridge, error mapping).
//
// One session per request: workerd ties a socket to the request that opened
// it ("Cannot perform I/O on behalf of a different request"), so a session
// cannot serve the isolate's next request. The wire core, which is plain
// memory, is loaded once per isolate and shared.

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

export default {
  async fetch(request: Request, env: GatewayEnv, ctx: ExecutionContext): Promise<Response> {
    let origin: URL;
    try {
      origin = originUrl(env.ORIGIN);
    } catch (e) {
      return new Response(`h2wasm gateway is misconfigured: ${(e as Error).message}\n`, { status: 500 });
    }
    const options: EdgeConnectOptions = {
      connectTimeout: millis(env.CONNECT_TIMEOUT_MS, 10_000),
      streamIdleTimeout: millis(env.STREAM_IDLE_TIMEOUT_MS, 30_000),
      // One request per session: no idle PINGs; a closing session waits for its one stream.
      pingInterval: 0,
    };
    let session: Session | null = null;
    const upstream: Upstream = async (url, init) => {
      session = await connect(origin, options);
      return session.fetch(url, init);
    };
    try {
      return await forward(request, upstream, {
        origin,
        headTimeout: millis(env.HEAD_TIMEOUT_MS, 30_000),
        cors: env.CORS !== 'off',
      });
    } finally {
      // Graceful: GOAWAY now, the connection closes once the response has streamed out.
      const s = session as Session | null;
      if (s !== null) ctx.waitUntil(s.close());
    }
  },
};
