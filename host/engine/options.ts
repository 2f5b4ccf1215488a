// Engine options: defaults, and the clamp that turns a bad tuning value into
// the nearest good one plus one warning (Hyperion's settings clamp; STYLE
// habit 11: configuration forgives, it never crashes the boot).

import { DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, DEFAULT_INITIAL_WINDOW_SIZE } from '../../assembly/abi.js';
import type { EngineOptions, Log } from './types.js';
import { EngineMetrics } from './metrics.js';

export const DEFAULT_MAX_CONCURRENT_STREAMS = 128;
export const DEFAULT_STREAM_WINDOW_SIZE = 1 << 20;
export const DEFAULT_CONNECTION_WINDOW_SIZE = 16 << 20;
export const DEFAULT_MAX_HEADER_LIST_SIZE = 64 << 10;
export const DEFAULT_SERVER_HEADER_TABLE_SIZE = 4096;
/** MAX_HEADER_TABLE_SIZE bounds the decoder table we offer: 64 KiB is plenty, and each connection pays for it. */
export const MAX_HEADER_TABLE_SIZE = 65536;
export const DEFAULT_MAX_PENDING_BYTES = 16 << 20;
export const DEFAULT_SETTINGS_TIMEOUT = 10_000;
export const DEFAULT_IDLE_TIMEOUT = 300_000;
/** DEFAULT_STREAM_IDLE_TIMEOUT: a stream on which nothing moves for 30 s is reset (nginx waits 60 s for a body read). */
export const DEFAULT_STREAM_IDLE_TIMEOUT = 30_000;
/** DEFAULT_WINDOW_STALL_TIMEOUT: a response held by the peer's windows (or its unread socket) this long is reset. */
export const DEFAULT_WINDOW_STALL_TIMEOUT = 30_000;
/** DEFAULT_HEADERS_TIMEOUT: a field block left open (HEADERS without END_HEADERS) this long ends the connection. */
export const DEFAULT_HEADERS_TIMEOUT = 20_000;
/** DEFAULT_CLOSE_TIMEOUT: a closing connection whose peer does not take its last bytes is destroyed after this. */
export const DEFAULT_CLOSE_TIMEOUT = 5_000;
export const DEFAULT_MAX_RESETS_PER_SECOND = 200;
/** DEFAULT_MAX_STREAMS_IN_FLIGHT: open streams in the whole process before new ones are refused (REFUSED_STREAM). */
export const DEFAULT_MAX_STREAMS_IN_FLIGHT = 20_000;

/** ResolvedOptions are EngineOptions with every value present and in range. */
export interface ResolvedOptions {
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
  headerTableSize: number;
  connectionWindowSize: number;
  maxPendingBytes: number;
  settingsTimeout: number;
  idleTimeout: number;
  streamIdleTimeout: number;
  windowStallTimeout: number;
  headersTimeout: number;
  closeTimeout: number;
  maxResetsPerSecond: number;
  maxStreamsInFlight: number;
  log: Log;
  /** Where the connections made with these options count what they do (one set per resolveOptions call: per server). */
  metrics: EngineMetrics;
}

/** defaultLog writes one JSON line per entry to the console's error stream. */
export const defaultLog: Log = (level, message, context) => {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...context });
  console.error(line);
};

/** clamp returns value forced into [min, max] (default when undefined), warning once through log when it had to change it. */
function clamp(log: Log, name: string, value: unknown, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    log('warn', `option ${name} is not a number; using the default`, { option: name, given: String(value), used: def });
    return def;
  }
  const v = Math.round(value);
  const used = Math.min(max, Math.max(min, v));
  if (used !== value) log('warn', `option ${name} out of range ${min}..${max}; clamped`, { option: name, given: value, used });
  return used;
}

/** resolveOptions fills defaults and clamps every value into its allowed range. */
export function resolveOptions(options: EngineOptions = {}): ResolvedOptions {
  const log = options.log ?? defaultLog;
  const s = options.settings ?? {};
  return {
    // RFC 9113 §6.5.2: the values each setting may take.
    maxConcurrentStreams: clamp(log, 'maxConcurrentStreams', s.maxConcurrentStreams, DEFAULT_MAX_CONCURRENT_STREAMS, 1, 2 ** 31 - 1),
    initialWindowSize: clamp(log, 'initialWindowSize', s.initialWindowSize, DEFAULT_STREAM_WINDOW_SIZE, 0, MAX_WINDOW_SIZE),
    maxFrameSize: clamp(log, 'maxFrameSize', s.maxFrameSize, DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE),
    maxHeaderListSize: clamp(log, 'maxHeaderListSize', s.maxHeaderListSize, DEFAULT_MAX_HEADER_LIST_SIZE, 1024, 1 << 24),
    headerTableSize: clamp(log, 'headerTableSize', s.headerTableSize, DEFAULT_SERVER_HEADER_TABLE_SIZE, 0, MAX_HEADER_TABLE_SIZE),
    connectionWindowSize: clamp(log, 'connectionWindowSize', s.connectionWindowSize, DEFAULT_CONNECTION_WINDOW_SIZE, DEFAULT_INITIAL_WINDOW_SIZE, MAX_WINDOW_SIZE),
    maxPendingBytes: clamp(log, 'maxPendingBytes', options.maxPendingBytes, DEFAULT_MAX_PENDING_BYTES, 64 << 10, 1 << 30),
    settingsTimeout: clamp(log, 'settingsTimeout', options.settingsTimeout, DEFAULT_SETTINGS_TIMEOUT, 0, 3_600_000),
    idleTimeout: clamp(log, 'idleTimeout', options.idleTimeout, DEFAULT_IDLE_TIMEOUT, 0, 86_400_000),
    streamIdleTimeout: clamp(log, 'streamIdleTimeout', options.streamIdleTimeout, DEFAULT_STREAM_IDLE_TIMEOUT, 0, 86_400_000),
    windowStallTimeout: clamp(log, 'windowStallTimeout', options.windowStallTimeout, DEFAULT_WINDOW_STALL_TIMEOUT, 0, 86_400_000),
    headersTimeout: clamp(log, 'headersTimeout', options.headersTimeout, DEFAULT_HEADERS_TIMEOUT, 0, 86_400_000),
    // Never 0: a connection that can neither write nor close must end some time (the liveness invariant).
    closeTimeout: clamp(log, 'closeTimeout', options.closeTimeout, DEFAULT_CLOSE_TIMEOUT, 100, 600_000),
    maxResetsPerSecond: clamp(log, 'maxResetsPerSecond', options.maxResetsPerSecond, DEFAULT_MAX_RESETS_PER_SECOND, 1, 1_000_000),
    maxStreamsInFlight: clamp(log, 'maxStreamsInFlight', options.maxStreamsInFlight, DEFAULT_MAX_STREAMS_IN_FLIGHT, 1, 10_000_000),
    log,
    metrics: new EngineMetrics(),
  };
}
