// Field-list helpers shared by the HTTP adapters (fetch, HTTP/1.1) and the
// demo app: which fields never cross into HTTP/2, and one way to turn a
// HeaderInit into a list of pairs.

import type { HeaderInit } from '../engine/types.js';

/** CONNECTION_SPECIFIC_FIELDS are the fields HTTP/2 forbids.
 *  RFC 9113 §8.2.2: "An endpoint MUST NOT generate an HTTP/2 message containing
 *  connection-specific header fields ... any message containing
 *  connection-specific header fields MUST be treated as malformed." The RFC
 *  names Connection, Proxy-Connection, Keep-Alive, Transfer-Encoding and Upgrade. */
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

/** fieldPairs turns a HeaderInit into [name, value] pairs with lowercase names, order kept;
 *  an array value in a record becomes one field per element. */
export function fieldPairs(init: HeaderInit | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (init === undefined) return out;
  if (Array.isArray(init)) {
    for (const [name, value] of init as ReadonlyArray<readonly [string, string]>) out.push([name.toLowerCase(), String(value)]);
    return out;
  }
  const record = init as Readonly<Record<string, string | number | ReadonlyArray<string>>>;
  for (const name of Object.keys(record)) {
    const value = record[name];
    const lower = name.toLowerCase();
    if (Array.isArray(value)) {
      for (const v of value as ReadonlyArray<string>) out.push([lower, String(v)]);
    } else {
      out.push([lower, String(value)]);
    }
  }
  return out;
}
