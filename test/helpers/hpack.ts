// Helpers for the HPACK tests: block builders that follow RFC 7541 §5 and §6
// independently of the implementation, and HpackError expectations.
import { expect } from 'vitest';
import { HpackError, sensitiveHeaders } from '../../host/index.js';
import { ERROR_H2_CODES, ERROR_NAMES, H2_COMPRESSION_ERROR } from '../../assembly/abi.js';
import { huffmanEncode } from '../fixtures/huffman-codes.js';

export type Field = [string, string];

/** HpackReason is every reason an HpackError may carry. */
export type HpackReason =
  | 'HPACK_TRUNCATED'
  | 'HPACK_INTEGER_OVERFLOW'
  | 'HPACK_INDEX'
  | 'HPACK_HUFFMAN'
  | 'HPACK_SIZE_UPDATE'
  | 'HPACK_STRING_LENGTH'
  | 'HEADER_LIST_TOO_LARGE';

/** h2CodeFor returns the RFC 9113 §7 code the ABI maps a reason to. */
export function h2CodeFor(reason: string): number {
  const i = ERROR_NAMES.indexOf(reason);
  if (i < 0) throw new Error(`no such reason ${reason}`);
  return ERROR_H2_CODES[i];
}

/** catchHpack runs fn, which must throw an HpackError, and returns that error. */
export function catchHpack(fn: () => unknown): HpackError {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HpackError);
    expect(err).toBeInstanceOf(Error);
    return err as HpackError;
  }
  throw new Error(`expected an HpackError, got a result: ${JSON.stringify(result)}`);
}

/** expectHpackError asserts fn throws an HpackError with this reason and the code the ABI maps it to. */
export function expectHpackError(fn: () => unknown, reason: HpackReason | HpackReason[]): HpackError {
  const err = catchHpack(fn);
  const reasons = Array.isArray(reason) ? reason : [reason];
  expect(reasons).toContain((err as unknown as { reason: string }).reason);
  const code = (err as unknown as { code: number }).code;
  expect(code).toBe(h2CodeFor((err as unknown as { reason: string }).reason));
  if ((err as unknown as { reason: string }).reason === 'HEADER_LIST_TOO_LARGE') expect(code).not.toBe(H2_COMPRESSION_ERROR);
  else expect(code).toBe(H2_COMPRESSION_ERROR);
  return err;
}

/** sensitiveOf returns the never-indexed names a decoder reported for a list ([] when none). */
export function sensitiveOf(list: Field[]): string[] {
  const names = (list as unknown as Record<symbol, unknown>)[sensitiveHeaders as unknown as symbol];
  if (names === undefined) return [];
  expect(Array.isArray(names)).toBe(true);
  return [...(names as string[])];
}

/** withSensitive marks names on a header list as sensitive for the encoder (like Node's http2). */
export function withSensitive<T extends Field[]>(headers: T, names: string[]): T {
  Object.defineProperty(headers, sensitiveHeaders as unknown as symbol, { value: names, enumerable: false });
  return headers;
}

/** plain strips a decoded list to a plain array of pairs, for toEqual. */
export function plain(list: Field[]): Field[] {
  return list.map(([n, v]) => [n, v]);
}

// ---------------------------------------------------------------------------
// Block builders (RFC 7541 §5.1 integers, §5.2 strings, §6 representations).

/** int encodes value with an N-bit prefix; `first` holds the representation's pattern bits. */
export function int(first: number, prefixBits: number, value: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let v = value - max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** octets returns the char codes of a latin1 string. */
export function octets(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

/** str encodes a string literal (§5.2), raw or Huffman coded. */
export function str(s: string, huffman = false): number[] {
  if (huffman) {
    const h = huffmanEncode(s);
    return [...int(0x80, 7, h.length), ...h];
  }
  return [...int(0x00, 7, s.length), ...octets(s)];
}

/** indexed is an indexed header field (§6.1). */
export function indexed(index: number): number[] {
  return int(0x80, 7, index);
}

/** sizeUpdate is a dynamic table size update (§6.3). */
export function sizeUpdate(size: number): number[] {
  return int(0x20, 5, size);
}

export type LiteralKind = 'incremental' | 'without' | 'never';

/** literal is a literal header field (§6.2): name is an index into the tables or a new name. */
export function literal(kind: LiteralKind, name: number | string, value: string, huffman = false): number[] {
  const [first, prefix] = kind === 'incremental' ? [0x40, 6] : kind === 'without' ? [0x00, 4] : [0x10, 4];
  if (typeof name === 'number') return [...int(first, prefix, name), ...str(value, huffman)];
  return [...int(first, prefix, 0), ...str(name, huffman), ...str(value, huffman)];
}

/** block concatenates representations into one header block. */
export function block(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

/** fieldSize is a field's size for the table and the list limit: name + value + 32 (RFC 7541 §4.1, RFC 9113 §6.5.2). */
export function fieldSize([name, value]: Field): number {
  return name.length + value.length + 32;
}
