// `h2wasm proxy` in front of real HTTP/2 servers: nghttpd over h2c and h2o over
// TLS (ALPN picks h2), reached by curl (h2c, TLS, HTTP/1.1), nghttp and h2load.

import { afterAll, describe, expect, it } from 'vitest';
import { deterministicBytes, docRoot, startH2o, startNghttpd } from '../helpers/external-servers.js';
import { parseCurlInclude, runOk, sha256 } from '../helpers/peers.js';
import { startProxyProcess, tempFiles } from '../helpers/proxy-process.js';
import { killAllServers } from '../helpers/server-process.js';

afterAll(killAllServers);

const BIG = deterministicBytes(1 << 20, 3);

function files() {
  return docRoot({ 'index.html': 'hello from the backend\n', 'big.bin': BIG });
}

describe('h2wasm proxy in front of nghttpd (h2c)', () => {
  it('curl over h2c, TLS and HTTP/1.1 gets the backend\'s file; via names both HTTP/2 hops', async () => {
    const backend = await startNghttpd(files(), { args: ['--echo-upload'] });
    const p = await startProxyProcess(['--route', `/=h2c://127.0.0.1:${backend.port}`, '--tls-port', '0', '--tls-self-signed']);
    const ways: Array<[string[], string, string, string]> = [
      [['--http2-prior-knowledge'], p.h2c, 'HTTP/2 200', '2 h2wasm'],
      [['-k', '--http2'], p.tls!, 'HTTP/2 200', '2 h2wasm'],
      [['--http1.1'], p.h2c, 'HTTP/1.1 200', '2 h2wasm'],
    ];
    for (const [flags, origin, status, via] of ways) {
      const r = parseCurlInclude(await runOk('curl', ['-sS', '-i', '-m', '10', ...flags, `${origin}/index.html`]));
      expect(r.statusLine.startsWith(status)).toBe(true);
      expect(r.headers.server).toMatch(/^nghttpd/);
      expect(r.headers.via).toBe(via);
      expect(r.rest).toBe('hello from the backend\n');
    }
    // A 4 MiB upload echoed by nghttpd, through HTTP/1.1 in front and HTTP/2 behind.
    const up = Buffer.from(deterministicBytes(4 << 20, 9));
    const { body } = tempFiles({ body: up });
    const echoed = await runOk('curl', ['-sS', '-m', '30', '--http1.1', '--data-binary', `@${body}`, '-H', 'content-type: application/octet-stream', `${p.h2c}/upload`]);
    expect(sha256(Buffer.from(echoed, 'latin1'))).toBe(sha256(up));
  });

  it('nghttp fetches a 1 MiB file and three others on one connection; the bytes are the backend\'s', async () => {
    const backend = await startNghttpd(files());
    const p = await startProxyProcess(['--route', `/=h2c://127.0.0.1:${backend.port}`]);
    const out = await runOk('nghttp', [`${p.h2c}/big.bin`]);
    expect(sha256(Buffer.from(out, 'latin1'))).toBe(sha256(BIG));
    const stat = await runOk('nghttp', ['-n', '-s', `${p.h2c}/index.html`, `${p.h2c}/big.bin`, `${p.h2c}/index.html?2`, `${p.h2c}/big.bin?2`]);
    // nghttp -s lists each response with its status (and 404 for none of them).
    expect(stat.match(/ 200 /g) ?? []).toHaveLength(4);
  });

  it('h2load: 2000 requests on 4 connections, 10 streams each, all succeed with 2xx', async () => {
    const backend = await startNghttpd(files());
    const p = await startProxyProcess(['--route', `/=h2c://127.0.0.1:${backend.port}`]);
    const out = await runOk('h2load', ['-n', '2000', '-c', '4', '-m', '10', `${p.h2c}/index.html`], 60_000);
    expect(out).toMatch(/requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout/);
    expect(out).toMatch(/status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx/);
  }, 90_000);
});

describe('h2wasm proxy in front of h2o (TLS)', () => {
  it('an https:// backend: ALPN picks h2; its certificate trusted by backend_tls (reject_unauthorized=false, or ca) in a --config file', async () => {
    const backend = await startH2o(files());
    const insecure = tempFiles({ 'proxy.json': JSON.stringify({ routes: [`/=https://127.0.0.1:${backend.port}`], backend_tls: { reject_unauthorized: false } }) });
    const withCa = tempFiles({ 'ca.pem': backend.ca! });
    // TOML: the backend's own certificate as the trust anchor.
    const toml = [`routes = ["/=https://127.0.0.1:${backend.port}"]`, '[backend_tls]', `ca = "${withCa['ca.pem']}"`, ''].join('\n');
    const conf = tempFiles({ 'proxy.toml': toml });
    for (const config of [insecure['proxy.json'], conf['proxy.toml']]) {
      const p = await startProxyProcess(['--config', config]);
      for (const flags of [['--http2-prior-knowledge'], ['--http1.1']]) {
        const r = parseCurlInclude(await runOk('curl', ['-sS', '-i', '-m', '10', ...flags, `${p.h2c}/index.html`]));
        expect(r.statusLine).toMatch(/^HTTP\/(2|1\.1) 200/);
        expect(r.headers.server).toMatch(/^h2o/);
        expect(r.headers.via).toBe('2 h2wasm'); // the backend spoke HTTP/2
        expect(r.rest).toBe('hello from the backend\n');
      }
      const big = await runOk('curl', ['-sS', '-m', '10', '--http2-prior-knowledge', `${p.h2c}/big.bin`]);
      expect(sha256(Buffer.from(big, 'latin1'))).toBe(sha256(BIG));
    }
  });

  it('an https:// backend whose certificate is not trusted is 502 (verification is on by default)', async () => {
    const backend = await startH2o(files());
    const p = await startProxyProcess(['--route', `/=https://127.0.0.1:${backend.port}`]);
    const r = parseCurlInclude(await runOk('curl', ['-sS', '-i', '-m', '10', '--http2-prior-knowledge', `${p.h2c}/index.html`]));
    expect(r.statusLine).toMatch(/^HTTP\/2 502/);
  });
});
