// Which names a certificate covers (its subjectAltName dNSNames, RFC 6125
// wildcards), for choosing a certificate by SNI and for connection coalescing
// (RFC 9113 §9.1.1: a request whose :authority the connection's certificate
// does not cover is answered 421 Misdirected Request).

import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import type { TlsOptions } from './serve.js';

/** certificateNames returns the DNS names (lowercase) and IP addresses a PEM certificate's subjectAltName lists. */
export function certificateNames(cert: string | Buffer): string[] {
  const san = new X509Certificate(cert).subjectAltName ?? '';
  const names: string[] = [];
  for (const entry of san.split(',')) {
    const e = entry.trim();
    if (e.startsWith('DNS:')) names.push(e.slice(4).toLowerCase());
    else if (e.startsWith('IP Address:')) names.push(e.slice(11).toLowerCase());
  }
  return names;
}

/** covers reports whether one of names covers host. RFC 6125 §6.4.3: a wildcard is the whole
 *  left-most label and matches exactly one label ("*.example.com" covers "a.example.com", not
 *  "example.com" nor "a.b.example.com"). */
export function covers(names: readonly string[], host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  for (const n of names) {
    if (n === h) return true;
    if (n.startsWith('*.')) {
      const dot = h.indexOf('.');
      if (dot > 0 && h.slice(dot + 1) === n.slice(2)) return true;
    }
  }
  return false;
}

/** CertificateSet picks a certificate by SNI: the first whose names cover the server name, else the first. */
export class CertificateSet {
  private readonly entries: Array<{ names: string[]; context: tls.SecureContext }>;

  constructor(certificates: readonly TlsOptions[]) {
    if (certificates.length === 0) throw new RangeError('h2wasm: at least one certificate is needed');
    this.entries = certificates.map((c) => ({ names: certificateNames(c.cert), context: tls.createSecureContext({ cert: c.cert, key: c.key }) }));
  }

  private entryFor(servername: string | null): { names: string[]; context: tls.SecureContext } {
    if (servername !== null) for (const e of this.entries) if (covers(e.names, servername)) return e;
    return this.entries[0];
  }

  /** contextFor returns the secure context for a TLS handshake's server name (SNICallback). */
  contextFor(servername: string | null): tls.SecureContext {
    return this.entryFor(servername).context;
  }

  /** namesFor returns the names of the certificate served to a connection that asked for servername. */
  namesFor(servername: string | null): string[] {
    return this.entryFor(servername).names;
  }
}
