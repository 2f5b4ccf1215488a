// selfSignedCertificate: a hand-written DER certificate that Node's X.509 parser, OpenSSL's
// verifier and a TLS handshake accept.
import { once } from 'node:events';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipBytes, selfSignedCertificate } from '../../host/node/self-signed.js';
import { integer, oid, time, tlv } from '../../host/node/der.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('DER writer', () => {
  it('encodes lengths in short and long form (X.690 §8.1.3)', () => {
    expect(hex(tlv(0x04, new Uint8Array(3)))).toBe('0403000000');
    expect(hex(tlv(0x04, new Uint8Array(200))).slice(0, 6)).toBe('0481c8');
    expect(hex(tlv(0x04, new Uint8Array(300))).slice(0, 8)).toBe('0482012c');
  });
  it('encodes integers minimally and positive', () => {
    expect(hex(integer(0))).toBe('020100');
    expect(hex(integer(2))).toBe('020102');
    expect(hex(integer(128))).toBe('02020080');
    expect(hex(integer(Uint8Array.of(0, 0, 5)))).toBe('020105');
  });
  it('encodes OIDs (X.690 §8.19)', () => {
    expect(hex(oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(oid('2.5.29.17'))).toBe('0603551d11');
  });
  it('uses UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    expect(Buffer.from(time(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toString('latin1').slice(2)).toBe('240102030405Z');
    expect(Buffer.from(time(new Date(Date.UTC(2050, 0, 2, 3, 4, 5)))).toString('latin1').slice(2)).toBe('20500102030405Z');
  });
  it('turns IP addresses into network-order octets', () => {
    expect(hex(ipBytes('127.0.0.1'))).toBe('7f000001');
    expect(hex(ipBytes('::1'))).toBe('00000000000000000000000000000001');
    expect(hex(ipBytes('2001:db8::8:800:200c:417a'))).toBe('20010db80000000000080800200c417a');
    expect(hex(ipBytes('::ffff:192.0.2.1'))).toBe('00000000000000000000ffffc0000201');
    expect(hex(ipBytes('fe80:0:0:0:0:0:0:1'))).toBe('fe800000000000000000000000000001');
  });
});

describe('selfSignedCertificate', () => {
  const { cert, key } = selfSignedCertificate();
  const x509 = new X509Certificate(cert);

  it('parses, names its hosts, and verifies with its own key', () => {
    expect(x509.subject).toBe('CN=h2wasm self-signed');
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkHost('example.com')).toBeUndefined();
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkIP('::1')).toBe('::1');
    expect(x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x509.ca).toBe(false);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('is valid from a day ago for 30 days', () => {
    const from = Date.parse(x509.validFrom);
    const to = Date.parse(x509.validTo);
    const day = 24 * 60 * 60 * 1000;
    expect(from).toBeLessThan(Date.now());
    expect(to - from).toBeGreaterThanOrEqual(31 * day - 1000);
    expect(to - from).toBeLessThanOrEqual(31 * day + 1000);
  });

  it('is fresh every time, with a positive random serial', () => {
    const other = new X509Certificate(selfSignedCertificate().cert);
    expect(other.serialNumber).not.toBe(x509.serialNumber);
    expect(other.fingerprint256).not.toBe(x509.fingerprint256);
    expect(parseInt(x509.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);
  });

  it('takes other names', () => {
    const custom = new X509Certificate(selfSignedCertificate(['example.test', '*.example.test', '10.1.2.3']).cert);
    expect(custom.checkHost('a.example.test')).toBe('*.example.test'); // checkHost returns the name that matched
    expect(custom.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(custom.checkHost('localhost')).toBeUndefined();
  });

  it('serves a TLS handshake that a client trusting it verifies for localhost', async () => {
    const server = tls.createServer({ cert, key }, (socket) => socket.end('hi'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert });
      await once(socket, 'secureConnect');
      expect(socket.authorized).toBe(true);
      const chunks: Buffer[] = [];
      for await (const c of socket) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('hi');
    } finally {
      server.close();
    }
  });
});
