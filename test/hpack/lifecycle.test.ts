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

  it('decodes references to entries made before and after its string cache exists, while the cache and the table grow', async () => {
    // The host caches an entry's strings from the first block that refers to the table; the cache
    // and the table's rings start small and grow. Blocks refer to old entries by index and by name.
    const core = await loadCore({ codec });
    const enc = core.hpackEncoder();
    const dec = core.hpackDecoder();
    const many = (n: number, v: string): Array<[string, string]> => Array.from({ length: n }, (_, k) => [`x-field-${k}`, `${v}-${k}`]);
    const lists: Array<Array<[string, string]>> = [
      REQUEST, // inserted, not referred to yet
      REQUEST, // indexed references: the first block that refers to the table
      [...REQUEST.slice(0, 4), ['x-request-id', 'fedcba9876543210']], // a dynamic name with a new value
      many(40, 'a'), // past the cache's and the table's first sizes
      many(40, 'a'), // indexed references to all of them
      [...many(20, 'b'), ...REQUEST], // names by reference, new values, and older entries (some evicted)
      many(40, 'a'),
    ];
    for (let round = 0; round < 3; round++) {
      for (const list of lists) expect(dec.decode(enc.encode(list))).toEqual(list);
    }
    // A decoder whose first block refers to an entry by name only (the cache is made then).
    const dec2 = core.hpackDecoder();
    const enc2 = core.hpackEncoder();
    expect(dec2.decode(enc2.encode([['x-a', '1']]))).toEqual([['x-a', '1']]);
    expect(dec2.decode(enc2.encode([['x-a', '2'], ['x-b', '3']]))).toEqual([['x-a', '2'], ['x-b', '3']]);
    expect(dec2.decode(enc2.encode([['x-a', '2'], ['x-b', '3'], ['x-a', '1']]))).toEqual([['x-a', '2'], ['x-b', '3'], ['x-a', '1']]);
    for (const c of [enc, dec, enc2, dec2]) c.close();
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
