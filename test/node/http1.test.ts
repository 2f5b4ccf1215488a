// createHttp1Server: HTTP/1.1 connections handed to a non-listening http.Server
// (bytes already read pushed back with unshift), serving stream and fetch handlers.
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttp1Server, handOffHttp1 } from '../../host/node/http1.js';
import { withTrailers } from '../../host/http/trailers.js';
import type { Log, ServerStream, StreamHandler } from '../../host/engine/types.js';
import type { FetchHandler } from '../../host/http/fetch-handler.js';
import { curl, listenPlain, rawExchange, request, type Listener } from '../helpers/http1.js';

let open: Listener[] = [];
afterEach(async () => {
  await Promise.all(open.map((l) => l.close()));
  open = [];
});

async function serve(handlers: { stream?: StreamHandler; fetch?: FetchHandler }, options?: http.ServerOptions): Promise<Listener & { log: ReturnType<typeof vi.fn> }> {
  const log = vi.fn();
  const listener = await listenPlain(createHttp1Server({ ...handlers, log: log as unknown as Log }, options));
  open.push(listener);
  return Object.assign(listener, { log });
}

describe('HTTP/1.1 hand-off', () => {
  it('serves a socket whose first bytes were read and pushed back with unshift', async () => {
    const server = createHttp1Server({ stream: (s) => { s.respond(200, { 'content-type': 'text/plain' }); void s.end(`${s.method} ${s.path}\n`); } });
    const sniffed: string[] = [];
    const front = net.createServer((socket) => {
      // A sniffer reads until it can tell the HTTP/2 preface ("PRI * HTTP/2.0...") from HTTP/1.1,
      // across reads, pausing the socket while it decides; then it hands off what it read.
      const seen: Buffer[] = [];
      const onData = (chunk: Buffer) => {
        seen.push(chunk);
        if (Buffer.concat(seen).length < 20) return;
        socket.off('data', onData);
        socket.pause();
        sniffed.push(...seen.map((b) => b.toString('latin1')));
        setImmediate(() => handOffHttp1(server, socket, Buffer.concat(seen)));
      };
      socket.on('data', onData);
    });
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    const { port } = front.address() as net.AddressInfo;
    try {
      const reply = await rawExchange(port, 'GET /sni', 'ffed HTTP/1.1\r\nHost: a', '.example\r\nConnection: close\r\n\r\n');
      expect(sniffed.join('')).toMatch(/^GET \/sniffed HTTP\/1\.1/);
      expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(reply).toMatch(/\r\n\r\n(.*\r\n)?GET \/sniffed\n/s);
    } finally {
      front.close();
      server.close(() => {});
    }
  });

  it('closes a connection that sends its headers too slowly (headersTimeout works without listen)', async () => {
    const l = await serve({ stream: (s) => s.respond(204, {}, true) }, { headersTimeout: 100, requestTimeout: 200, connectionsCheckingInterval: 20 });
    const reply = await rawExchange(l.port, 'GET / HTTP/1.1\r\nHost: x\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('createHttp1Server({ stream })', () => {
  it('gives the handler the request as HTTP/2 fields, and numbers requests on a connection', async () => {
    const seen: Array<{ id: number; headers: Array<[string, string]>; scheme: string; authority: string; hasBody: boolean; remote: string }> = [];
    const l = await serve({
      stream: (s) => {
        seen.push({ id: s.id, headers: s.headers, scheme: s.scheme, authority: s.authority, hasBody: s.hasBody, remote: s.remote });
        s.respond(200, [['content-type', 'text/plain'], ['X-Id', String(s.id)]], false);
        void s.end('ok');
      },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await request(l.port, '/one?x=1', { agent, headers: { 'X-Custom': 'A', Cookie: 'a=1' } });
      const b = await request(l.port, '/two', { agent });
      expect([a.status, a.body.toString(), a.headers['x-id'], b.headers['x-id']]).toEqual([200, 'ok', '1', '2']);
    } finally {
      agent.destroy();
    }
    expect(seen[0].headers.slice(0, 4)).toEqual([[':method', 'GET'], [':scheme', 'http'], [':authority', `127.0.0.1:${l.port}`], [':path', '/one?x=1']]);
    expect(seen[0].headers).toContainEqual(['x-custom', 'A']);
    expect(seen[0].headers).toContainEqual(['cookie', 'a=1']);
    expect(seen[0]).toMatchObject({ scheme: 'http', authority: `127.0.0.1:${l.port}`, hasBody: false });
    expect(seen[0].remote).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(l.handedOff).toBe(1);
  });

  it('reads a chunked request body and its trailers, and sends response trailers in the chunked body', async () => {
    const l = await serve({
      stream: async (s) => {
        const parts: string[] = [];
        for await (const chunk of s) parts.push(Buffer.from(chunk).toString());
        s.respond(200, { 'content-type': 'text/plain', trailer: 'x-parts' });
        await s.write(parts.join('|'));
        await s.end(null, { 'x-parts': String(parts.length), 'x-request-trailer': s.trailers?.find(([n]) => n === 'x-sum')?.[1] ?? 'none' });
      },
    });
    const reply = await request(l.port, '/', { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: ['ab', 'cd'], trailers: { 'X-Sum': '42' } });
    expect(reply.body.toString()).toMatch(/^ab\|?cd$/);
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(reply.headers.trailer).toBe('x-parts');
    expect(reply.trailers['x-request-trailer']).toBe('42');
    expect(Number(reply.trailers['x-parts'])).toBeGreaterThanOrEqual(1);
  });

  it('drops the trailer announcement where Node cannot chunk (HEAD, content-length, HTTP/1.0)', async () => {
    const l = await serve({
      stream: async (s) => {
        const length = s.path === '/length' ? [['content-length', '2'] as [string, string]] : [];
        s.respond(200, [['trailer', 'x-t'], ...length]);
        await s.end(s.method === 'HEAD' ? null : 'ok', { 'x-t': '1' });
      },
    });
    const head = await request(l.port, '/', { method: 'HEAD' });
    expect([head.status, head.headers.trailer, head.body.length]).toEqual([200, undefined, 0]);
    const sized = await request(l.port, '/length');
    expect([sized.body.toString(), sized.headers.trailer, sized.trailers]).toEqual(['ok', undefined, {}]);
    const old = await rawExchange(l.port, 'GET / HTTP/1.0\r\n\r\n');
    expect(old).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(old).not.toMatch(/trailer/i);
    expect(old.endsWith('\r\n\r\nok')).toBe(true);
    expect(l.log).not.toHaveBeenCalled();
  });

  it('sends content-length: 0 for an empty response rather than an empty chunked body', async () => {
    const l = await serve({ stream: (s) => s.respond(200, { 'x-empty': 'yes' }, true) });
    const reply = await request(l.port, '/');
    expect(reply.headers['content-length']).toBe('0');
    expect(reply.headers['transfer-encoding']).toBeUndefined();
  });

  it('holds write() while the client is not reading (backpressure), then delivers everything', async () => {
    const total = 64 << 20;
    const chunk = Buffer.alloc(64 << 10, 0x61);
    let blockedAt = -1;
    let blocked!: () => void;
    const blockedOnce = new Promise<void>((r) => (blocked = r));
    const l = await serve({
      stream: async (s) => {
        s.respond(200, { 'content-length': String(total) });
        for (let sent = 0; sent < total; sent += chunk.length) {
          let settled = false;
          const written = s.write(chunk).then(() => (settled = true));
          await new Promise((r) => setImmediate(r));
          if (!settled && blockedAt < 0) {
            blockedAt = sent;
            blocked();
          }
          await written;
        }
        await s.end();
      },
    });
    const req = http.request({ host: '127.0.0.1', port: l.port, path: '/', agent: false });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    res.pause();
    await blockedOnce;
    expect(blockedAt).toBeGreaterThan(0);
    expect(blockedAt).toBeLessThan(total);
    let received = 0;
    res.on('data', (c: Buffer) => (received += c.length));
    res.resume();
    await once(res, 'end');
    expect(received).toBe(total);
  });

  it('aborts the signal and rejects writes when the client goes away mid-response', async () => {
    let handlerDone!: (outcome: string) => void;
    const outcome = new Promise<string>((r) => (handlerDone = r));
    let stream!: ServerStream;
    const l = await serve({
      stream: async (s) => {
        stream = s;
        s.respond(200, { 'content-type': 'text/plain' });
        await s.write('first');
        await new Promise((r) => s.signal.addEventListener('abort', r));
        await s.write('after').then(() => handlerDone('write resolved'), (e: Error) => handlerDone(`${s.signal.aborted} ${e.name}`));
      },
    });
    const req = http.request({ host: '127.0.0.1', port: l.port, path: '/', agent: false });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    await once(res, 'data');
    req.destroy();
    res.on('error', () => {});
    expect(await outcome).toBe('true StreamClosedError');
    expect(stream.closed).toBe(true);
  });

  it('answers 500 when the handler throws before responding, and closes the connection when it fails after', async () => {
    const l = await serve({
      stream: async (s) => {
        if (s.path === '/sync') throw new Error('sync boom');
        if (s.path === '/late') {
          s.respond(200, {});
          await s.write('partial');
        }
        throw new Error('async boom');
      },
    });
    const sync = await request(l.port, '/sync');
    expect([sync.status, sync.body.toString()]).toEqual([500, 'internal server error\n']);
    const async = await request(l.port, '/async');
    expect(async.status).toBe(500);
    await expect(request(l.port, '/late')).rejects.toThrow();
    expect(l.log).toHaveBeenCalledTimes(3);
  });

  it('answers curl --http1.1', async () => {
    const l = await serve({ stream: (s) => { s.respond(200, { 'content-type': 'text/plain' }); void s.end(`hi ${s.headers.find(([n]) => n === 'user-agent')?.[1].split('/')[0]}\n`); } });
    const out = await curl('--http1.1', '-i', `http://127.0.0.1:${l.port}/`);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out.endsWith('\r\n\r\nhi curl\n')).toBe(true);
  });
});

describe('createHttp1Server({ fetch })', () => {
  it('maps request and response both ways, streaming the body', async () => {
    const l = await serve({
      fetch: async (request, info) => {
        const text = await request.text();
        const headers = new Headers({ 'content-type': 'text/plain', 'x-remote': info.remote, 'x-url': request.url });
        headers.append('set-cookie', 'a=1');
        headers.append('set-cookie', 'b=2');
        return new Response(`${request.method} ${text.toUpperCase()}`, { status: 201, headers });
      },
    });
    const reply = await request(l.port, '/p?q', { method: 'PUT', body: ['abc', 'def'], headers: { 'transfer-encoding': 'chunked' } });
    expect(reply.status).toBe(201);
    expect(reply.body.toString()).toBe('PUT ABCDEF');
    expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(reply.headers['x-url']).toBe(`http://127.0.0.1:${l.port}/p?q`);
    expect(reply.headers['x-remote']).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('sends withTrailers() trailers in a chunked response, and none to HEAD', async () => {
    const l = await serve({
      fetch: () => withTrailers(new Response('body', { headers: { trailer: 'x-checksum' } }), async () => ({ 'x-checksum': 'abc123' })),
    });
    const get = await request(l.port, '/');
    expect(get.body.toString()).toBe('body');
    expect(get.trailers).toEqual({ 'x-checksum': 'abc123' });
    const head = await request(l.port, '/', { method: 'HEAD' });
    expect([head.status, head.body.length, head.trailers]).toEqual([200, 0, {}]);
  });

  it('answers 500 when the fetch handler fails', async () => {
    const l = await serve({ fetch: () => { throw new Error('boom'); } });
    const reply = await request(l.port, '/');
    expect([reply.status, reply.body.toString()]).toEqual([500, 'internal server error\n']);
    expect(l.log).toHaveBeenCalledTimes(1);
  });

  it('needs a handler', () => {
    expect(() => createHttp1Server({})).toThrow(TypeError);
  });
});
