// curl against the demo app: h2c with prior knowledge, h2 over TLS (ALPN) with
// the self-signed certificate, and HTTP/1.1 on both ports, on both codecs.
import { describe, expect, it } from 'vitest';
import { demoApp } from '../../../host/node/demo-app.js';
import { CODECS } from '../../helpers/codecs.js';
import { parseCurlInclude, runOk, sha256, startServer, type PeerServer } from '../../helpers/peers.js';

const CURL = ['-sS', '--max-time', '20'];
const H2C = [...CURL, '--http2-prior-knowledge'];

async function servers(codec: 'wasm' | 'js'): Promise<{ plain: PeerServer; secure: PeerServer }> {
  const plain = await startServer({ stream: demoApp(), codec });
  const secure = await startServer({ stream: demoApp(), codec, tls: 'self-signed' });
  return { plain, secure };
}

describe.each(CODECS)('curl, %s codec', (codec) => {
  it('h2c prior knowledge: GET /, POST /echo, /trailers with the trailer after the body', async () => {
    const { plain } = await servers(codec);
    const root = parseCurlInclude(await runOk('curl', [...H2C, '-i', `${plain.origin}/`]));
    expect(root.statusLine).toBe('HTTP/2 200');
    expect(root.headers['content-type']).toMatch(/^text\/plain/);
    expect(root.rest).toBe('hello world\n');

    const payload = 'curl says hello\nline two\n';
    const echo = parseCurlInclude(await runOk('curl', [...H2C, '-i', '-H', 'x-custom: peer-value', '--data-binary', payload, `${plain.origin}/echo`]));
    expect(echo.statusLine).toBe('HTTP/2 200');
    expect(echo.headers['x-echo-x-custom']).toBe('peer-value');
    expect(echo.rest).toBe(payload);

    // With -i, curl writes HTTP/2 trailers after the body, as header lines.
    const out = await runOk('curl', [...H2C, '-i', `${plain.origin}/trailers`]);
    const t = parseCurlInclude(out);
    expect(t.statusLine).toBe('HTTP/2 200');
    const m = t.rest.match(/^([\s\S]*?)x-checksum: ([0-9a-f]{64})\r?\n$/);
    expect(m, `trailer line after the body in ${JSON.stringify(t.rest)}`).not.toBeNull();
    expect(m![2]).toBe(sha256(Buffer.from(m![1], 'latin1')));
    expect(m![1].length).toBeGreaterThan(0);
    expect(plain.logs.errors()).toEqual([]);
  });

  it('h2 over TLS with the self-signed certificate (-k): HTTP/2 negotiated by ALPN', async () => {
    const { secure } = await servers(codec);
    const out = await runOk('curl', [...CURL, '--http2', '-k', '-w', '\n%{http_version}', `${secure.origin}/`]);
    expect(out).toBe('hello world\n\n2');
    const bytes = await runOk('curl', [...CURL, '--http2', '-k', '-o', '/dev/null', '-w', '%{http_version} %{response_code} %{size_download}', `${secure.origin}/bytes?n=300000`]);
    expect(bytes).toBe('2 200 300000');
    expect(secure.logs.errors()).toEqual([]);
  });

  it.each(['plain', 'secure'] as const)('HTTP/1.1 on the %s port: the same app behind the hand-off', async (which) => {
    const s = (await servers(codec))[which];
    const k = which === 'secure' ? ['-k'] : [];
    const root = parseCurlInclude(await runOk('curl', [...CURL, ...k, '--http1.1', '-i', `${s.origin}/`]));
    expect(root.statusLine).toMatch(/^HTTP\/1\.1 200/);
    expect(root.rest).toBe('hello world\n');

    const payload = 'x'.repeat(70_000);
    const echo = parseCurlInclude(await runOk('curl', [...CURL, ...k, '--http1.1', '-i', '-H', 'x-custom: one', '--data-binary', payload, `${s.origin}/echo`]));
    expect(echo.statusLine).toMatch(/^HTTP\/1\.1 200/);
    expect(echo.headers['x-echo-x-custom']).toBe('one');
    expect(echo.rest).toBe(payload);

    const bytes = await runOk('curl', [...CURL, ...k, '--http1.1', '-o', '/dev/null', '-w', '%{http_version} %{response_code} %{size_download}', `${s.origin}/bytes?n=100000`]);
    expect(bytes).toBe('1.1 200 100000');
    expect(s.connections).toBe(0); // nothing went to the HTTP/2 engine
  });
});
