// Frame helpers for tests: a raw frame builder that does not go through the
// core's writer, and want* expectations for decoder results.
import { expect } from 'vitest';
import { concatBytes } from '../../host/bytes.js';
import { FrameError, type Core, type Frame, type FrameDecoderOptions } from '../../host/index.js';
import { hex } from './codecs.js';

/** rawFrame builds one frame's bytes from its header fields and a hex payload. */
export function rawFrame(type: number, flags: number, streamId: number, payloadHex = '', length?: number): Uint8Array {
  const payload = hex(payloadHex);
  const n = length ?? payload.length;
  const out = new Uint8Array(9 + payload.length);
  out[0] = n >>> 16;
  out[1] = n >>> 8;
  out[2] = n;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer).setUint32(5, streamId >>> 0);
  out.set(payload, 9);
  return out;
}

/** cat concatenates byte arrays (concatBytes, spread). */
export function cat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** decode runs bytes through a fresh decoder in one push and closes it. */
export function decode(core: Core, bytes: Uint8Array, options?: FrameDecoderOptions): Frame[] {
  const d = core.frameDecoder(options);
  try {
    return d.push(bytes);
  } finally {
    d.close();
  }
}

/** decodeSplit runs bytes through a fresh decoder in pieces cut at `cuts` (sorted offsets). */
export function decodeSplit(core: Core, bytes: Uint8Array, cuts: number[], options?: FrameDecoderOptions): Frame[] | FrameError {
  const d = core.frameDecoder(options);
  const frames: Frame[] = [];
  try {
    let prev = 0;
    for (const cut of [...cuts, bytes.length]) {
      frames.push(...d.push(bytes.subarray(prev, cut)));
      prev = cut;
    }
    return frames;
  } catch (e) {
    if (e instanceof FrameError) return new FrameError(e.code, e.reason, e.streamId, [...frames, ...e.frames]);
    throw e;
  } finally {
    d.close();
  }
}

/** wantConnectionError expects decoding bytes to fail with a connection error. */
export function wantConnectionError(
  core: Core, bytes: Uint8Array, code: number, reason: string, streamId?: number, options?: FrameDecoderOptions,
): FrameError {
  let err: unknown = null;
  try {
    decode(core, bytes, options);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FrameError);
  const fe = err as FrameError;
  expect({ code: fe.code, reason: fe.reason }).toEqual({ code, reason });
  if (streamId !== undefined) expect(fe.streamId).toBe(streamId);
  return fe;
}

/** wantStreamError expects decoding bytes to give a STREAM_ERROR frame (and no connection error). */
export function wantStreamError(core: Core, bytes: Uint8Array, streamId: number, errorCode: number, reason: string): Frame[] {
  const frames = decode(core, bytes);
  expect(frames).toContainEqual({ type: 'STREAM_ERROR', streamId, errorCode, reason });
  return frames;
}
