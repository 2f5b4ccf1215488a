// Fuzzing from a seeded corpus: real field blocks (the hpack-test-case
// stories), mutated — bits flipped, octets replaced, cut, spliced, integers
// and lengths pushed to their edges — then decoded after the blocks that came
// before them in their story, so the dynamic table is populated as in life.
// Every outcome must be a header list or an HpackError; the decoder must
// never trap, and a second decoder on the same core must be unaffected.
// Run against the release and the debug WebAssembly builds (the debug build
// bounds-checks every access and asserts the table's invariants) and the JS build.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { HpackError, loadCore, type Core } from '../../host/index.js';
import { hex, runs } from '../helpers/codecs.js';

const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORPUS = path.join(repoRoot, '..', 'shared', 'hpack-test-case');
const HAVE_CORPUS = existsSync(CORPUS);
if (!HAVE_CORPUS) console.warn(`mutation fuzzing: ${CORPUS} is missing, so the seeded HPACK fuzzing is SKIPPED`);

interface Story {
  blocks: Uint8Array[];
  sizes: Array<number | null>;
}

function loadStories(): Story[] {
  if (!HAVE_CORPUS) return [];
  const out: Story[] = [];
  for (const dir of readdirSync(CORPUS, { withFileTypes: true })) {
    if (!dir.isDirectory() || dir.name === 'raw-data') continue;
    for (const f of readdirSync(path.join(CORPUS, dir.name)).filter((n) => n.endsWith('.json')).sort().slice(0, 4)) {
      const cases = JSON.parse(readFileSync(path.join(CORPUS, dir.name, f), 'utf8')).cases;
      out.push({ blocks: cases.map((c: { wire: string }) => hex(c.wire)), sizes: cases.map((c: { header_table_size?: number | null }) => c.header_table_size ?? null) });
    }
  }
  return out;
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'splice'; at: number; from: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0x3f, 0x1f, 0x0f, 0x20, 0x40, 0xfe) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.constantFrom(0xff, 0x80, 0x7f, 0x00, 0x3f, 0xbe, 0xc0), { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), from: fc.nat(), length: fc.nat(40) }),
);

function mutate(block: Uint8Array, m: Mutation, donor: Uint8Array): Uint8Array {
  const b = Array.from(block);
  const at = b.length === 0 ? 0 : m.at % (b.length + (m.kind === 'insert' ? 1 : 0));
  switch (m.kind) {
    case 'flip': if (b.length) b[at] ^= 1 << m.bit; break;
    case 'set': if (b.length) b[at] = m.value; break;
    case 'cut': b.length = at; break;
    case 'insert': b.splice(at, 0, ...m.bytes); break;
    case 'splice': {
      const from = donor.length === 0 ? 0 : m.from % donor.length;
      b.splice(at, 0, ...donor.subarray(from, from + m.length));
      break;
    }
  }
  return Uint8Array.from(b);
}

async function cores(): Promise<Array<[string, Core]>> {
  const debug = await readFile(path.join(repoRoot, 'build', 'h2core.debug.wasm'));
  return [
    ['wasm', await loadCore({ codec: 'wasm' })],
    ['wasm debug', await loadCore({ module: await WebAssembly.compile(debug) })],
    ['js', await loadCore({ codec: 'js' })],
  ];
}

describe.skipIf(!HAVE_CORPUS)('HPACK decoder fuzzed from the corpus', () => {
  const stories = loadStories();

  it.each([['wasm'], ['wasm debug'], ['js']])('never traps and never disturbs other decoders (%s)', async (which) => {
    const core = (await cores()).find(([n]) => n === which)![1];
    const witness = core.hpackDecoder();
    const witnessBlock = core.hpackEncoder().encode([[':method', 'GET'], ['x-witness', 'still here']]);
    await fc.assert(
      fc.property(
        fc.nat(stories.length - 1), fc.nat(), fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (s, caseAt, donorAt, mutations) => {
          const story = stories[s];
          const target = caseAt % story.blocks.length;
          const donor = stories[donorAt % stories.length].blocks[0];
          const dec = core.hpackDecoder({ maxHeaderListSize: 16384 });
          try {
            // Bring the table to where the story had it, then decode the mutant.
            for (let i = 0; i < target; i++) {
              if (story.sizes[i] != null) dec.setMaxTableSize(story.sizes[i]!);
              dec.decode(story.blocks[i]);
            }
            let block = story.blocks[target];
            for (const m of mutations) block = mutate(block, m, donor);
            try {
              const list = dec.decode(block);
              expect(Array.isArray(list)).toBe(true);
              for (const f of list) expect(typeof f[0] === 'string' && typeof f[1] === 'string').toBe(true);
            } catch (e) {
              if (!(e instanceof HpackError)) throw e; // a CoreTrap or anything else fails the test
              expect([0x9, 0x1]).toContain(e.code);
            }
          } finally {
            dec.close();
          }
          expect(witness.decode(witnessBlock)).toEqual([[':method', 'GET'], ['x-witness', 'still here']]);
        },
      ),
      { numRuns: runs(300) },
    );
  });
});
