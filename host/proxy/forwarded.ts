// What a proxy changes in the fields it forwards (RFC 9110 §7.6): hop-by-hop
// fields are removed both ways, and the request gains forwarded (RFC 7239),
// x-forwarded-for, x-forwarded-proto and via. Runtime-neutral.

import type { HeaderList } from '../core/hpack.js';
import { CONNECTION_SPECIFIC_FIELDS, isPseudoHeader } from '../engine/fields.js';

/** HOP_BY_HOP are the fields that describe one connection and are never forwarded as they are (RFC 9110
 *  §7.6.1; RFC 9113 §8.2.2 forbids the connection-specific ones in HTTP/2 altogether; HTTP2-Settings
 *  belongs to the h2c upgrade, RFC 7540 §3.2.1). te: trailers is put back for HTTP/2 hops. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  ...CONNECTION_SPECIFIC_FIELDS, 'te', 'trailer', 'proxy-authenticate', 'proxy-authorization', 'http2-settings',
]);

/** connectionOptions returns the field names a connection field value lists (RFC 9110 §7.6.1). */
export function connectionOptions(value: string | null): Set<string> {
  const names = new Set<string>();
  for (const option of (value ?? '').split(',')) {
    const t = option.trim().toLowerCase();
    if (t !== '') names.add(t);
  }
  return names;
}

/** hopByHop returns the names a message's connection field lists (RFC 9110 §7.6.1: "Intermediaries MUST
 *  parse a received Connection header field ... and remove any header or trailer field(s) from the
 *  message with the same name as a connection-option"), with the fixed set. */
function hopByHop(fields: ReadonlyArray<readonly [string, string]>): ReadonlySet<string> {
  let names: Set<string> | null = null;
  for (const [name, value] of fields) {
    if (name !== 'connection') continue;
    names ??= new Set(HOP_BY_HOP);
    for (const option of connectionOptions(value)) names.add(option);
  }
  return names ?? HOP_BY_HOP;
}

/** ForwardingContext is what the request's forwarded fields say about the hop it took. */
export interface ForwardingContext {
  /** The client's address, without port ("192.0.2.1", "2001:db8::1"). */
  clientAddress: string;
  /** The scheme the client used ("http" or "https"). */
  proto: 'http' | 'https';
  /** The authority the client asked for. */
  host: string;
  /** The protocol version the client spoke ("2" or "1.1"), for via. */
  version: string;
  /** Keep `te: trailers` (an HTTP/2 backend, where gRPC needs it). */
  keepTeTrailers: boolean;
}

/** VIA_NAME names this proxy in via (RFC 9110 §7.6.3: a pseudonym is fine). */
export const VIA_NAME = 'h2wasm';

/** forwardRequestFields returns the request's regular fields for the backend: hop-by-hop fields
 *  removed (te: trailers kept for an HTTP/2 backend), forwarded, x-forwarded-for, x-forwarded-proto
 *  and via appended to what earlier proxies set. */
export function forwardRequestFields(fields: HeaderList, ctx: ForwardingContext): HeaderList {
  const drop = hopByHop(fields);
  const out: HeaderList = [];
  let xff: string | null = null;
  let via: string | null = null;
  let forwarded: string | null = null;
  for (const f of fields) {
    const name = f[0];
    if (isPseudoHeader(name) || name === 'host') continue;
    if (drop.has(name)) {
      if (name === 'te' && ctx.keepTeTrailers && f[1].trim().toLowerCase() === 'trailers') out.push(['te', 'trailers']);
      continue;
    }
    if (name === 'x-forwarded-for') xff = xff === null ? f[1] : `${xff}, ${f[1]}`;
    else if (name === 'via') via = via === null ? f[1] : `${via}, ${f[1]}`;
    else if (name === 'forwarded') forwarded = forwarded === null ? f[1] : `${forwarded}, ${f[1]}`;
    else if (name !== 'x-forwarded-proto') out.push([name, f[1]]);
  }
  const node = ctx.clientAddress.includes(':') ? `"[${ctx.clientAddress}]"` : ctx.clientAddress;
  // RFC 7239 §4: for, proto and host of this hop, appended as a new element.
  const element = `for=${node};proto=${ctx.proto};host=${quoteIfNeeded(ctx.host)}`;
  out.push(['forwarded', forwarded === null ? element : `${forwarded}, ${element}`]);
  out.push(['x-forwarded-for', xff === null ? ctx.clientAddress : `${xff}, ${ctx.clientAddress}`]);
  out.push(['x-forwarded-proto', ctx.proto]);
  out.push(['via', `${via === null ? '' : `${via}, `}${ctx.version} ${VIA_NAME}`]);
  return out;
}

/** forwardResponseFields returns a backend response's regular fields for the client: hop-by-hop
 *  fields removed, via appended. version is the backend's protocol ("2" or "1.1"). */
export function forwardResponseFields(fields: ReadonlyArray<readonly [string, string]>, version: string): HeaderList {
  const drop = hopByHop(fields);
  const out: HeaderList = [];
  let via: string | null = null;
  for (const [name, value] of fields) {
    if (isPseudoHeader(name) || drop.has(name)) continue;
    if (name === 'via') via = via === null ? value : `${via}, ${value}`;
    else out.push([name, value]);
  }
  out.push(['via', `${via === null ? '' : `${via}, `}${version} ${VIA_NAME}`]);
  return out;
}

/** forwardTrailerFields removes hop-by-hop fields from trailers. */
export function forwardTrailerFields(fields: ReadonlyArray<readonly [string, string]>): HeaderList {
  const drop = hopByHop(fields);
  return fields.filter(([name]) => !isPseudoHeader(name) && !drop.has(name)).map(([n, v]) => [n, v] as [string, string]);
}

/** quoteIfNeeded quotes a forwarded value that is not a token (RFC 7239 §4, RFC 9110 §5.6.2). */
function quoteIfNeeded(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** clientAddressOf takes a transport's "address:port" remote ("[::1]:1234", "127.0.0.1:1234") to its address. */
export function clientAddressOf(remote: string): string {
  if (remote.startsWith('[')) return remote.slice(1, remote.indexOf(']'));
  const colon = remote.lastIndexOf(':');
  return colon < 0 ? remote : remote.slice(0, colon);
}
