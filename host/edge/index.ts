// h2wasm/edge: the HTTP/2 client on Workers (connect() over 'cloudflare:sockets'), and the gateway Worker.
export { connect, edgeCore, responseTrailers, H2Error } from './client.js';
export type { EdgeConnectOptions, Session, ClientRequestInit, BodySource } from './client.js';
export { default as gateway, originUrl, OriginSession } from './gateway.js';
export type { GatewayEnv, GatewayBindings } from './gateway.js';
export { forward } from '../proxy/forward.js';
export type { ForwardOptions, Upstream } from '../proxy/forward.js';
