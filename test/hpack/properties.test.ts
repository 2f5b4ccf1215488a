// Property tests (fast-check, bounded): encoder -> decoder round trips over
// sequences of blocks and table size changes, and arbitrary bytes into a
// decoder never produce anything but a list or an HpackError.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CODECS, hex, sharedCore, runs } from '../helpers/codecs.js';
import { catchHpack, plain, sensitiveOf, withSensitive, type Field } from '../helpers/hpack.js';
import { HpackError } from '../../host/index.js';
import { STATIC_TABLE } from '../fixtures/static-table.js';
import { C2, SEQUENCES } from '../fixtures/rfc7541-appendix-c.js';

const NUM_RUNS = runs(200);
const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~".split('');
const STATIC_NAMES = [...new Set(STATIC_TABLE.map(([n]) => n))];
const STATIC_VALUES = [...new Set(STATIC_TABLE.map(([, v]) => v))];

const token = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 });
const name = fc.oneof(
  { weight: 3, arbitrary: token },
  { weight: 2, arbitrary: fc.constantFrom(...STATIC_NAMES, 'cookie', 'authorization', 'proxy-authorization') },
  { weight: 1, arbitrary: fc.constantFrom('x-a', 'x-b', 'x-c') },
);
const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const value = fc.oneof(
  { weight: 4, arbitrary: latin1 },
  { weight: 1, arbitrary: fc.constantFrom('', ...STATIC_VALUES, 'v1', 'v2') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', '\xff'), minLength: 200, maxLength: 600 }) },
);
const field = fc.tuple(name, value) as fc.Arbitrary<Field>;

type Step = { kind: 'block'; headers: Field[]; sensitive: string[] } | { kind: 'resize'; size: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(field, { maxLength: 12 })
      .chain((headers) =>
        fc.record({
          kind: fc.constant('block' as const),
          headers: fc.constant(headers),
          sensitive: headers.length === 0 ? fc.constant([] as string[]) : fc.subarray([...new Set(headers.map(([n]) => n))]),
        }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('resize' as const), size: fc.oneof(fc.integer({ min: 0, max: 8192 }), fc.constantFrom(0, 64, 4096)) }),
  },
);

/** neverIndexed reports whether the encoder must send this field never-indexed. */
function neverIndexed([n, v]: Field, listed: string[]): boolean {
  return listed.includes(n) || n === 'authorization' || n === 'proxy-authorization' || (n === 'cookie' && v.length < 20);
}

