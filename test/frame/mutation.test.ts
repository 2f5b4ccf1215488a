// Fuzzing the frame reader with an attached HPACK decoder, from realistic
// seeds: a client's stream of SETTINGS, HEADERS + CONTINUATIONs carrying real
// field blocks, padded DATA, PING, WINDOW_UPDATE, PRIORITY_UPDATE and GOAWAY,
// mutated and then pushed in random splits. Every outcome must be frames or a
// FrameError — the same for every split of the same bytes — never a trap;
// and another reader on the same core must be unaffected. Release, debug
// (bounds-checked, asserting) and JS builds.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { FrameError, loadCore, type Core, type Frame, type FrameInit } from '../../host/index.js';
import { runs } from '../helpers/codecs.js';
import { decodeSplit } from '../helpers/frames.js';

const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const REQUESTS: Array<Array<[string, string]>> = [
  [[':method', 'GET'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '/'], ['user-agent', 'fuzz/1.0'], ['accept', '*/*']],
  [[':method', 'POST'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '/api/items?id=7'], ['content-type', 'application/json'], ['cookie', 'a=' + 'z'.repeat(120)]],
  [[':method', 'GET'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '/'], ['user-agent', 'fuzz/1.0'], ['accept', '*/*']],
];

/** seedStream makes a client's frame stream (after the preface) with one encoder. */
function seedStream(core: Core): Uint8Array {
  const enc = core.hpackEncoder();
  const frames: FrameInit[] = [
    { type: 'SETTINGS', settings: [[0x1, 4096], [0x3, 100], [0x4, 65535]] },
    { type: 'WINDOW_UPDATE', streamId: 0, increment: 1 << 20 },
  ];
  REQUESTS.forEach((list, i) => {
    const id = 2 * i + 1;
    const block = enc.encode(list);
    const cut = Math.floor(block.length / 2);
    frames.push({ type: 'HEADERS', streamId: id, endHeaders: false, priority: { exclusive: false, dependency: 0, weight: 32 }, fragment: block.subarray(0, cut) });
    frames.push({ type: 'CONTINUATION', streamId: id, endHeaders: true, fragment: block.subarray(cut) });
    frames.push({ type: 'DATA', streamId: id, endStream: true, padLength: 5, data: new Uint8Array(40).fill(i) });
  });
  frames.push({ type: 'PING', data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
  frames.push({ type: 'PRIORITY_UPDATE', prioritizedStreamId: 5, fieldValue: 'u=1, i' });
  frames.push({ type: 'GOAWAY', lastStreamId: 0, errorCode: 0, debugData: new TextEncoder().encode('bye') });
  return core.encodeFrames(frames);
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x01, 0x04, 0x08, 0x09, 0x20, 0x7f, 0x80, 0xff) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('copy' as const), at: fc.nat(), from: fc.nat(), length: fc.nat(64) }),
);

function mutate(bytes: Uint8Array, ms: Array<{ kind: string; at: number; bit?: number; value?: number; from?: number; length?: number }>): Uint8Array {
  const b = Array.from(bytes);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at] ^= 1 << m.bit!;
    else if (m.kind === 'set') b[at] = m.value!;
    else if (m.kind === 'cut') b.length = at;
    else {
      const from = m.from! % b.length;
      b.splice(at, 0, ...b.slice(from, from + m.length!));
    }
  }
  return Uint8Array.from(b);
}

/** run pushes bytes in pieces cut at `cuts` through a fresh reader and HPACK decoder. */
function run(core: Core, bytes: Uint8Array, cuts: number[]): { frames: Frame[]; error: string | null } {
  const hpack = core.hpackDecoder();
  try {
    const r = decodeSplit(core, bytes, cuts, { hpack, maxHeaderBlockBytes: 16384 });
    if (r instanceof FrameError) return { frames: r.frames, error: `${r.reason}/${r.code}/${r.streamId}` };
    return { frames: r, error: null };
  } finally {
    hpack.close();
  }
}

async function coreFor(which: string): Promise<Core> {
  if (which === 'wasm debug') {
    const bytes = await readFile(path.join(repoRoot, 'build', 'h2core.debug.wasm'));
    return loadCore({ module: await WebAssembly.compile(bytes) });
  }
  return loadCore({ codec: which as 'wasm' | 'js' });
}

describe('frame reader with HPACK, fuzzed from a realistic stream', () => {
  it.each([['wasm'], ['wasm debug'], ['js']])('gives frames or a FrameError, the same for any split, never a trap (%s)', async (which) => {
    const core = await coreFor(which);
    const seed = seedStream(core);
    const whole = run(core, seed, []);
    expect(whole.error).toBeNull();
    expect(whole.frames.filter((f) => f.type === 'HEADERS').length).toBe(3);
    const witness = core.frameDecoder();
    const ping = core.encodeFrames([{ type: 'PING', data: new Uint8Array(8) }]);
    await fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), (ms, splits) => {
        const bytes = mutate(seed, ms);
        const cuts = [...new Set(splits.map((s) => s % (bytes.length + 1)))].sort((a, b) => a - b);
        const once = run(core, bytes, []);
        const split = run(core, bytes, cuts);
        expect(split).toEqual(once);
        expect(witness.push(ping).map((f) => f.type)).toEqual(['PING']);
      }),
      { numRuns: runs(200) },
    );
  });
});
