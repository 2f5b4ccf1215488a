// Message validation, RFC 9113 §8.1–8.3: what makes a request (server
// position) or a response (client position) malformed. A malformed message is
// a stream error of type PROTOCOL_ERROR (§8.1.1); the checks return a reason
// (for the log and RST debugging) or null.

import { sensitiveHeaders, type FlatHeaderList, type HeaderList } from '../core/hpack.js';
import { isConnectionSpecific } from './fields.js';

/** RequestHead is what the engine keeps of a valid request's pseudo-headers and framing fields. */
export interface RequestHead {
  method: string;
  scheme: string;
  authority: string;
  path: string;
  /** content-length, or -1 when absent. */
  contentLength: number;
  /** The RFC 9218 priority field value, or '' when absent. */
  priority: string;
}


/** fieldNameProblem returns why a field name is not allowed, or null. RFC 9113 §8.2.1: "A field name
 *  MUST NOT contain characters in the ranges 0x00-0x20, 0x41-0x5a, or 0x7f-0xff (all ranges
 *  inclusive)", and a colon only as the first character of a pseudo-header. */
export function fieldNameProblem(name: string, from: number): string | null {
  if (name.length === 0) return 'empty field name';
  for (let i = from; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || (c >= 0x41 && c <= 0x5a) || c >= 0x7f || c === 0x3a) {
      return c >= 0x41 && c <= 0x5a ? 'uppercase field name' : 'invalid character in field name';
    }
  }
  return null;
}

/** fieldValueProblem returns why a field value is not allowed, or null. RFC 9113 §8.2.1: "A field
 *  value MUST NOT contain the zero value (ASCII NUL, 0x00), line feed (ASCII LF, 0x0a), or carriage
 *  return (ASCII CR, 0x0d) at any position" nor start or end with whitespace (SP or HTAB). */
export function fieldValueProblem(value: string): string | null {
  const n = value.length;
  if (n === 0) return null;
  let c = value.charCodeAt(0);
  if (c === 0x20 || c === 0x09) return 'field value starts with whitespace';
  c = value.charCodeAt(n - 1);
  if (c === 0x20 || c === 0x09) return 'field value ends with whitespace';
  for (let i = 0; i < n; i++) {
    c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return 'NUL, CR or LF in field value';
  }
  return null;
}

/** regularFieldProblem checks one regular (non-pseudo) field of a request or trailers. */
function regularFieldProblem(name: string, value: string): string | null {
  const p = fieldNameProblem(name, 0) ?? fieldValueProblem(value);
  if (p !== null) return p;
  if (isConnectionSpecific(name)) return `connection-specific field ${name}`;
  // RFC 9113 §8.2.2: "The only exception to this is the TE header field, which MAY be present in
  // an HTTP/2 request; when it is, it MUST NOT contain any value other than 'trailers'."
  if (name === 'te' && value !== 'trailers') return 'te other than trailers';
  return null;
}

/** parseContentLength returns the value of a content-length field, or -2 when it is not a number. */
function parseContentLength(value: string): number {
  if (value.length === 0 || value.length > 15) return -2;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -2;
  }
  return Number(value);
}

/** contentLengthProblem records a content-length value in head, or says why it is not one. */
function contentLengthProblem(head: { contentLength: number }, value: string): string | null {
  const n = parseContentLength(value);
  if (n < 0) return 'content-length is not a number';
  if (head.contentLength >= 0 && head.contentLength !== n) return 'conflicting content-length';
  head.contentLength = n;
  return null;
}

/** checkRequest validates a request's field list and fills head; it returns a reason when the
 *  request is malformed. `seen` is the flat list (name, value, ...) of the connection's
 *  last valid request: a field equal to the one at its place there passed the octet checks
 *  already, which depend on its octets only, so they are not run again. A browser's encoder sends
 *  the same fields request after request, from the dynamic table (the same strings, here). */
