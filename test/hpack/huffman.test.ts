// Huffman strings (RFC 7541 §5.2, Appendix B): every octet both ways, and
// the decoder's three MUSTs about padding and EOS. The code table lives in
// test/fixtures/huffman-codes.ts so blocks are built without the implementation.
import { afterEach, describe, expect, it } from 'vitest';
import { CODECS, sharedCore, toHex } from '../helpers/codecs.js';
import { block, expectHpackError, int, literal, plain, str, type Field } from '../helpers/hpack.js';
import { EOS, HUFFMAN_CODES, huffmanEncode, huffmanLength, packBits } from '../fixtures/huffman-codes.js';

const ALL_OCTETS = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

/** huffmanLiteral is a literal without indexing, new name, whose value is these Huffman octets (H bit set). */
function huffmanLiteral(name: string, valueBits: Uint8Array): Uint8Array {
  return block([0x00], str(name), int(0x80, 7, valueBits.length), Array.from(valueBits));
}

const code = (ch: string) => HUFFMAN_CODES[ch.charCodeAt(0)];

describe('Huffman code table fixture', () => {
  it('is a complete prefix code (Kraft sum 1) of 257 canonical codes of 5 to 30 bits', () => {
    expect(HUFFMAN_CODES.length).toBe(257);
    let kraft = 0;
    for (const [c, len] of HUFFMAN_CODES) {
      expect(len).toBeGreaterThanOrEqual(5);
      expect(len).toBeLessThanOrEqual(30);
      expect(c).toBeLessThan(2 ** len);
      kraft += 2 ** -len;
    }
    expect(kraft).toBe(1);
    const sorted = [...HUFFMAN_CODES].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) {
      const [prev, prevLen] = sorted[i - 1];
      const [c, len] = sorted[i];
      expect(c).toBe((prev + 1) * 2 ** (len - prevLen));
    }
    expect(HUFFMAN_CODES[EOS]).toEqual([0x3fffffff, 30]);
  });

  it('reproduces the RFC 7541 C.4 and C.6 strings', () => {
    expect(toHex(huffmanEncode('www.example.com'))).toBe('f1e3c2e5f23a6ba0ab90f4ff');
    expect(toHex(huffmanEncode('no-cache'))).toBe('a8eb10649cbf');
    expect(toHex(huffmanEncode('custom-value'))).toBe('25a849e95bb8e8b4bf');
    expect(toHex(huffmanEncode('Mon, 21 Oct 2013 20:13:21 GMT'))).toBe('d07abe941054d444a8200595040b8166e082a62d1bff');
  });
});

