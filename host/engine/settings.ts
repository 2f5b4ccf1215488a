// Our SETTINGS (RFC 9113 §6.5), for either position: what the connection
// preface announces, built once per options object (every connection of a
// server or a client pool sends the same bytes).

import {
  SETTINGS_HEADER_TABLE_SIZE, SETTINGS_ENABLE_PUSH, SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE,
  SETTINGS_NO_RFC7540_PRIORITIES,
  DEFAULT_INITIAL_WINDOW_SIZE, DEFAULT_MAX_FRAME_SIZE, DEFAULT_HEADER_TABLE_SIZE,
} from '../../assembly/abi.js';
import type { CoreBinding } from '../core/binding.js';
import { encodeFrames, type FrameInit } from '../core/frames.js';
import type { ResolvedOptions } from './options.js';

/** localSettingsFrames returns our SETTINGS. The WINDOW_UPDATE that opens the connection window to
 *  connectionWindowSize is the flow's (FLOW_CMD_CONNECTION_TARGET, in the flush that writes these). */
export function localSettingsFrames(o: ResolvedOptions, isServer: boolean): FrameInit[] {
  // Only values that differ from the protocol defaults are sent, and the limits a peer must know.
  const settings: Array<[number, number]> = [];
  // Only the server limits streams the peer opens; a client refuses pushes instead (ENABLE_PUSH 0:
  // RFC 9113 §8.4 "A client ... can disable server push"), which a server may send too (§6.5.2).
  if (isServer) settings.push([SETTINGS_MAX_CONCURRENT_STREAMS, o.maxConcurrentStreams]);
  settings.push([SETTINGS_ENABLE_PUSH, 0]);
  if (o.initialWindowSize !== DEFAULT_INITIAL_WINDOW_SIZE) settings.push([SETTINGS_INITIAL_WINDOW_SIZE, o.initialWindowSize]);
  if (o.maxFrameSize !== DEFAULT_MAX_FRAME_SIZE) settings.push([SETTINGS_MAX_FRAME_SIZE, o.maxFrameSize]);
  if (o.headerTableSize !== DEFAULT_HEADER_TABLE_SIZE) settings.push([SETTINGS_HEADER_TABLE_SIZE, o.headerTableSize]);
  settings.push([SETTINGS_MAX_HEADER_LIST_SIZE, o.maxHeaderListSize]);
  // RFC 9218 §2.1: we do not use RFC 7540 priorities.
  settings.push([SETTINGS_NO_RFC7540_PRIORITIES, 1]);
  return [{ type: 'SETTINGS', settings }];
}

const cached = [new WeakMap<ResolvedOptions, Uint8Array>(), new WeakMap<ResolvedOptions, Uint8Array>()];

/** localSettingsBytes returns localSettingsFrames encoded, made once per options object and position. */
export function localSettingsBytes(binding: CoreBinding, o: ResolvedOptions, isServer: boolean): Uint8Array {
  const cache = cached[isServer ? 1 : 0];
  let bytes = cache.get(o);
  if (bytes === undefined) {
    bytes = encodeFrames(binding, localSettingsFrames(o, isServer));
    cache.set(o, bytes);
  }
  return bytes;
}
