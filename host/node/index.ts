// h2wasm/node: the HTTP/2 server and client on Node.js.
export { serve, loadServerCore } from './serve.js';
export type { ServeOptions, H2Server, TlsOptions } from './serve.js';
export { connect, createFetch, responseTrailers, H2Error } from './client.js';
export type { ConnectOptions, PoolOptions, PooledFetch, Session, ClientTlsOptions } from './client.js';
export type { ClientRequestInit, BodySource } from '../http/client-fetch.js';
export { demoApp } from './demo-app.js';
export type { DemoAppOptions } from './demo-app.js';
export { selfSignedCertificate } from './self-signed.js';
export { withTrailers } from '../http/trailers.js';
export type { FetchHandler, FetchInfo } from '../http/fetch-handler.js';
export type {
  ServerStream, StreamHandler, HeaderInit, EngineOptions, Http2Settings, Log, Transport,
} from '../engine/types.js';
export type { MetricsSnapshot } from '../engine/metrics.js';
export { proxy } from './proxy/proxy.js';
export type { ProxyOptions, ProxyServer } from './proxy/proxy.js';
