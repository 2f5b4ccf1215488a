// A throwaway TLS certificate for development and tests: a fresh ECDSA P-256
// key and an X.509 v3 certificate signed by it, DER written by hand (der.ts),
// so `h2wasm` can serve HTTPS/h2 without openssl or a dependency.

import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, boolean, explicit, implicit, integer, octetString, oid, sequence, set, time, utf8String } from './der.js';

/** SelfSignedCertificate is a PEM certificate and its PEM (PKCS #8) private key, as tls.createServer takes them. */
export interface SelfSignedCertificate {
  cert: string;
  key: string;
}

const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_COMMON_NAME = '2.5.4.3';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

const COMMON_NAME = 'h2wasm self-signed';
const DAY_MS = 24 * 60 * 60 * 1000;
/** VALID_DAYS is how long the certificate lasts; it starts a day back to forgive clock skew. */
const VALID_DAYS = 30;

/** selfSignedCertificate makes a fresh key and a certificate for the given host names and IP
 *  addresses (all in subjectAltName), valid from a day ago for 30 days, CN "h2wasm self-signed".
 *  Clients must be told to trust it (curl -k, rejectUnauthorized: false). */
export function selfSignedCertificate(hostnames: readonly string[] = ['localhost', '127.0.0.1', '::1']): SelfSignedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  const name = sequence(set(sequence(oid(OID_COMMON_NAME), utf8String(COMMON_NAME))));
  const signatureAlgorithm = sequence(oid(OID_ECDSA_WITH_SHA256)); // RFC 5758 §3.2: parameters absent

  // RFC 5280 §4.1.2.2: "The serial number MUST be a positive integer ... not longer than 20 octets."
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40;

  const tbs = sequence(
    explicit(0, integer(2)), // version v3
    integer(serial),
    signatureAlgorithm,
    name, // issuer: self-signed, so the same as the subject
    sequence(time(new Date(now - DAY_MS)), time(new Date(now + VALID_DAYS * DAY_MS))),
    name,
    new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    explicit(3, sequence(
      extension(OID_SUBJECT_ALT_NAME, false, subjectAltNames(hostnames)),
      extension(OID_BASIC_CONSTRAINTS, true, sequence()), // cA FALSE (the DEFAULT, so omitted)
      extension(OID_KEY_USAGE, true, bitString(Uint8Array.of(0x80), 7)), // digitalSignature only
      extension(OID_EXT_KEY_USAGE, false, sequence(oid(OID_SERVER_AUTH))),
    )),
  );
  const signature = sign('sha256', tbs, privateKey); // DER ECDSA-Sig-Value, as RFC 5758 §3.2 wants
  const certificate = sequence(tbs, signatureAlgorithm, bitString(new Uint8Array(signature)));
  return {
    cert: pem('CERTIFICATE', certificate),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** extension is Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  // DER leaves out a value equal to its DEFAULT (X.690 §11.5), so FALSE is not written.
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** subjectAltNames lists each name as dNSName [2] or, for an IP address, iPAddress [7] (RFC 5280 §4.2.1.6). */
function subjectAltNames(hostnames: readonly string[]): Uint8Array {
  return sequence(
    ...hostnames.map((h) => (isIP(h) === 0 ? implicit(2, new TextEncoder().encode(h)) : implicit(7, ipBytes(h)))),
  );
}

/** ipBytes is an address in network order: 4 octets for IPv4, 16 for IPv6 ("::" and a dotted IPv4 tail allowed). */
export function ipBytes(address: string): Uint8Array {
  if (isIP(address) === 4) return Uint8Array.from(address.split('.').map(Number));
  // A dotted tail ("::ffff:192.0.2.1") is two groups written another way.
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
    `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const gap = text.indexOf('::');
  const left = groups(gap < 0 ? text : text.slice(0, gap));
  const right = gap < 0 ? [] : groups(text.slice(gap + 2));
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function pem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}${base64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}
