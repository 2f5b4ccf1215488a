// h2wasm/edge: the HTTP/2 client on Workers (connect() over 'cloudflare:sockets').
export { connect, edgeCore, responseTrailers, H2Error } from './client.js';
export type { EdgeConnectOptions, Session, ClientRequestInit, BodySource } from './client.js';
