// Decoder errors: every malformed block gets an HpackError with the right
// reason and RFC 9113 code, never a trap, a hang or a half-decoded list; the
// header list limit leaves the decoder in sync; errors stay in their context.
import { afterEach, describe, expect, it } from 'vitest';
import { CODECS, hex, sharedCore } from '../helpers/codecs.js';
import {
  block, catchHpack, expectHpackError, fieldSize, indexed, int, literal, plain, sizeUpdate, str, type Field,
} from '../helpers/hpack.js';
import { SEQUENCES } from '../fixtures/rfc7541-appendix-c.js';

const C3 = SEQUENCES.find((s) => s.section === 'C.3')!;

describe.each(CODECS)('HPACK decoder errors (%s)', (codec) => {
  const open: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  async function decoder(options?: { maxTableSize?: number; maxHeaderListSize?: number }) {
    const dec = (await sharedCore(codec)).hpackDecoder(options);
    open.push(dec);
    return dec;
  }

  describe('indices (RFC 7541 §2.3.3: an index past the tables MUST be a decoding error)', () => {
    it('rejects index 0 in an indexed field', async () => {
      const dec = await decoder();
      expectHpackError(() => dec.decode(block([0x80])), 'HPACK_INDEX');
    });

    it('rejects an index past static + dynamic, for fields and for names', async () => {
      const d1 = await decoder();
      expectHpackError(() => d1.decode(block(indexed(62))), 'HPACK_INDEX');
      const d2 = await decoder();
      expectHpackError(() => d2.decode(block(literal('incremental', 62, 'v'))), 'HPACK_INDEX');
      const d3 = await decoder();
      expectHpackError(() => d3.decode(block(literal('without', 62, 'v'))), 'HPACK_INDEX');
      const d4 = await decoder();
      expectHpackError(() => d4.decode(block(literal('never', 1000, 'v'))), 'HPACK_INDEX');
      // With one dynamic entry, 62 is valid and 63 is not.
      const d5 = await decoder();
      expect(plain(d5.decode(block(literal('incremental', 'k', 'v'), indexed(62), literal('without', 62, 'w'))))).toEqual([
        ['k', 'v'],
        ['k', 'v'],
        ['k', 'w'],
      ]);
      expectHpackError(() => d5.decode(block(indexed(63))), 'HPACK_INDEX');
    });

    it('decodes all 61 static entries by index', async () => {
      const { STATIC_TABLE } = await import('../fixtures/static-table.js');
      const dec = await decoder();
      const got = plain(dec.decode(block(...STATIC_TABLE.map((_, i) => indexed(i + 1)))));
      expect(got).toEqual(STATIC_TABLE.map(([n, v]) => [n, v]));
    });
  });

  describe('integers (RFC 7541 §5.1: decoders MUST treat overlong values as errors)', () => {
    const overflows: Array<[string, number[]]> = [
      ['an indexed field', [0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
      ['a never-indexed name index (the RFC-style 0x1f ff ff ff ff 0f)', [0x1f, 0xff, 0xff, 0xff, 0xff, 0x0f]],
      ['an incremental name index', [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
      ['a string length', [0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f]],
      ['a table size update', [0x3f, 0xff, 0xff, 0xff, 0xff, 0x0f]],
      ['a run of continuation octets', [0xff, ...new Array(12).fill(0xff), 0x01]],
    ];
    for (const [what, bytes] of overflows) {
      it(`rejects a value of 2^32 or more in ${what}`, async () => {
        const dec = await decoder();
        expectHpackError(() => dec.decode(Uint8Array.from(bytes)), 'HPACK_INTEGER_OVERFLOW');
      });
    }
  });

  describe('truncation', () => {
    // A block whose representations use multi-octet integers, both string
    // kinds, and every representation type.
    const parts: Array<{ bytes: number[]; fields: Field[] }> = [
      { bytes: sizeUpdate(4096), fields: [] },
      { bytes: indexed(2), fields: [[':method', 'GET']] },
      { bytes: literal('incremental', 1, 'www.example.com', true), fields: [[':authority', 'www.example.com']] },
      { bytes: literal('incremental', 'x-' + 'n'.repeat(198), 'custom-value', true), fields: [['x-' + 'n'.repeat(198), 'custom-value']] },
      { bytes: literal('never', 'password', 'secret'), fields: [['password', 'secret']] },
      { bytes: indexed(62), fields: [['x-' + 'n'.repeat(198), 'custom-value']] },
      { bytes: literal('without', 60, 'v'.repeat(130)), fields: [['via', 'v'.repeat(130)]] },
      { bytes: literal('incremental', 'x-h', 'Mon, 21 Oct 2013 20:13:21 GMT', true), fields: [['x-h', 'Mon, 21 Oct 2013 20:13:21 GMT']] },
    ];
    const whole = block(...parts.map((p) => p.bytes));
    const boundaries = new Map<number, Field[]>();
    {
      let at = 0;
      let fields: Field[] = [];
      boundaries.set(0, []);
      for (const p of parts) {
        at += p.bytes.length;
        fields = [...fields, ...p.fields];
        boundaries.set(at, fields);
      }
    }

    it('decodes the whole block', async () => {
      const dec = await decoder();
      expect(whole.length).toBeGreaterThan(300);
      expect(plain(dec.decode(whole))).toEqual(boundaries.get(whole.length));
    });

    it('throws a truncation error for every prefix that ends inside a representation, and decodes every other prefix', async () => {
      const core = await sharedCore(codec);
      const wrong: string[] = [];
      for (let n = 0; n < whole.length; n++) {
        const dec = core.hpackDecoder();
        try {
          const want = boundaries.get(n);
          if (want !== undefined) {
            const got = plain(dec.decode(whole.subarray(0, n)));
            if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${n}: ${JSON.stringify(got).slice(0, 200)}`);
          } else {
            const err = catchHpack(() => dec.decode(whole.slice(0, n)));
            const reason = (err as unknown as { reason: string }).reason;
            if (reason !== 'HPACK_TRUNCATED' && reason !== 'HPACK_STRING_LENGTH') wrong.push(`${n}: ${reason}`);
            if ((err as unknown as { code: number }).code !== 9) wrong.push(`${n}: code ${(err as unknown as { code: number }).code}`);
          }
        } finally {
          dec.close();
        }
      }
      expect(wrong).toEqual([]);
    });

    it('rejects a string longer than the rest of the block', async () => {
      const d1 = await decoder();
      expectHpackError(() => d1.decode(block([0x00], [0x05, 0x61, 0x62])), 'HPACK_STRING_LENGTH');
      const d2 = await decoder();
      expectHpackError(() => d2.decode(block([0x00], str('a'), [0x05, 0x62])), 'HPACK_STRING_LENGTH');
      const d3 = await decoder();
      expectHpackError(() => d3.decode(block([0x00], str('a'), [0x85, 0x62])), 'HPACK_STRING_LENGTH');
      // A gigantic declared length must be refused before anything is allocated for it.
      // 2^27 fits any sane integer limit (4 continuation octets): a length error.
      const d4 = await decoder();
      const t0 = performance.now();
      expectHpackError(() => d4.decode(block([0x00], int(0x00, 7, 2 ** 27), [0x61])), 'HPACK_STRING_LENGTH');
      // 2^30 may exceed the decoder's integer limit first (RFC 7541 §5.1 allows
      // implementation limits), so either error is right.
      const d5 = await decoder();
      expectHpackError(() => d5.decode(block([0x00], int(0x00, 7, 2 ** 30), [0x61])), ['HPACK_STRING_LENGTH', 'HPACK_INTEGER_OVERFLOW']);
      expect(performance.now() - t0).toBeLessThan(1000);
    });

    it('rejects a block that ends right after a representation\'s first octet', async () => {
      for (const first of [0x40, 0x00, 0x10, 0x41, 0x01, 0x11]) {
        const dec = await decoder();
        expectHpackError(() => dec.decode(Uint8Array.of(first)), ['HPACK_TRUNCATED', 'HPACK_STRING_LENGTH']);
      }
      const dec = await decoder();
      expectHpackError(() => dec.decode(Uint8Array.of(0xff)), 'HPACK_TRUNCATED');
    });
  });

  describe('dynamic table size updates (RFC 7541 §4.2, §6.3)', () => {
    it('accepts an update up to the limit and rejects one above it', async () => {
      const ok = await decoder();
      expect(plain(ok.decode(block(sizeUpdate(4096), indexed(2))))).toEqual([[':method', 'GET']]);
      const over = await decoder();
      expect(sizeUpdate(4097)).toEqual([0x3f, 0xe2, 0x1f]);
      expectHpackError(() => over.decode(block(sizeUpdate(4097))), 'HPACK_SIZE_UPDATE');
      const small = await decoder({ maxTableSize: 256 });
      expectHpackError(() => small.decode(block(sizeUpdate(257))), 'HPACK_SIZE_UPDATE');
    });

    it('accepts two updates at the start of a block (smallest, then final)', async () => {
      const dec = await decoder();
      dec.decode(block(literal('incremental', 'k', 'v')));
      expect(plain(dec.decode(block(sizeUpdate(0), sizeUpdate(4096), indexed(2))))).toEqual([[':method', 'GET']]);
      // The update to 0 emptied the table.
      expectHpackError(() => dec.decode(block(indexed(62))), 'HPACK_INDEX');
    });

    it('rejects an update after a field ("MUST occur at the beginning of the first header block")', async () => {
      const d1 = await decoder();
      expectHpackError(() => d1.decode(block(indexed(2), sizeUpdate(0))), 'HPACK_SIZE_UPDATE');
      const d2 = await decoder();
      expectHpackError(() => d2.decode(block(literal('without', 'a', 'b'), sizeUpdate(100), indexed(2))), 'HPACK_SIZE_UPDATE');
    });

    it('after setMaxTableSize(lower) requires the next block to start with an update within the new limit', async () => {
      const missing = await decoder();
      missing.setMaxTableSize(100);
      expectHpackError(() => missing.decode(block(indexed(2))), 'HPACK_SIZE_UPDATE');

      const tooBig = await decoder();
      tooBig.setMaxTableSize(100);
      expectHpackError(() => tooBig.decode(block(sizeUpdate(101), indexed(2))), 'HPACK_SIZE_UPDATE');

      const good = await decoder();
      good.setMaxTableSize(100);
      expect(plain(good.decode(block(sizeUpdate(100), indexed(2))))).toEqual([[':method', 'GET']]);
      // Only the first block after the change needs one.
      expect(plain(good.decode(block(indexed(3))))).toEqual([[':method', 'POST']]);

      const empty = await decoder();
      empty.setMaxTableSize(0);
      expect(plain(empty.decode(block(sizeUpdate(0), literal('incremental', 'a', 'b'))))).toEqual([['a', 'b']]);
      expectHpackError(() => empty.decode(block(indexed(62))), 'HPACK_INDEX');
    });

    it('evicts down to the new size, oldest first', async () => {
      const dec = await decoder();
      const a: Field = ['a', 'x'.repeat(22)]; // 55 octets
      const b: Field = ['b', 'y'.repeat(27)]; // 60 octets
      expect([fieldSize(a), fieldSize(b)]).toEqual([55, 60]);
      dec.decode(block(literal('incremental', ...a), literal('incremental', ...b)));
      dec.setMaxTableSize(100);
      expect(plain(dec.decode(block(sizeUpdate(100), indexed(62))))).toEqual([b]);
      expectHpackError(() => dec.decode(block(indexed(63))), 'HPACK_INDEX');
    });

    it('after setMaxTableSize(higher) accepts updates up to the new limit and uses the room', async () => {
      const dec = await decoder();
      dec.setMaxTableSize(8192);
      const big: Field = ['big', 'z'.repeat(6000)];
      expect(plain(dec.decode(block(sizeUpdate(8192), literal('incremental', ...big), indexed(62))))).toEqual([big, big]);
      expectHpackError(() => dec.decode(block(sizeUpdate(8193))), 'HPACK_SIZE_UPDATE');
    });

    it('keeps the old maximum until the encoder signals a larger one (RFC 7541 §4.2: the encoder chooses the size)', async () => {
      const dec = await decoder();
      dec.setMaxTableSize(8192);
      // No update: the table is still 4096, so a 6035-octet entry empties it instead of being added.
      dec.decode(block(literal('incremental', 'big', 'z'.repeat(6000))));
      expectHpackError(() => dec.decode(block(indexed(62))), 'HPACK_INDEX');
    });
  });

  describe('header list size (RFC 9113 §6.5.2: name + value + 32 per field)', () => {
    it('accepts a list exactly at the limit and rejects one octet more, staying usable', async () => {
      const limit = 100;
      // :method GET = 42; x-a + value of 23 + 32 = 58; total 100.
      const atLimit: Field[] = [[':method', 'GET'], ['x-a', 'v'.repeat(23)]];
      expect(atLimit.reduce((n, f) => n + fieldSize(f), 0)).toBe(limit);
      const dec = await decoder({ maxHeaderListSize: limit });
      expect(plain(dec.decode(block(indexed(2), literal('without', 'x-a', 'v'.repeat(23)))))).toEqual(atLimit);
      expectHpackError(() => dec.decode(block(indexed(2), literal('without', 'x-a', 'v'.repeat(24)))), 'HEADER_LIST_TOO_LARGE');
      // Not sticky: the next block decodes.
      expect(plain(dec.decode(block(indexed(2))))).toEqual([[':method', 'GET']]);
    });

    it('finishes an oversized block so the table stays in sync with the encoder', async () => {
      const dec = await decoder({ maxHeaderListSize: 200 });
      // The oversized field comes first; the insertions after it must still happen.
      const b1 = block(literal('without', 'huge', 'h'.repeat(300)), literal('incremental', 'x-one', '1'), literal('incremental', 'x-two', '2'));
      expectHpackError(() => dec.decode(b1), 'HEADER_LIST_TOO_LARGE');
      expect(plain(dec.decode(block(indexed(62), indexed(63))))).toEqual([
        ['x-two', '2'],
        ['x-one', '1'],
      ]);
      // And an entry inserted by an oversized block can be referenced later.
      const dec2 = await decoder({ maxHeaderListSize: 200 });
      const big: Field = ['x-big', 'b'.repeat(150)]; // 187 octets
      expectHpackError(() => dec2.decode(block(literal('incremental', ...big), indexed(62))), 'HEADER_LIST_TOO_LARGE');
      expect(plain(dec2.decode(block(indexed(62))))).toEqual([big]);
    });

    it('makes the strings of entries the host never saw from the block bytes, among cached, static and literal fields', async () => {
      // Entries inserted by an oversized block never reached the host's string cache; a later
      // block mixing them with every other kind of field must still come out whole and in order.
      const dec = await decoder({ maxHeaderListSize: 400 });
      expectHpackError(
        () => dec.decode(block(literal('without', 'huge', 'h'.repeat(500)), literal('incremental', 'x-one', '1'), literal('incremental', 'x-two', 'two'))),
        'HEADER_LIST_TOO_LARGE',
      );
      const mixed = block(
        indexed(2), // static
        literal('incremental', 'x-new', 'fresh'), // a literal, inserted: x-new is now 62, x-two 63, x-one 64
        indexed(62), // cached by the host from the field just above
        indexed(64), // x-one: never seen by the host
        literal('without', 63, 'other'), // x-two's name, never seen by the host, with a new value
        literal('never', 4, '/p'), // static name
        indexed(63), // x-two
      );
      expect(plain(dec.decode(mixed))).toEqual([
        [':method', 'GET'], ['x-new', 'fresh'], ['x-new', 'fresh'], ['x-one', '1'], ['x-two', 'other'], [':path', '/p'], ['x-two', 'two'],
      ]);
    });

    it('stops a small block that expands past the limit by repeating one large entry, without allocating for it', async () => {
      const core = await sharedCore(codec);
      const dec = await decoder();
      const entry: Field = ['x', 'v'.repeat(4000)];
      dec.decode(block(literal('incremental', ...entry)));
      // 20000 references: a 20 kB block that would expand to 80 MB.
      const bomb = new Uint8Array(20000).fill(0xbe);
      const buffers = () => core.binding.strings.length + core.binding.fields.length * 4 + core.binding.out.length;
      const before = buffers();
      const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
      const t0 = performance.now();
      expectHpackError(() => dec.decode(bomb), 'HEADER_LIST_TOO_LARGE');
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(buffers() - before).toBeLessThan(2 * 1024 * 1024);
      expect(process.memoryUsage().arrayBuffers - arrayBuffersBefore).toBeLessThan(16 * 1024 * 1024);
      // Still in sync.
      expect(plain(dec.decode(block(indexed(62))))).toEqual([entry]);
    });
  });

  describe('error scope', () => {
    it('stays in a sticky bad state after a compression error', async () => {
      const dec = await decoder();
      expectHpackError(() => dec.decode(block([0x80])), 'HPACK_INDEX');
      catchHpack(() => dec.decode(block(indexed(2))));
      catchHpack(() => dec.decode(hex(C3.blocks[0].wire)));
    });

    it('keeps other decoders and encoders on the same core working', async () => {
      const good = await decoder();
      const bad = await decoder();
      const enc = (await sharedCore(codec)).hpackEncoder();
      open.push(enc);
      const encDec = await decoder();
      for (const [i, b] of C3.blocks.entries()) {
        expect(plain(good.decode(hex(b.wire))), b.section).toEqual(b.headers);
        // Different garbage each round: a bad index, bad Huffman, a truncated string.
        const garbage = [block([0x80]), block([0x00, 0x81, 0xff, 0x00]), block([0x40, 0x0a, 0x61])][i];
        catchHpack(() => bad.decode(garbage));
        expect(plain(encDec.decode(enc.encode(b.headers))), b.section).toEqual(b.headers);
      }
      catchHpack(() => bad.decode(hex(C3.blocks[0].wire)));
      expect(plain(good.decode(block(indexed(62), indexed(63), indexed(64))))).toEqual(C3.blocks[2].table);
    });

    it('closes idempotently', async () => {
      const core = await sharedCore(codec);
      const dec = core.hpackDecoder();
      dec.decode(hex(C3.blocks[0].wire));
      dec.close();
      expect(() => dec.close()).not.toThrow();
      const enc = core.hpackEncoder();
      enc.close();
      expect(() => enc.close()).not.toThrow();
    });
  });
});
