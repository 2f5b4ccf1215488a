// Field-list helpers shared by the engine, the HTTP adapters (fetch, HTTP/1.1)
// and the demo app: which fields never cross into HTTP/2, and one walk over a
// HeaderInit (pairs or a record) for everyone who turns one into fields.

import type { HeaderInit } from './types.js';
import type { HeaderList } from '../core/hpack.js';

/** CONNECTION_SPECIFIC_FIELDS are the fields HTTP/2 forbids. RFC 9113 §8.2.2: "An endpoint MUST
 *  NOT generate an HTTP/2 message containing connection-specific header fields ... any message
 *  containing connection-specific header fields MUST be treated as malformed." The RFC names
 *  Connection, Proxy-Connection, Keep-Alive, Transfer-Encoding and Upgrade. */
export const CONNECTION_SPECIFIC_FIELDS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** isConnectionSpecific reports whether a lowercase field name is one HTTP/2 forbids. */
export function isConnectionSpecific(name: string): boolean {
  return CONNECTION_SPECIFIC_FIELDS.has(name);
}

/** isPseudoHeader reports whether a field name is a pseudo-header (":method", ":path", ...). */
export function isPseudoHeader(name: string): boolean {
  return name.charCodeAt(0) === 0x3a; // ':'
}

/** lowerName returns name in lowercase, without making a new string when it already is. */
export function lowerName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return name.toLowerCase();
  }
  return name;
}

/** forEachField calls each(into, name, value) for every field of init in order (names as given);
 *  an array value in a record is one field per element. `into` is passed through, so callers on
 *  the response path need no closure. */
export function forEachField<T>(init: HeaderInit, each: (into: T, name: string, value: string) => void, into: T): void {
  if (Array.isArray(init)) {
    for (const [name, value] of init as ReadonlyArray<readonly [string, string]>) each(into, name, String(value));
    return;
  }
  const record = init as Readonly<Record<string, string | number | ReadonlyArray<string> | undefined>>;
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (Array.isArray(value)) for (const v of value as ReadonlyArray<string>) each(into, name, String(v));
    else if (value !== undefined) each(into, name, String(value));
  }
}

function pushLowercase(out: Array<[string, string]>, name: string, value: string): void {
  out.push([lowerName(name), value]);
}

/** fieldPairs turns a HeaderInit into [name, value] pairs with lowercase names, order kept. */
export function fieldPairs(init: HeaderInit | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (init !== undefined) forEachField(init, pushLowercase, out);
  return out;
}

// ---------------------------------------------------------------------------
// Fields we send: what an application gives is lowercased and checked here, for both positions.

/** trailerFields makes a trailer section's field list. */
export function trailerFields(headers: HeaderInit): HeaderList {
  const fields: HeaderList = [];
  forEachField(headers, addField, fields);
  return fields;
}

/** addField appends one application field. Connection-specific fields are left out: RFC 9113 §8.2.2
 *  says an endpoint "MUST NOT generate" them, and an application used to HTTP/1.1 may still set them. */
export function addField(fields: HeaderList, name: string, value: string): void {
  const n = lowerName(name);
  if (isPseudoHeader(n)) throw new TypeError(`h2wasm: pseudo-header ${n} cannot be set by the application`);
  if (isConnectionSpecific(n)) return;
  checkValue(n, value);
  fields.push([n, value]);
}

/** checkValue refuses a value with CR, LF or NUL (RFC 9113 §8.2.1), which would split or end the field. */
export function checkValue(name: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) throw new TypeError(`h2wasm: invalid character in the value of ${name}`);
  }
}
