// The TLS front with two certificates chosen by SNI (a.test and *.b.test,
// from a --config file), and RFC 9113 §9.1.1 connection coalescing: a request
// whose :authority the connection's certificate does not cover is 421.

import type * as http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../host/node/self-signed.js';
import { connect, parseCurlInclude, request, runOk } from '../helpers/peers.js';
import { startHttpBackend } from '../helpers/proxy-backends.js';
import { startProxyProcess, tempFiles, type ProxyProcess } from '../helpers/proxy-process.js';
import { killAllServers } from '../helpers/server-process.js';

afterAll(killAllServers);

async function setup(): Promise<ProxyProcess> {
  const backend = await startHttpBackend('app');
  const a = selfSignedCertificate(['a.test']);
  const b = selfSignedCertificate(['*.b.test']);
  const f = tempFiles({ 'a.pem': a.cert, 'a.key': a.key, 'b.pem': b.cert, 'b.key': b.key });
  const toml = tempFiles({
    'proxy.toml': [
      'tls_port = 0',
      `routes = ["/=${backend.url}"]`,
      '[[certificates]]', `cert = "${f['a.pem']}"`, `key = "${f['a.key']}"`,
      '[[certificates]]', `cert = "${f['b.pem']}"`, `key = "${f['b.key']}"`,
      '',
    ].join('\n'),
  });
  return startProxyProcess(['--config', toml['proxy.toml']]);
}

function certificateNames(session: http2.ClientHttp2Session): string {
  return (session.socket as TLSSocket).getPeerCertificate().subjectaltname ?? '';
}

describe('h2wasm proxy: SNI with two certificates, 421 for an authority the certificate does not cover', () => {
  it('Node\'s http2 client: each server name gets its certificate; covered authorities are served, others 421', async () => {
    const p = await setup();
    const sa = await connect(p.tls!, { servername: 'a.test' });
    expect(certificateNames(sa)).toBe('DNS:a.test');
    const onA = async (authority: string) => (await request(sa, '/x', { headers: { ':authority': authority } })).status;
    expect(await onA('a.test')).toBe(200);
    expect(await onA('A.TEST:443')).toBe(200);
    expect(await onA('x.b.test')).toBe(421);

    const sb = await connect(p.tls!, { servername: 'x.b.test' });
    expect(certificateNames(sb)).toBe('DNS:*.b.test');
    const onB = async (authority: string) => (await request(sb, '/x', { headers: { ':authority': authority } })).status;
    expect(await onB('x.b.test')).toBe(200);
    expect(await onB('other.b.test')).toBe(200); // coalesced: the wildcard covers it
    expect(await onB('deep.x.b.test')).toBe(421); // RFC 6125: the wildcard is one label
    expect(await onB('b.test')).toBe(421);
    expect(await onB('a.test')).toBe(421);
    const r = await request(sb, '/x', { headers: { ':authority': 'a.test' } });
    expect(r.body.toString()).toMatch(/misdirected/);
  });

  it('curl --resolve: SNI a.test with Host a.test is 200, with Host x.b.test 421, over h2 and HTTP/1.1', async () => {
    const p = await setup();
    const port = p.tlsPort!;
    const curl = async (flags: string[], host?: string) => parseCurlInclude(await runOk('curl', [
      '-sS', '-i', '-k', '-m', '10', '--resolve', `a.test:${port}:127.0.0.1`, ...flags, ...(host ? ['-H', `Host: ${host}`] : []), `https://a.test:${port}/x`,
    ])).statusLine;
    for (const flags of [['--http2'], ['--http1.1']]) {
      expect(await curl(flags)).toMatch(/ 200/);
      expect(await curl(flags, 'x.b.test')).toMatch(/ 421/);
    }
  });
});
