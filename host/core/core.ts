// Core: the public face of one wire-core instance (WebAssembly or JS build).
// Each codec object made from it owns a context inside the core (a handle);
// many live side by side, one per connection, and an error in one never
// touches another.

import { instantiateCore, type LoadCoreOptions } from './load.js';
import type { CoreBinding, CodecName } from './binding.js';
import { HpackDecoder, HpackEncoder, type HpackDecoderOptions, type HpackEncoderOptions } from './hpack.js';
import { FlowControl, type FlowControlOptions } from './flow.js';
import { FrameDecoder, encodeFrames, type Frame, type FrameDecoderOptions, type FrameInit } from './frames.js';

/** Core is one loaded instance of the wire core. */
export class Core {
  /** codec says which build runs underneath: 'wasm' or 'js'. */
  readonly codec: CodecName;

  constructor(readonly binding: CoreBinding) {
    this.codec = binding.codec;
  }

  /** hpackDecoder makes an HPACK decoder (one per connection). */
  hpackDecoder(options?: HpackDecoderOptions): HpackDecoder {
    return new HpackDecoder(this.binding, options);
  }

  /** hpackEncoder makes an HPACK encoder (one per connection). */
  hpackEncoder(options?: HpackEncoderOptions): HpackEncoder {
    return new HpackEncoder(this.binding, options);
  }

  /** frameDecoder makes a decoder for one direction of a connection's frames; close() it when done. */
  frameDecoder(options?: FrameDecoderOptions): FrameDecoder {
    return new FrameDecoder(this.binding, options);
  }

  /** flowControl makes one connection's flow-control windows; attach() it to the
   *  connection's frame reader, and close() it when the connection ends. */
  flowControl(options?: FlowControlOptions): FlowControl {
    return new FlowControl(this.binding, options);
  }

  /** encodeFrames returns the wire bytes of frames, in order. */
  encodeFrames(frames: ReadonlyArray<FrameInit | Frame>): Uint8Array {
    return encodeFrames(this.binding, frames);
  }
}

/** loadCore loads a fresh instance of the wire core. */
export async function loadCore(options: LoadCoreOptions = {}): Promise<Core> {
  return new Core(await instantiateCore(options));
}
