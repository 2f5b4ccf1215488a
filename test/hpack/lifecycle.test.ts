// Contexts come and go with connections: freeing them (and the core's
// collections that follow) must never disturb the live ones, and churn must
// not grow the core's memory without bound.
import { describe, expect, it } from 'vitest';
import { HpackError, loadCore } from '../../host/index.js';
import { CODECS } from '../helpers/codecs.js';

const REQUEST: Array<[string, string]> = [
  [':method', 'GET'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '/index.html'],
  ['user-agent', 'h2wasm-test/1.0'], ['x-request-id', '0123456789abcdef'], ['cookie', 'session=' + 'c'.repeat(40)],
];

describe.each(CODECS)('context lifecycle (%s)', (codec) => {
  it('keeps long-lived contexts intact while thousands of others are made and freed', async () => {
    const core = await loadCore({ codec });
    const enc = core.hpackEncoder();
    const dec = core.hpackDecoder();
    const memory = () => (core.binding as unknown as { memory: WebAssembly.Memory | null }).memory?.buffer.byteLength ?? 0;
    let peak = 0;
    for (let round = 0; round < 3000; round++) {
      const list: Array<[string, string]> = [...REQUEST, ['x-round', String(round)]];
      const shortEnc = core.hpackEncoder();
      const shortDec = core.hpackDecoder();
      expect(shortDec.decode(shortEnc.encode(list))).toEqual(list);
      shortEnc.close();
      shortDec.close();
      expect(dec.decode(enc.encode(list))).toEqual(list);
      if (round === 500) peak = memory();
    }
    // After warm-up, churn is absorbed by collections rather than growth.
    expect(memory()).toBeLessThanOrEqual(Math.max(peak * 2, 4 << 20));
  });

  it('reports a stale handle after close instead of reaching another context', async () => {
    const core = await loadCore({ codec });
    const a = core.hpackDecoder();
    a.close();
    a.close(); // idempotent
    const b = core.hpackDecoder(); // may reuse a's slot, with a new generation
    expect(() => a.decode(new Uint8Array([0x82]))).toThrow(HpackError);
    expect(b.decode(new Uint8Array([0x82]))).toEqual([[':method', 'GET']]);
  });

  it('rejects option values a peer or a user could get wrong, with a clear error', async () => {
    const core = await loadCore({ codec });
    expect(() => core.hpackDecoder({ maxTableSize: -1 })).toThrow(RangeError);
    expect(() => core.hpackEncoder({ maxTableSize: 1.5 })).toThrow(RangeError);
    expect(() => core.hpackEncoder({ huffman: 'sometimes' as 'auto' })).toThrow(TypeError);
    const dec = core.hpackDecoder();
    expect(() => dec.setMaxTableSize(null as unknown as number)).toThrow(RangeError);
  });
});
