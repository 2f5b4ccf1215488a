// A small ASN.1 DER writer (ITU-T X.690 §8, §10): just the types an X.509
// certificate needs. Each function returns one complete TLV.

import { concatBytes } from '../bytes.js';

/** DER tag octets (X.690 §8.1.2; universal class unless noted). */
export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_UTF8_STRING = 0x0c;
export const TAG_SEQUENCE = 0x30; // constructed
export const TAG_SET = 0x31; // constructed
export const TAG_IA5_STRING = 0x16;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;

/** tlv wraps content in a tag and a DER length: short form below 128, else 0x80|n then n octets (X.690 §8.1.3). */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  let head: number[];
  if (n < 0x80) head = [tag, n];
  else {
    const octets: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) octets.unshift(v & 0xff);
    head = [tag, 0x80 | octets.length, ...octets];
  }
  const out = new Uint8Array(head.length + n);
  out.set(head);
  out.set(content, head.length);
  return out;
}

/** sequence is SEQUENCE { items... }. */
export function sequence(...items: Uint8Array[]): Uint8Array {
  return tlv(TAG_SEQUENCE, concatBytes(items));
}

/** set is SET { items... } (callers pass one item, so DER's sort order of SET OF does not arise). */
export function set(...items: Uint8Array[]): Uint8Array {
  return tlv(TAG_SET, concatBytes(items));
}

/** integer encodes a non-negative integer given as big-endian magnitude octets, minimal and with a
 *  leading 0x00 when the top bit is set, so it stays positive (X.690 §8.3.2). */
export function integer(magnitude: Uint8Array | number): Uint8Array {
  let bytes: number[];
  if (typeof magnitude === 'number') {
    bytes = [];
    for (let v = magnitude; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  } else {
    bytes = [...magnitude];
  }
  while (bytes.length > 1 && bytes[0] === 0 && bytes[1] < 0x80) bytes.shift();
  if (bytes.length === 0) bytes = [0];
  if (bytes[0] >= 0x80) bytes.unshift(0);
  return tlv(TAG_INTEGER, Uint8Array.from(bytes));
}

/** boolean encodes TRUE as 0xff, as DER requires (X.690 §11.1). */
export function boolean(value: boolean): Uint8Array {
  return tlv(TAG_BOOLEAN, Uint8Array.of(value ? 0xff : 0x00));
}

/** oid encodes a dotted OBJECT IDENTIFIER: the first two arcs as 40*a+b, then base-128 arcs (X.690 §8.19). */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [];
  const arc = (v: number) => {
    const groups = [v & 0x7f];
    for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f));
    out.push(...groups);
  };
  arc(arcs[0] * 40 + arcs[1]);
  for (const v of arcs.slice(2)) arc(v);
  return tlv(TAG_OID, Uint8Array.from(out));
}

/** bitString wraps whole octets as a BIT STRING with no unused bits. */
export function bitString(content: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(TAG_BIT_STRING, concatBytes([Uint8Array.of(unusedBits), content]));
}

/** octetString is OCTET STRING. */
export function octetString(content: Uint8Array): Uint8Array {
  return tlv(TAG_OCTET_STRING, content);
}

/** utf8String is UTF8String. */
export function utf8String(text: string): Uint8Array {
  return tlv(TAG_UTF8_STRING, new TextEncoder().encode(text));
}

/** time encodes a date as RFC 5280 §4.1.2.5 asks: "CAs conforming to this profile MUST always encode
 *  certificate validity dates through the year 2049 as UTCTime; certificate validity dates in 2050
 *  or later MUST be encoded as GeneralizedTime", in UTC with seconds and a Z. */
export function time(date: Date): Uint8Array {
  const two = (n: number) => String(n).padStart(2, '0');
  const year = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  if (year >= 1950 && year < 2050) return tlv(TAG_UTC_TIME, new TextEncoder().encode(two(year % 100) + rest));
  return tlv(TAG_GENERALIZED_TIME, new TextEncoder().encode(String(year).padStart(4, '0') + rest));
}

/** explicit is a context-specific constructed tag [n] around a complete TLV (EXPLICIT tagging). */
export function explicit(n: number, inner: Uint8Array): Uint8Array {
  return tlv(0xa0 | n, inner);
}

/** implicit is a context-specific primitive tag [n] replacing a primitive type's own tag (IMPLICIT tagging). */
export function implicit(n: number, content: Uint8Array): Uint8Array {
  return tlv(0x80 | n, content);
}
