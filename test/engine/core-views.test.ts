// Found by the engine harness (test/helpers/engine.ts): making a context in a
// core (a *New export) may grow the core's memory, and nothing re-reads the
// binding's views afterwards. FrameDecoder.push then uses a stale `in` view:
// on the wasm build a detached one, and push() throws a TypeError ("Cannot
// perform %TypedArray%.prototype.set on a detached ArrayBuffer") instead of
// decoding. The engine's own read path survives only because a detached view
// has length 0 and readFrames() reserves (and so re-syncs) before using it.

import { describe, expect, it } from 'vitest';
import { loadCore } from '../../host/core/core.js';
import type { HpackDecoder } from '../../host/core/hpack.js';
import { CODECS } from '../helpers/codecs.js';

describe.each(CODECS)('core views after a context is made (%s)', (codec) => {
  it('a frame decoder still decodes after other contexts grew the core memory', async () => {
    const core = await loadCore({ codec });
    const hpack = core.hpackDecoder();
    const decoder = core.frameDecoder({ hpack });
    const ping = core.encodeFrames([{ type: 'PING', data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }]);
    const memory = (core.binding as unknown as { memory: WebAssembly.Memory | null }).memory;
    const others: HpackDecoder[] = [];
    try {
      // Make contexts until the memory grows (wasm), or a fixed number (js: no Memory to watch).
      const before = memory?.buffer;
      for (let i = 0; i < 20_000 && (memory === null ? i < 500 : memory.buffer === before); i++) {
        others.push(core.hpackDecoder({ maxTableSize: 65536 }));
      }
      if (memory !== null) expect(memory.buffer).not.toBe(before);
      const frames = decoder.push(ping);
      expect(frames).toMatchObject([{ type: 'PING', ack: false, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }]);
    } finally {
      for (const o of others) o.close();
      decoder.close();
      hpack.close();
    }
  });
});
