// RFC 7541 Appendix C, decoded and encoded byte for byte, on both builds.
//
// The encoder policy that reproduces C.3-C.6 (see the API notes): an exact
// static or dynamic match is indexed; otherwise a literal with incremental
// indexing, the name by index when a table has it (static preferred).
// C.4 comes out the same with huffman 'always' and 'auto'; C.6 needs
// 'always' ("307" is no shorter in Huffman, so 'auto' would send it raw).
import { afterEach, describe, expect, it } from 'vitest';
import { CODECS, hex, sharedCore, toHex } from '../helpers/codecs.js';
import {
  block, expectHpackError, fieldSize, indexed, literal, plain, sensitiveOf, withSensitive, type Field,
} from '../helpers/hpack.js';
import { C2, SEQUENCES } from '../fixtures/rfc7541-appendix-c.js';

/** probeBlock references every dynamic entry, 62 first: it reads the table without changing it. */
function probeBlock(entries: number): Uint8Array {
  return block(...Array.from({ length: entries }, (_, i) => indexed(62 + i)));
}

describe.each(CODECS)('RFC 7541 Appendix C (%s)', (codec) => {
  const open: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  async function decoder(maxTableSize = 4096) {
    const core = await sharedCore(codec);
    const dec = core.hpackDecoder({ maxTableSize, maxHeaderListSize: 65536 });
    open.push(dec);
    return dec;
  }
  async function encoder(maxTableSize: number, huffman: 'auto' | 'always' | 'never') {
    const core = await sharedCore(codec);
    const enc = core.hpackEncoder({ maxTableSize, huffman });
    open.push(enc);
    return enc;
  }

  describe('C.1 integer representation, through the representations that carry it', () => {
    it('C.1.1: 10 in a 5-bit prefix (a size update to 10 leaves no room for any entry)', async () => {
      const dec = await decoder();
      // 0x2a = 001 01010: size update to 10. A 34-octet entry cannot be kept.
      expect(plain(dec.decode(block([0x2a], literal('incremental', 'a', 'b'))))).toEqual([['a', 'b']]);
      expectHpackError(() => dec.decode(block(indexed(62))), 'HPACK_INDEX');
    });

    it('C.1.2: 1337 in a 5-bit prefix (1f 9a 0a): an entry of exactly 1337 octets fits, 1338 does not', async () => {
      const value1337 = 'v'.repeat(1337 - 32 - 1);
      expect(fieldSize(['x', value1337])).toBe(1337);
      const fits = await decoder();
      expect(plain(fits.decode(block([0x3f, 0x9a, 0x0a], literal('incremental', 'x', value1337))))).toEqual([['x', value1337]]);
      expect(plain(fits.decode(block(indexed(62))))).toEqual([['x', value1337]]);

      const tooBig = await decoder();
      tooBig.decode(block([0x3f, 0x9a, 0x0a], literal('incremental', 'x', value1337 + 'v')));
      expectHpackError(() => tooBig.decode(block(indexed(62))), 'HPACK_INDEX');
    });

    it('C.1.3: 42 starting at an octet boundary (a 42-octet name, length 0x2a in a 7-bit prefix)', async () => {
      const dec = await decoder();
      const name = 'n'.repeat(42);
      const b = block([0x00, 0x2a], Array.from(name, (c) => c.charCodeAt(0)), [0x01, 0x76]);
      expect(plain(dec.decode(b))).toEqual([[name, 'v']]);
    });

    it('reads prefix integers across the boundary (2^N - 1 takes a continuation octet)', async () => {
      const dec = await decoder();
      // Index 61 fits the 7-bit prefix (0xbd); index 127 is 0xff 0x00 (past the tables here).
      expect(plain(dec.decode(block([0xbd])))).toEqual([['www-authenticate', '']]);
      const name126 = 'a'.repeat(126);
      const name127 = 'b'.repeat(127);
      const v128 = 'c'.repeat(128);
      expect(plain(dec.decode(block(literal('without', name126, v128), literal('without', name127, ''))))).toEqual([
        [name126, v128],
        [name127, ''],
      ]);
      expect(block(literal('without', name127, ''))[1]).toBe(0x7f); // 127 = 7f 00
      expectHpackError(() => dec.decode(block([0xff, 0x00])), 'HPACK_INDEX');
    });
  });

  describe('C.2 header field representations', () => {
    for (const b of C2) {
      it(`${b.section}: decodes ${JSON.stringify(b.headers)} and leaves the table as printed`, async () => {
        const dec = await decoder();
        const got = dec.decode(hex(b.wire));
        expect(plain(got)).toEqual(b.headers);
        expect(sensitiveOf(got)).toEqual(b.sensitive ?? []);
        expect(plain(dec.decode(probeBlock(b.table.length)))).toEqual(b.table);
        expectHpackError(() => dec.decode(block(indexed(62 + b.table.length))), 'HPACK_INDEX');
      });
    }

    it('C.2.3: never-indexed names are listed in a non-enumerable property', async () => {
      const dec = await decoder();
      const got = dec.decode(hex(C2[2].wire));
      expect(Object.keys(got)).toEqual(['0']);
      expect(sensitiveOf(got)).toEqual(['password']);
    });

    it('C.2.1, C.2.3, C.2.4: the encoder produces the same bytes (huffman never)', async () => {
      const enc1 = await encoder(4096, 'never');
      expect(toHex(enc1.encode([['custom-key', 'custom-header']]))).toBe(C2[0].wire.replace(/\s+/g, ''));
      const enc3 = await encoder(4096, 'never');
      expect(toHex(enc3.encode(withSensitive([['password', 'secret']] as Field[], ['password'])))).toBe(C2[2].wire.replace(/\s+/g, ''));
      const enc4 = await encoder(4096, 'never');
      expect(toHex(enc4.encode([[':method', 'GET']]))).toBe('82');
    });
  });

  for (const seq of SEQUENCES) {
    describe(`${seq.section} ${seq.title}`, () => {
      it('decodes the sequence with one decoder, the table as printed after each block', async () => {
        const dec = await decoder(seq.maxTableSize);
        for (const b of seq.blocks) {
          const got = dec.decode(hex(b.wire));
          expect(plain(got), b.section).toEqual(b.headers);
          expect(sensitiveOf(got), b.section).toEqual([]);
          expect(b.table.reduce((n, f) => n + fieldSize(f), 0)).toBe(b.tableSize);
          // Indexed representations do not change the table, so probing it is harmless.
          expect(plain(dec.decode(probeBlock(b.table.length))), `${b.section} table`).toEqual(b.table);
        }
        const last = seq.blocks[seq.blocks.length - 1];
        expectHpackError(() => dec.decode(block(indexed(62 + last.table.length))), 'HPACK_INDEX');
      });

      it(`encodes the sequence byte for byte with one encoder (huffman ${seq.huffman})`, async () => {
        const enc = await encoder(seq.maxTableSize, seq.huffman);
        const dec = await decoder(seq.maxTableSize);
        for (const b of seq.blocks) {
          const out = enc.encode(b.headers.map(([n, v]) => [n, v] as Field));
          expect(out).toBeInstanceOf(Uint8Array);
          expect(toHex(out), b.section).toBe(b.wire.replace(/\s+/g, ''));
          expect(plain(dec.decode(out)), b.section).toEqual(b.headers);
        }
      });

      if (seq.section === 'C.4') {
        it('encodes the same bytes with huffman auto (every string is strictly shorter in Huffman)', async () => {
          const enc = await encoder(seq.maxTableSize, 'auto');
          for (const b of seq.blocks) expect(toHex(enc.encode(b.headers)), b.section).toBe(b.wire.replace(/\s+/g, ''));
        });
      }
      if (seq.section === 'C.6') {
        it("sends \"307\" raw with huffman auto (Huffman is not strictly shorter), otherwise as C.6", async () => {
          const enc = await encoder(seq.maxTableSize, 'auto');
          expect(toHex(enc.encode(seq.blocks[0].headers))).toBe(seq.blocks[0].wire.replace(/\s+/g, ''));
          expect(toHex(enc.encode(seq.blocks[1].headers))).toBe('4803333037c1c0bf');
        });
      }
      if (seq.section === 'C.3' || seq.section === 'C.5') {
        it('is decoded the same when each block is handed in a fresh copy (no aliasing of the caller\'s bytes)', async () => {
          const dec = await decoder(seq.maxTableSize);
          for (const b of seq.blocks) {
            const bytes = hex(b.wire);
            const got = dec.decode(bytes);
            bytes.fill(0);
            expect(plain(got), b.section).toEqual(b.headers);
          }
        });
      }
    });
  }

  it('decodes an empty block to an empty list', async () => {
    const dec = await decoder();
    expect(plain(dec.decode(new Uint8Array(0)))).toEqual([]);
  });
});
