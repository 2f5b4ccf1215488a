// h2wasm: the public API.
export { loadCore, Core } from './core/core.js';
export type { LoadCoreOptions } from './core/load.js';
export { CoreTrap } from './core/load.js';
export type { CodecName } from './core/binding.js';
export { HpackDecoder, HpackEncoder, sensitiveHeaders } from './core/hpack.js';
export type { FlatHeaderList, HeaderList, HpackDecoderOptions, HpackEncoderOptions } from './core/hpack.js';
export { HpackError } from './core/errors.js';
export { FrameDecoder, FrameError, DEFAULT_MAX_HEADER_BLOCK_BYTES } from './core/frames.js';
export { FlowControl, FlushResult, FlowError } from './core/flow.js';
export type { FlowControlOptions, FlowPosition, Windows } from './core/flow.js';
export type {
  Frame, FrameInit, FrameDecoderOptions, PrioritySpec,
  DataFrame, HeadersFrame, PriorityFrame, RstStreamFrame, SettingsFrame, PushPromiseFrame,
  PingFrame, GoawayFrame, WindowUpdateFrame, ContinuationFrame, PriorityUpdateFrame,
  UnknownFrame, StreamErrorFrame, DecodedHeadersFrame, DecodedPushPromiseFrame, WireFrame, WindowUpdateOwedFrame,
} from './core/frames.js';
// The runtime-neutral engine: its contract, the connection, and the fetch adapter (h2wasm/node has serve()).
export { ServerConnection } from './engine/server.js';
export { resolveOptions } from './engine/options.js';
export { fetchToStreamHandler } from './http/fetch-handler.js';
export { withTrailers } from './http/trailers.js';
export type {
  ServerStream, StreamHandler, HeaderInit, EngineOptions, Http2Settings, Log, Transport,
} from './engine/types.js';
export type { FetchHandler, FetchInfo } from './http/fetch-handler.js';
