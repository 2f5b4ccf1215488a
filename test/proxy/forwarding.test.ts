// `h2wasm proxy` in its own process in front of node:http (HTTP/1.1 keep-alive)
// and node:http2 (h2c) backends, driven by curl and Node's http2 client:
// the three fronts, forwarded fields and hop-by-hop removal, routing (longest
// prefix, host), trailers both ways, 50 MB each way, and failures (404, 502,
// 504, passive health).

import { afterAll, describe, expect, it } from 'vitest';
import { connect, hashStream, parseCurlInclude, pseudoRandom, request, runOk } from '../helpers/peers.js';
import { deadBackend, startH2Backend, startHttpBackend, type Seen } from '../helpers/proxy-backends.js';
import { metricValue, startProxyProcess } from '../helpers/proxy-process.js';
import { killAllServers } from '../helpers/server-process.js';

afterAll(killAllServers);

const route = (spec: string) => ['--route', spec];

describe('h2wasm proxy: fronts and forwarded fields', () => {
  it('curl over h2c, HTTP/1.1 and TLS (h2 and http/1.1) reaches a node:http backend over keep-alive HTTP/1.1', async () => {
    const a = await startHttpBackend('a');
    const p = await startProxyProcess([...route(`/=${a.url}`), '--tls-port', '0', '--tls-self-signed']);
    const ways: Array<[string[], string, string]> = [
      [['--http2-prior-knowledge'], p.h2c, 'HTTP/2 200'],
      [['--http1.1'], p.h2c, 'HTTP/1.1 200'],
      [['-k', '--http2'], p.tls!, 'HTTP/2 200'],
      [['-k', '--http1.1'], p.tls!, 'HTTP/1.1 200'],
    ];
    for (const [flags, origin, statusLine] of ways) {
      const r = parseCurlInclude(await runOk('curl', ['-sS', '-i', '-m', '10', ...flags, `${origin}/path?q=1`]));
      expect(r.statusLine.startsWith(statusLine)).toBe(true);
      expect(r.headers['x-backend']).toBe('a');
      const seen = JSON.parse(r.rest) as Seen;
      expect(seen).toMatchObject({ method: 'GET', url: '/path?q=1', httpVersion: '1.1' });
      expect(seen.headers['x-forwarded-proto']).toBe(origin.startsWith('https') ? 'https' : 'http');
    }
    expect(a.seen).toHaveLength(4);
  });

  it('removes hop-by-hop fields both ways and adds forwarded, x-forwarded-for, x-forwarded-proto and via (seen at the backend)', async () => {
    const a = await startHttpBackend('a');
    const p = await startProxyProcess(route(`/=${a.url}`));
    const port = p.port;
    // HTTP/1.1 client: connection names x-private as hop-by-hop; earlier proxies already set x-forwarded-for, via and forwarded.
    const h1 = parseCurlInclude(await runOk('curl', ['-sS', '-i', '-m', '10', '--http1.1',
      '-H', 'Connection: keep-alive, x-private', '-H', 'x-private: secret', '-H', 'keep-alive: timeout=5',
      '-H', 'proxy-authorization: Basic eA==', '-H', 'x-end-to-end: kept',
      '-H', 'x-forwarded-for: 192.0.2.7', '-H', 'via: 1.0 edge', '-H', 'forwarded: for=192.0.2.7',
      `${p.h2c}/h1`]));
    const s1 = JSON.parse(h1.rest) as Seen;
    expect(s1.headers['x-private']).toBeUndefined();
    expect(s1.headers['proxy-authorization']).toBeUndefined();
    expect(s1.headers['keep-alive']).toBeUndefined();
    expect(s1.headers['x-end-to-end']).toBe('kept');
    expect(s1.headers['x-forwarded-for']).toBe('192.0.2.7, 127.0.0.1');
    expect(s1.headers['x-forwarded-proto']).toBe('http');
    expect(s1.headers.via).toBe('1.0 edge, 1.1 h2wasm');
    expect(s1.headers.forwarded).toBe(`for=192.0.2.7, for=127.0.0.1;proto=http;host="127.0.0.1:${port}"`);
    expect(s1.headers.host).toBe(`127.0.0.1:${port}`);
    expect(h1.headers['via']).toBe('1.1 h2wasm');

    // HTTP/2 client: te other than trailers is dropped; :authority becomes host.
    const session = await connect(p.h2c);
    const r = await request(session, '/h2', { headers: { ':authority': 'app.test', te: 'trailers', 'x-end-to-end': 'kept' } });
    const s2 = JSON.parse(r.body.toString()) as Seen;
    expect(s2.headers.host).toBe('app.test');
    expect(s2.headers.te).toBeUndefined(); // an HTTP/1.1 backend gets no te
    expect(s2.headers.via).toBe('2 h2wasm');
    expect(s2.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(s2.headers.forwarded).toBe('for=127.0.0.1;proto=http;host=app.test');
    expect(r.headers.via).toBe('1.1 h2wasm');
    expect(r.headers.connection).toBeUndefined();
  });
});

describe('h2wasm proxy: routing', () => {
  it('the longest matching prefix wins; a host route matches :authority and Host without the port; no route is 404', async () => {
    const names = ['root', 'api', 'v2', 'host-root', 'host-api'];
    const b = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await startHttpBackend(n)] as const)));
    const p = await startProxyProcess([
      ...route(`/=${b.root.url}`), ...route(`/api=${b.api.url}`), ...route(`/api/v2=${b.v2.url}`),
      ...route(`example.test/=${b['host-root'].url}`), ...route(`Example.Test/api=${b['host-api'].url}`),
    ]);
    const session = await connect(p.h2c);
    const via = async (authority: string, path: string) => (await request(session, path, { headers: { ':authority': authority } })).headers['x-backend'];
    expect(await via('other.test', '/x')).toBe('root');
    expect(await via('other.test', '/api/x')).toBe('api');
    expect(await via('other.test', '/api/v2/x')).toBe('v2');
    expect(await via('example.test:8080', '/x')).toBe('host-root');
    expect(await via('EXAMPLE.test', '/api/x')).toBe('host-api');
    expect(await via('example.test', '/api/v2/x')).toBe('v2'); // longer prefix beats the host route
    // HTTP/1.1: the Host field routes.
    const h1 = parseCurlInclude(await runOk('curl', ['-sS', '-i', '-m', '10', '--http1.1', '-H', 'Host: example.test:9', `${p.h2c}/api/z`]));
    expect(h1.headers['x-backend']).toBe('host-api');

    const only = await startProxyProcess(route(`only.test/api=${b.api.url}`));
    const s2 = await connect(only.h2c);
    const miss = await request(s2, '/api/x', { headers: { ':authority': 'else.test' } });
    expect(miss.status).toBe(404);
    expect((await request(s2, '/other', { headers: { ':authority': 'only.test' } })).status).toBe(404);
    expect((await request(s2, '/api/x', { headers: { ':authority': 'only.test' } })).status).toBe(200);
  });
});