describe.each(CODECS)('Huffman strings (%s)', (codec) => {
  const open: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  async function decoder() {
    const dec = (await sharedCore(codec)).hpackDecoder();
    open.push(dec);
    return dec;
  }
  async function encoder(huffman: 'auto' | 'always' | 'never') {
    const enc = (await sharedCore(codec)).hpackEncoder({ huffman });
    open.push(enc);
    return enc;
  }

  it('decodes each of the 256 octets alone, from blocks built with the RFC table', async () => {
    const dec = await decoder();
    const bad: number[] = [];
    for (let b = 0; b < 256; b++) {
      const v = String.fromCharCode(b);
      const got = plain(dec.decode(huffmanLiteral('x', huffmanEncode(v))));
      if (got.length !== 1 || got[0][0] !== 'x' || got[0][1] !== v) bad.push(b);
    }
    expect(bad).toEqual([]);
  });

  it('encodes each of the 256 octets alone as the RFC table says (huffman always), and decodes it back', async () => {
    const enc = await encoder('always');
    const dec = await decoder();
    const bad: string[] = [];
    for (let b = 0; b < 256; b++) {
      const v = String.fromCharCode(b);
      // A new name each time: literal with incremental indexing, new name, both strings in Huffman.
      const name = `x-${b}`;
      const out = enc.encode([[name, v]]);
      const want = block([0x40], str(name, true), str(v, true));
      if (toHex(out) !== toHex(want)) bad.push(`${b}: ${toHex(out)} != ${toHex(want)}`);
      const got = plain(dec.decode(out));
      if (JSON.stringify(got) !== JSON.stringify([[name, v]])) bad.push(`${b}: decoded ${JSON.stringify(got)}`);
    }
    expect(bad).toEqual([]);
  });

  it('round-trips all 256 octets together, in names and values, in every mode', async () => {
    for (const mode of ['always', 'auto', 'never'] as const) {
      const enc = await encoder(mode);
      const dec = await decoder();
      const reversed = ALL_OCTETS.split('').reverse().join('');
      const headers: Field[] = [['x-all', ALL_OCTETS], [ALL_OCTETS, reversed], ['x-all', ALL_OCTETS]];
      const out = enc.encode(headers);
      expect(plain(dec.decode(out)), mode).toEqual(headers);
    }
  });

  it('decodes a block of all 256 octets Huffman coded by the RFC table', async () => {
    const dec = await decoder();
    expect(plain(dec.decode(huffmanLiteral('all', huffmanEncode(ALL_OCTETS))))).toEqual([['all', ALL_OCTETS]]);
  });

  it('decodes Huffman names too (H bit on the name string)', async () => {
    const dec = await decoder();
    expect(plain(dec.decode(block(literal('incremental', 'X-Custom', 'Value', true), [0xbe])))).toEqual([
      ['X-Custom', 'Value'],
      ['X-Custom', 'Value'],
    ]);
  });

  it('accepts valid padding: 0 bits, 1..7 bits of ones, and an empty Huffman string', async () => {
    const dec = await decoder();
    // 8 x '0' = 40 bits: no padding.
    expect(huffmanEncode('00000000').length).toBe(5);
    expect(plain(dec.decode(huffmanLiteral('p0', huffmanEncode('00000000'))))).toEqual([['p0', '00000000']]);
    // 'a' is 00011: three bits of padding -> 0x1f.
    expect(plain(dec.decode(huffmanLiteral('p3', Uint8Array.of(0x1f))))).toEqual([['p3', 'a']]);
    // 'aaa' is 15 bits: one bit of padding; 'aaaaa' is 25 bits: seven bits of padding
    // (the last octet is the final 1 of 'a' then 1111111).
    expect(plain(dec.decode(huffmanLiteral('p1', huffmanEncode('aaa'))))).toEqual([['p1', 'aaa']]);
    expect(toHex(huffmanEncode('aaaaa'))).toBe('18c631ff');
    expect(plain(dec.decode(huffmanLiteral('p7', huffmanEncode('aaaaa'))))).toEqual([['p7', 'aaaaa']]);
    expect(plain(dec.decode(huffmanLiteral('empty', new Uint8Array(0))))).toEqual([['empty', '']]);
  });

  it('rejects the EOS symbol inside a string (RFC 7541 §5.2: MUST be treated as a decoding error)', async () => {
    const dec1 = await decoder();
    expectHpackError(() => dec1.decode(huffmanLiteral('x', packBits([code('a'), HUFFMAN_CODES[EOS], code('b')]))), 'HPACK_HUFFMAN');
    // EOS at the very end, then padding.
    const dec2 = await decoder();
    expectHpackError(() => dec2.decode(huffmanLiteral('x', packBits([code('a'), HUFFMAN_CODES[EOS]]))), 'HPACK_HUFFMAN');
    // EOS alone: 30 ones + 2 ones of padding = ff ff ff ff.
    const dec3 = await decoder();
    expect(toHex(packBits([HUFFMAN_CODES[EOS]]))).toBe('ffffffff');
    expectHpackError(() => dec3.decode(huffmanLiteral('x', packBits([HUFFMAN_CODES[EOS]]))), 'HPACK_HUFFMAN');
  });

  it('rejects padding longer than 7 bits (RFC 7541 §5.2)', async () => {
    // 'a' then 11 ones: 00011111 11111111.
    const dec1 = await decoder();
    expectHpackError(() => dec1.decode(huffmanLiteral('x', Uint8Array.of(0x1f, 0xff))), 'HPACK_HUFFMAN');
    // A lone octet of ones: 8 bits of padding, no symbol.
    const dec2 = await decoder();
    expectHpackError(() => dec2.decode(huffmanLiteral('x', Uint8Array.of(0xff))), 'HPACK_HUFFMAN');
    // A valid string followed by a whole octet of ones.
    const dec3 = await decoder();
    expectHpackError(() => dec3.decode(huffmanLiteral('x', Uint8Array.from([...huffmanEncode('aaa'), 0xff]))), 'HPACK_HUFFMAN');
  });

  it('rejects padding that is not the most significant bits of EOS (not all ones)', async () => {
    // 'a' then 000: 00011000.
    const dec1 = await decoder();
    expectHpackError(() => dec1.decode(huffmanLiteral('x', Uint8Array.of(0x18))), 'HPACK_HUFFMAN');
    // 'a' then 101.
    const dec2 = await decoder();
    expectHpackError(() => dec2.decode(huffmanLiteral('x', Uint8Array.of(0x1d))), 'HPACK_HUFFMAN');
    // Seven bits of padding with a zero in the last place: 'aaaaa' + 1111110.
    const dec3 = await decoder();
    const bits = huffmanEncode('aaaaa');
    bits[3] = 0xfe;
    expectHpackError(() => dec3.decode(huffmanLiteral('x', bits)), 'HPACK_HUFFMAN');
  });

  it('rejects bad Huffman in names as well as values', async () => {
    const dec = await decoder();
    const b = block([0x00], int(0x80, 7, 1), [0x18], str('v'));
    expectHpackError(() => dec.decode(b), 'HPACK_HUFFMAN');
  });

  it("uses Huffman in 'auto' only when strictly shorter, and never in 'never'", async () => {
    const auto = await encoder('auto');
    const never = await encoder('never');
    const always = await encoder('always');
    // The name "x-a" is 3 octets raw and 18 bits (3 octets) in Huffman: raw under auto.
    expect(huffmanLength('x-a')).toBe(3);
    // "307": 3 octets raw, 3 in Huffman (640eff) -> raw under auto.
    expect(toHex(auto.encode([['x-a', '307']]))).toBe(toHex(block([0x40], str('x-a'), str('307'))));
    // Octet 0x00 costs 13 bits: Huffman is longer -> raw under auto.
    expect(toHex(auto.encode([['x-b', '\x00\x00']]))).toBe(toHex(block([0x40], str('x-b'), str('\x00\x00'))));
    // "www.example.com": 15 raw, 12 Huffman; "x-custom-name": 13 raw, 10 Huffman.
    expect(huffmanLength('x-custom-name')).toBeLessThan(13);
    expect(toHex(auto.encode([['x-custom-name', 'www.example.com']]))).toBe(
      toHex(block([0x40], str('x-custom-name', true), str('www.example.com', true))),
    );
    expect(toHex(never.encode([['x-custom-name', 'www.example.com']]))).toBe(toHex(block([0x40], str('x-custom-name'), str('www.example.com'))));
    expect(toHex(always.encode([['x-a', '307']]))).toBe(toHex(block([0x40], str('x-a', true), str('307', true))));
  });
});
