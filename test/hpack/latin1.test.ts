// Names and values are octets, one char code each (latin1). Where Node's Buffer is missing
// (Workers), the host makes strings with latin1FromBytes: TextDecoder for ASCII, char codes
// otherwise; both must give every octet back as itself.
import { describe, expect, it } from 'vitest';
import { latin1FromBytes } from '../../host/core/binding.js';

describe('latin1FromBytes (the Buffer-free path)', () => {
  it('gives every octet as its own char code, ASCII-only ranges and others alike', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const s = latin1FromBytes(all, 0, 256);
    expect(Array.from(s, (c) => c.charCodeAt(0))).toEqual(Array.from(all));
    expect(latin1FromBytes(all, 32, 127)).toBe(Buffer.from(all.subarray(32, 127)).toString('latin1'));
    expect(latin1FromBytes(all, 0x7e, 0xa0)).toBe(Buffer.from(all.subarray(0x7e, 0xa0)).toString('latin1')); // 0x80-0x9f differ in windows-1252
    expect(latin1FromBytes(all, 10, 10)).toBe('');
    const long = new Uint8Array(10000).fill(0x61);
    long[9999] = 0xe9;
    expect(latin1FromBytes(long, 0, 10000)).toBe('a'.repeat(9999) + '\u00e9');
  });
});