describe('h2wasm proxy: trailers and large bodies', () => {
  it('response trailers from an HTTP/1.1 backend reach an HTTP/2 client; hop-by-hop response fields do not', async () => {
    const a = await startHttpBackend('a');
    const p = await startProxyProcess(route(`/=${a.url}`));
    const session = await connect(p.h2c);
    const r = await request(session, '/trailers');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('one\ntwo\n');
    expect(r.trailers).toMatchObject({ 'x-checksum': 'abc123', 'x-count': '2' });
    expect(r.headers['x-hop']).toBeUndefined();
  });

  it('request trailers reach an h2c backend and its response trailers come back (HTTP/2 both sides)', async () => {
    const b = await startH2Backend();
    const p = await startProxyProcess(route(`/=${b.url}`));
    const session = await connect(p.h2c);
    const r = await request(session, '/t', { body: 'payload', trailers: { 'x-request-checksum': 'c0ffee' } });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('payload');
    expect(r.trailers).toMatchObject({ 'x-got-x-request-checksum': 'c0ffee', 'x-backend-trailer': 'yes' });
  });

  it('50 MB up to an echo backend and back, streamed both ways (sha256 equal), to HTTP/1.1 and to h2c', async () => {
    const a = await startHttpBackend('a');
    const b = await startH2Backend();
    const p = await startProxyProcess([...route(`/h1=${a.url}`), ...route(`/=${b.url}`)]);
    const total = 50 << 20;
    const want = await hashStream(pseudoRandom(7, total));
    const session = await connect(p.h2c);
    for (const path of ['/h1/echo', '/echo']) {
      const req = session.request({ ':method': 'POST', ':path': path }, { endStream: false });
      pseudoRandom(7, total).pipe(req);
      const got = await hashStream(req);
      expect(got).toEqual(want);
    }
  }, 120_000);
});