export function checkRequest(fields: FlatHeaderList, head: RequestHead, seen: readonly string[] = NONE_SEEN): string | null {
  let method: string | undefined;
  let scheme: string | undefined;
  let authority: string | undefined;
  let path: string | undefined;
  let host: string | undefined;
  let regular = false;
  head.contentLength = -1;
  head.priority = '';
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1];
    const known = i + 1 < seen.length && seen[i] === name && seen[i + 1] === value;
    if (name.charCodeAt(0) === 0x3a) {
      // RFC 9113 §8.3: "All pseudo-header fields MUST appear in a field block before all regular
      // field lines"; each "MUST NOT appear more than once"; only the request ones are allowed.
      if (regular) return 'pseudo-header after a regular field';
      switch (name) {
        case ':method': if (method !== undefined) return 'duplicate :method'; method = value; break;
        case ':scheme': if (scheme !== undefined) return 'duplicate :scheme'; scheme = value; break;
        case ':authority': if (authority !== undefined) return 'duplicate :authority'; authority = value; break;
        case ':path': if (path !== undefined) return 'duplicate :path'; path = value; break;
        default: return `pseudo-header ${name} not allowed in a request`;
      }
      if (!known) {
        const p = fieldValueProblem(value);
        if (p !== null) return p;
      }
      continue;
    }
    regular = true;
    if (!known) {
      const p = regularFieldProblem(name, value);
      if (p !== null) return p;
    }
    if (name === 'content-length') {
      const p = contentLengthProblem(head, value);
      if (p !== null) return p;
    } else if (name === 'host') {
      host = value;
    } else if (name === 'priority') {
      head.priority = head.priority === '' ? value : `${head.priority}, ${value}`;
    }
  }
  if (method === undefined) return 'missing :method';
  if (method === 'CONNECT') {
    // RFC 9113 §8.5: "The :scheme and :path pseudo-header fields MUST be omitted" and ":authority ... MUST" be present.
    if (scheme !== undefined || path !== undefined) return 'CONNECT with :scheme or :path';
    if (authority === undefined) return 'CONNECT without :authority';
    head.method = method;
    head.scheme = '';
    head.path = '';
    head.authority = authority;
    return null;
  }
  // RFC 9113 §8.3.1: "All HTTP/2 requests MUST include exactly one valid value for the :method,
  // :scheme, and :path pseudo-header fields, unless they are CONNECT requests".
  if (scheme === undefined) return 'missing :scheme';
  if (path === undefined) return 'missing :path';
  // ":path ... MUST NOT be empty for "http" or "https" URIs"; it is an origin-form or '*' for OPTIONS.
  if (path.length === 0) return 'empty :path';
  if (path.charCodeAt(0) !== 0x2f && !(path === '*' && method === 'OPTIONS') && (scheme === 'http' || scheme === 'https')) {
    return ':path is not an origin-form';
  }
  if (method.length === 0) return 'empty :method';
  head.method = method;
  head.scheme = scheme;
  head.path = path;
  head.authority = authority ?? host ?? '';
  return null;
}

/** NONE_SEEN: no request seen yet. */
const NONE_SEEN: readonly string[] = [];

/** pairsOf turns a flat list (name, value, ...) into [name, value] pairs, keeping its never-indexed
 *  names; skipPseudo leaves the pseudo-header fields out. */
export function pairsOf(fields: FlatHeaderList, skipPseudo = false): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i < fields.length; i += 2) {
    if (!skipPseudo || fields[i].charCodeAt(0) !== 0x3a) out.push([fields[i], fields[i + 1]]);
  }
  const sensitive = fields[sensitiveHeaders];
  if (sensitive !== undefined) Object.defineProperty(out, sensitiveHeaders, { value: sensitive, enumerable: false, writable: true, configurable: true });
  return out;
}

/** checkTrailers validates a trailer section: RFC 9113 §8.1 "Trailers MUST NOT include pseudo-header fields". */
export function checkTrailers(fields: FlatHeaderList): string | null {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i];
    if (name.charCodeAt(0) === 0x3a) return 'pseudo-header in trailers';
    const p = regularFieldProblem(name, fields[i + 1]);
    if (p !== null) return p;
  }
  return null;
}

/** ResponseHead is what the client keeps of a valid response head. */
export interface ResponseHead {
  /** :status, 100..599. */
  status: number;
  /** content-length, or -1 when absent. */
  contentLength: number;
}

/** checkResponse validates a response head's field list (a 1xx or the final one) and fills head;
 *  `seen` is the connection's last valid response head, as for checkRequest. */
export function checkResponse(fields: FlatHeaderList, head: ResponseHead, seen: readonly string[] = NONE_SEEN): string | null {
  let status = -1;
  let regular = false;
  head.contentLength = -1;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i];
    const value = fields[i + 1];
    if (name.charCodeAt(0) === 0x3a) {
      // RFC 9113 §8.3.2: ":status ... MUST be included in all responses"; §8.3: pseudo-headers first,
      // once each, and "Pseudo-header fields defined for requests MUST NOT appear in responses".
      if (regular) return 'pseudo-header after a regular field';
      if (name !== ':status') return `pseudo-header ${name} not allowed in a response`;
      if (status !== -1) return 'duplicate :status';
      if (value.length !== 3) return ':status is not three digits';
      status = parseContentLength(value);
      if (status < 100 || status > 599) return ':status out of range';
      continue;
    }
    regular = true;
    if (i + 1 >= seen.length || seen[i] !== name || seen[i + 1] !== value) {
      const p = regularFieldProblem(name, value);
      if (p !== null) return p;
    }
    if (name === 'content-length') {
      const p = contentLengthProblem(head, value);
      if (p !== null) return p;
    }
  }
  if (status === -1) return 'missing :status';
  head.status = status;
  return null;
}
