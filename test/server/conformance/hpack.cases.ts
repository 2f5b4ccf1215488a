// h2spec's "hpack" suite (RFC 7541): every decoding error is a connection
// error of type COMPRESSION_ERROR (RFC 9113 §4.3), one test per h2spec case
// (summerwind/h2spec hpack/*.go).

import { describe, it } from 'vitest';
import { bytes, COMPRESSION_ERROR, SETTINGS_HEADER_TABLE_SIZE } from '../../helpers/raw-h2.js';
import { CASE_TIMEOUT, commonBlockWith, handshake } from './suite.js';

/** decodingErrors defines one test per [h2spec case, octets]: the common request's field block
 *  followed by the octets (h2spec's, verbatim) must draw GOAWAY COMPRESSION_ERROR. */
function decodingErrors(cases: ReadonlyArray<[name: string, rep: string]>): void {
  it.each(cases)('%s', async (_name, rep) => {
    const c = await handshake();
    c.headersBlock(1, commonBlockWith(c, bytes(rep)), { endStream: true });
    await c.expectGoaway([COMPRESSION_ERROR]);
  }, CASE_TIMEOUT);
}

/** tableSizeUpdate encodes a dynamic table size update (RFC 7541 §6.3: 001 and a 5-bit prefix integer). */
function tableSizeUpdate(size: number): Uint8Array {
  const out: number[] = [];
  if (size < 31) {
    out.push(0x20 | size);
  } else {
    out.push(0x20 | 31);
    let rest = size - 31;
    while (rest >= 128) {
      out.push(0x80 | (rest & 0x7f));
      rest = Math.floor(rest / 128);
    }
    out.push(rest);
  }
  return Uint8Array.from(out);
}

/** hpackCases defines h2spec's hpack suite, one test per case, against the file's target (useTarget). */
export function hpackCases(): void {
  describe('hpack/2.3.3 Index Address Space', () => {
    decodingErrors([
      // Indexed field, index 70: past the static table and the few entries our request added.
      ['hpack/2.3.3 #1: Sends a indexed header field representation with invalid index', '\xc6'],
      // Literal with incremental indexing, name index 70, empty value.
      ['hpack/2.3.3 #2: Sends a literal header field representation with invalid index', '\x7f\x07\x00'],
    ]);
  });

  describe('hpack/4.2 Maximum Table Size', () => {
    decodingErrors([
      ['hpack/4.2 #1: Sends a dynamic table size update at the end of header block', '\x21'],
    ]);
  });

  describe('hpack/5.2 String Literal Representation', () => {
    decodingErrors([
      ['hpack/5.2 #1: Sends a Huffman-encoded string literal representation with padding longer than 7 bits', '\x00\x85\xf2\xb2\x4a\x84\xff\x84\x49\x50\x9f\xff'],
      ['hpack/5.2 #2: Sends a Huffman-encoded string literal representation padded by zero', '\x00\x85\xf2\xb2\x4a\x84\xff\x83\x49\x50\x90'],
      ['hpack/5.2 #3: Sends a Huffman-encoded string literal representation containing the EOS symbol', '\x00\x85\xf2\xb2\x4a\x87\xff\xff\xff\xfd\x25\x42\x7f'],
    ]);
  });

  describe('hpack/6.1 Indexed Header Field Representation', () => {
    decodingErrors([
      ['hpack/6.1 #1: Sends a indexed header field representation with index 0', '\x80'],
    ]);
  });

  describe('hpack/6.3 Dynamic Table Size Update', () => {
    it('hpack/6.3 #1: Sends a dynamic table size update larger than the value of SETTINGS_HEADER_TABLE_SIZE', async () => {
      const c = await handshake();
      // One more than the server's advertised table size (4096 when it advertises none).
      const max = c.serverSettings.get(SETTINGS_HEADER_TABLE_SIZE) ?? 4096;
      c.headersBlock(1, commonBlockWith(c, tableSizeUpdate(max + 1), true), { endStream: true });
      await c.expectGoaway([COMPRESSION_ERROR]);
    }, CASE_TIMEOUT);
  });
}