describe('h2wasm proxy: failures', () => {
  it('a dead backend is 502, over HTTP/1.1 and h2c, counted as a connect error', async () => {
    const dead1 = await deadBackend('http');
    const dead2 = await deadBackend('h2c');
    const p = await startProxyProcess([...route(`/h1=${dead1}`), ...route(`/h2=${dead2}`), '--metrics-port', '0']);
    const session = await connect(p.h2c);
    for (const path of ['/h1', '/h2']) {
      const r = await request(session, path);
      expect(r.status).toBe(502);
      expect(r.body.toString()).toBe('bad gateway\n');
    }
    const post = await request(session, '/h1', { method: 'POST', body: 'x' });
    expect(post.status).toBe(502);
    const m = await (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
    expect(metricValue(m, 'h2wasm_proxy_errors_total', { backend: dead1, kind: 'connect' })).toBe(2);
    expect(metricValue(m, 'h2wasm_proxy_errors_total', { backend: dead2, kind: 'connect' })).toBe(1);
  });

  it('a backend that never answers is 504 after --backend-timeout, over HTTP/1.1 and h2c; the proxy still serves', async () => {
    const a = await startHttpBackend('a');
    const b = await startH2Backend();
    const p = await startProxyProcess([...route(`/h1=${a.url}`), ...route(`/=${b.url}`), '--backend-timeout', '500', '--metrics-port', '0']);
    const session = await connect(p.h2c);
    for (const path of ['/h1/stall', '/stall']) {
      const r = await request(session, path);
      expect(r.status).toBe(504);
      expect(r.body.toString()).toBe('backend timed out\n');
    }
    expect((await request(session, '/h1/ok')).status).toBe(200);
    const m = await (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
    expect(metricValue(m, 'h2wasm_proxy_errors_total', { backend: a.url, kind: 'timeout' })).toBe(1);
    expect(metricValue(m, 'h2wasm_proxy_errors_total', { backend: b.url, kind: 'timeout' })).toBe(1);
  });

  it('passive health: a dead backend among two is ejected once (after 3 failures) and every request succeeds on the other', async () => {
    const alive = await startHttpBackend('alive');
    const dead = await deadBackend('http');
    const p = await startProxyProcess(route(`/=${dead},${alive.url}`));
    const session = await connect(p.h2c);
    for (let i = 0; i < 20; i++) {
      const r = await request(session, `/n${i}`);
      expect(r.status).toBe(200);
      expect(r.headers['x-backend']).toBe('alive');
    }
    // A POST too: it was never sent to the dead backend, so it may go to the other one.
    expect((await request(session, '/post', { method: 'POST', body: 'x' })).status).toBe(200);
    const ejections = p.log.filter((e) => e.msg === 'backend ejected after consecutive failures');
    expect(ejections).toHaveLength(1);
    expect(ejections[0].backend).toBe(dead);
    expect(alive.seen).toHaveLength(21);
  });

  it('every backend of a route dead: 502 while they are tried (each request tries both), then 503 once both are ejected', async () => {
    const dead1 = await deadBackend('http');
    const dead2 = await deadBackend('h2c');
    const p = await startProxyProcess(route(`/=${dead1},${dead2}`));
    const session = await connect(p.h2c);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(session, `/n${i}`)).status);
    expect(statuses).toEqual([502, 502, 502, 503, 503]);
    expect((await request(session, '/n')).body.toString()).toBe('no healthy backend\n');
  });
});
