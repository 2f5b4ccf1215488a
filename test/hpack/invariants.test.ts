// The dynamic table's invariants (docs/architecture.md) are asserted in the
// debug WebAssembly build; a broken one aborts the core (CoreTrap). This
// drives the debug build hard: many blocks, table size changes, evictions,
// entries larger than the table, ring growth.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadCore, type Core } from '../../host/index.js';
import { runs } from '../helpers/codecs.js';

const RUNS = runs(150);

async function debugCore(): Promise<Core> {
  const bytes = await readFile(fileURLToPath(new URL('../../build/h2core.debug.wasm', import.meta.url)));
  return loadCore({ module: await WebAssembly.compile(bytes) });
}

describe('dynamic table invariants (debug WebAssembly build)', () => {
  it('holds through random blocks and table size changes on both sides', async () => {
    const core = await debugCore();
    const field = fc.tuple(
      fc.constantFrom('a', 'b', 'x-long-name', 'cookie', 'set-cookie', ':path'),
      fc.oneof(fc.constantFrom('', '1', 'v'), fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, '.'))),
    );
    const step = fc.oneof(
      fc.array(field, { minLength: 1, maxLength: 20 }).map((list) => ({ list })),
      fc.integer({ min: 0, max: 600 }).map((size) => ({ size })),
    );
    await fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const enc = core.hpackEncoder({ maxTableSize: 256 });
        const dec = core.hpackDecoder({ maxTableSize: 256 });
        try {
          for (const s of steps) {
            if ('size' in s) {
              dec.setMaxTableSize(Math.max(s.size, 256));
              enc.setMaxTableSize(s.size);
            } else {
              expect(dec.decode(enc.encode(s.list))).toEqual(s.list);
            }
          }
        } finally {
          enc.close();
          dec.close();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('is really the build with assertions', async () => {
    // The debug build carries names; the release build does not.
    const bytes = await readFile(fileURLToPath(new URL('../../build/h2core.debug.wasm', import.meta.url)));
    const names = WebAssembly.Module.customSections(await WebAssembly.compile(bytes), 'name');
    expect(names.length).toBe(1);
  });
});