describe.each(CODECS)('HPACK properties (%s)', (codec) => {
  const open: Array<{ close(): void }> = [];
  afterAll(() => {
    for (const c of open.splice(0)) c.close();
  });

  it('round-trips block sequences with table size changes, in every Huffman mode, keeping sensitivity', async () => {
    const core = await sharedCore(codec);
    await fc.assert(
      fc.property(
        fc.constantFrom('auto' as const, 'always' as const, 'never' as const),
        fc.constantFrom(4096, 256, 0),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        (huffman, initial, steps) => {
          const enc = core.hpackEncoder({ maxTableSize: initial, huffman });
          const dec = core.hpackDecoder({ maxTableSize: initial });
          try {
            for (const s of steps) {
              if (s.kind === 'resize') {
                enc.setMaxTableSize(s.size);
                dec.setMaxTableSize(s.size);
                continue;
              }
              const input = withSensitive(s.headers.map(([n, v]) => [n, v] as Field), s.sensitive);
              const out = enc.encode(input);
              const got = dec.decode(out);
              expect(plain(got)).toEqual(s.headers);
              const wantSensitive = [...new Set(s.headers.filter((f) => neverIndexed(f, s.sensitive)).map(([n]) => n))].sort();
              expect([...new Set(sensitiveOf(got))].sort()).toEqual(wantSensitive);
            }
          } finally {
            enc.close();
            dec.close();
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('encodes a list again as the same octets only when its last block changed nothing (the repeat memo)', async () => {
    const core = await sharedCore(codec);
    // A small pool of lists (shared strings and equal copies), so lists repeat, alternate and
    // differ by one value, with table size changes between them; the decoder checks every block.
    const pool: Field[][] = [
      [[':status', '200'], ['content-type', 'text/plain'], ['content-length', '12']],
      [[':status', '200'], ['content-type', 'text/plain'], ['content-length', '13']],
      [[':status', '404'], ['x-long', 'v'.repeat(300)]],
      [['date', 'Mon, 30 Nov 2026 13:00:00 GMT'], ['server', 'h2wasm']],
    ];
    const listStep = fc.oneof(
      fc.record({ kind: fc.constant('list' as const), at: fc.nat(pool.length - 1), copy: fc.boolean() }),
      fc.record({ kind: fc.constant('resize' as const), size: fc.constantFrom(4096, 64, 0) }),
    );
    await fc.assert(
      fc.property(fc.array(listStep, { minLength: 1, maxLength: 16 }), (steps) => {
        const enc = core.hpackEncoder();
        const dec = core.hpackDecoder();
        try {
          let last: Uint8Array | null = null;
          let lastAt = -1;
          for (const s of steps) {
            if (s.kind === 'resize') {
              enc.setMaxTableSize(s.size);
              dec.setMaxTableSize(s.size);
              last = null;
              continue;
            }
            const list = s.copy ? pool[s.at].map(([n, v]) => [n.slice(), v.slice()] as Field) : pool[s.at];
            const out = enc.encode(list);
            expect(plain(dec.decode(out))).toEqual(pool[s.at]);
            // The same list right after an all-indexed block of it is that block again.
            if (last !== null && lastAt === s.at && last.every((b) => (b & 0x80) !== 0)) expect(Buffer.from(out).toString("hex")).toBe(Buffer.from(last).toString("hex"));
            last = out;
            lastAt = s.at;
          }
        } finally {
          enc.close();
          dec.close();
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('turns arbitrary bytes into a list of string pairs or an HpackError, and other decoders are unaffected', async () => {
    const core = await sharedCore(codec);
    const witness = core.hpackDecoder();
    open.push(witness);
    witness.decode(hex(SEQUENCES[0].blocks[0].wire)); // :authority www.example.com at 62
    const seeds = [...SEQUENCES.flatMap((s) => s.blocks.map((b) => hex(b.wire))), ...C2.map((b) => hex(b.wire))];
    const mutated = fc
      .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
      .map(([seed, flips, cut]) => {
        const b = Uint8Array.from(seed);
        for (const [at, v] of flips) b[at % b.length] = v;
        return b.subarray(0, b.length - (cut % 3 === 0 ? cut % b.length : 0));
      });
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated);
    await fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 3 }), fc.constantFrom(4096, 256, 0), (blocks, tableSize) => {
        const dec = core.hpackDecoder({ maxTableSize: tableSize, maxHeaderListSize: 4096 });
        try {
          for (const b of blocks) {
            let result: unknown;
            try {
              result = dec.decode(b);
            } catch (err) {
              expect(err).toBeInstanceOf(HpackError);
              continue;
            }
            expect(Array.isArray(result)).toBe(true);
            for (const f of result as unknown[]) {
              expect(Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string').toBe(true);
              for (const s of f as string[]) for (let i = 0; i < s.length; i++) expect(s.charCodeAt(i)).toBeLessThan(256);
            }
          }
        } finally {
          dec.close();
        }
        expect(plain(witness.decode(Uint8Array.of(0xbe, 0x82)))).toEqual([
          [':authority', 'www.example.com'],
          [':method', 'GET'],
        ]);
      }),
      { numRuns: NUM_RUNS },
    );
    // An error is reported as an HpackError (not a trap) even for the simplest garbage.
    const dec = core.hpackDecoder();
    catchHpack(() => dec.decode(Uint8Array.of(0x80)));
    dec.close();
  });
});
