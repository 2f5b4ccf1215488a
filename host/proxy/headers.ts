// Header mapping for a reverse proxy that speaks HTTP/2 to its origin: the
// connection-specific fields of the incoming hop are dropped (RFC 9110
// §7.6.1; RFC 9113 §8.2.2 forbids them in HTTP/2 altogether), the client's
// host and scheme travel as x-forwarded-*, and :authority names the origin.

import { connectionOptions, HOP_BY_HOP } from './forwarded.js';

/** withoutHopByHop copies headers, leaving out the hop-by-hop fields (HOP_BY_HOP, shared with the Node
 *  proxy), any field the connection header names, and host (:authority names the origin). */
export function withoutHopByHop(headers: Headers): Headers {
  const named = connectionOptions(headers.get('connection'));
  const out = new Headers();
  headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && !named.has(name) && name !== 'host') out.append(name, value);
  });
  return out;
}

/** forwardedRequestHeaders are the fields sent to the origin for a request that reached us at url. */
export function forwardedRequestHeaders(incoming: Headers, url: URL): Headers {
  const out = withoutHopByHop(incoming);
  // RFC 9113 §8.2.2: "the only exception to this is the TE header field, which MAY be present in an
  // HTTP/2 request; when it is, it MUST NOT contain any value other than 'trailers'".
  if (/(^|,)\s*trailers\s*(,|;|$)/i.test(incoming.get('te') ?? '')) out.set('te', 'trailers');
  if (!out.has('x-forwarded-host')) out.set('x-forwarded-host', incoming.get('host') ?? url.host);
  if (!out.has('x-forwarded-proto')) out.set('x-forwarded-proto', url.protocol.replace(':', ''));
  const client = incoming.get('cf-connecting-ip');
  if (client !== null) {
    const prior = incoming.get('x-forwarded-for');
    out.set('x-forwarded-for', prior === null ? client : `${prior}, ${client}`);
  }
  return out;
}

/** forwardedResponseHeaders are the origin's response fields passed back to the client. */
export function forwardedResponseHeaders(origin: Headers): Headers {
  return withoutHopByHop(origin);
}
