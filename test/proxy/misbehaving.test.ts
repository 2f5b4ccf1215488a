// Backends that misbehave, and responses without bodies, through `h2wasm
// proxy`: garbage instead of HTTP/1.1 or HTTP/2 is 502, a backend that drops
// its connection mid-body resets the client's stream, and HEAD, 204 and 304
// from an HTTP/1.1 backend end cleanly. The proxy serves on after each.

import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, defer, outcome, request } from '../helpers/peers.js';
import { startHttpBackend } from '../helpers/proxy-backends.js';
import { startProxyProcess } from '../helpers/proxy-process.js';
import { killAllServers } from '../helpers/server-process.js';

afterAll(killAllServers);

/** startTcp runs a raw TCP server on 127.0.0.1 that calls onSocket for each connection. */
async function startTcp(onSocket: (s: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return (server.address() as AddressInfo).port;
}

describe('h2wasm proxy: misbehaving backends', () => {
  it('garbage instead of HTTP/1.1 or HTTP/2 is 502; the proxy goes on serving', async () => {
    const garbage = await startTcp((s) => s.once('data', () => s.end('this is not HTTP at all\r\n\r\n')));
    const good = await startHttpBackend('good');
    const p = await startProxyProcess(['--route', `/h1=http://127.0.0.1:${garbage}`, '--route', `/h2=h2c://127.0.0.1:${garbage}`, '--route', `/=${good.url}`]);
    const session = await connect(p.h2c);
    expect((await request(session, '/h1')).status).toBe(502);
    expect((await request(session, '/h2')).status).toBe(502);
    expect((await request(session, '/ok')).status).toBe(200);
  });

  it('a backend that drops its connection in the middle of the body: the client\'s stream is reset, the connection goes on', async () => {
    const dropper = await startTcp((s) => s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n');
      s.write(Buffer.alloc(1000, 0x61));
      setTimeout(() => s.destroy(), 50);
    }));
    const good = await startHttpBackend('good');
    const p = await startProxyProcess(['--route', `/drop=http://127.0.0.1:${dropper}`, '--route', `/=${good.url}`]);
    const session = await connect(p.h2c);
    const o = await outcome(session.request({ ':path': '/drop' }));
    expect(o.status).toBe(200);
    expect(o.ended).toBe(false);
    expect(o.bytes).toBeLessThan(100_000);
    expect(o.rstCode).toBe(2); // INTERNAL_ERROR: the response cannot be finished
    expect((await request(session, '/ok')).status).toBe(200);
  });

  it('HEAD, 204 and 304 from an HTTP/1.1 backend end without a body and without hanging', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/204') res.writeHead(204).end();
      else if (req.url === '/304') res.writeHead(304, { etag: '"x"' }).end();
      else res.writeHead(200, { 'content-length': '100', 'content-type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : 'x'.repeat(100));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const p = await startProxyProcess(['--route', `/=http://127.0.0.1:${(server.address() as AddressInfo).port}`]);
    const session = await connect(p.h2c);
    const head = await request(session, '/x', { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, '100', 0]);
    const nc = await request(session, '/204');
    expect([nc.status, nc.body.length]).toEqual([204, 0]);
    const nm = await request(session, '/304');
    expect([nm.status, nm.headers.etag, nm.body.length]).toEqual([304, '"x"', 0]);
    const get = await request(session, '/x');
    expect([get.status, get.body.length]).toEqual([200, 100]);
  });

  it('a client that resets while the backend has not answered: the backend\'s request is cancelled (HTTP/1.1 and h2c)', async () => {
    let h1Arrived = 0;
    let h1Closed = 0;
    const h1 = http.createServer((_req, res) => {
      h1Arrived++;
      res.once('close', () => { h1Closed++; });
    });
    await new Promise<void>((resolve) => h1.listen(0, '127.0.0.1', resolve));
    let h2Arrived = 0;
    let h2Cancelled = 0;
    const h2 = http2.createServer();
    h2.on('stream', (stream) => {
      h2Arrived++;
      stream.once('close', () => { if (stream.rstCode === http2.constants.NGHTTP2_CANCEL) h2Cancelled++; });
    });
    await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
    const h2Sessions = new Set<http2.ServerHttp2Session>();
    h2.on('session', (x) => h2Sessions.add(x));
    defer(() => new Promise<void>((resolve) => { h1.closeAllConnections(); h1.close(() => resolve()); }));
    defer(() => new Promise<void>((resolve) => { for (const x of h2Sessions) x.destroy(); h2.close(() => resolve()); }));
    const port = (srv: net.Server) => (srv.address() as AddressInfo).port;
    const p = await startProxyProcess(['--route', `/h1=http://127.0.0.1:${port(h1)}`, '--route', `/h2=h2c://127.0.0.1:${port(h2)}`]);
    const session = await connect(p.h2c);
    for (const path of ['/h1', '/h2']) {
      const req = session.request({ ':path': path });
      req.on('error', () => {});
      // Reset once the request is at the backend, waiting for its answer.
      await until(() => (path === '/h1' ? h1Arrived : h2Arrived) === 1);
      req.close(http2.constants.NGHTTP2_CANCEL);
    }
    await until(() => h1Closed === 1 && h2Cancelled === 1);
    expect([h1Closed, h2Cancelled]).toEqual([1, 1]);
  });
});

describe('h2wasm proxy: retries', () => {
  it('a backend that refuses streams (REFUSED_STREAM): GET and a bodiless POST are sent once more, to the other backend, which is not ejected for it', async () => {
    let refused = 0;
    const refuser = http2.createServer();
    refuser.on('stream', (stream) => {
      refused++;
      stream.on('error', () => {}); // Node reports the reset it sent as an error of its own stream
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    });
    await new Promise<void>((resolve) => refuser.listen(0, '127.0.0.1', resolve));
    const sessions = new Set<http2.ServerHttp2Session>();
    refuser.on('session', (x) => sessions.add(x));
    defer(() => new Promise<void>((resolve) => { for (const x of sessions) x.destroy(); refuser.close(() => resolve()); }));
    const good = await startHttpBackend('good');
    const refuserUrl = `h2c://127.0.0.1:${(refuser.address() as AddressInfo).port}`;
    const p = await startProxyProcess(['--route', `/=${refuserUrl},${good.url}`]);
    const session = await connect(p.h2c);
    for (let i = 0; i < 4; i++) {
      const get = await request(session, `/get${i}`);
      expect([get.status, get.headers['x-backend']]).toEqual([200, 'good']);
      const post = await request(session, `/post${i}`, { method: 'POST' });
      expect([post.status, post.headers['x-backend']]).toEqual([200, 'good']);
    }
    // Round-robin sent half of the 8 requests to the refuser first; more than max_failures (3) of them,
    // and it was never ejected: a refusal is load shedding, not failure.
    expect(refused).toBe(4);
    expect(p.log.filter((e) => e.msg === 'backend ejected after consecutive failures')).toHaveLength(0);
  });
});

/** until polls cond every 50 ms, at most 200 times (10 s). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
}
