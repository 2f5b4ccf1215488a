// The gateway Worker (host/edge/gateway.ts) in workerd through miniflare, in
// front of real origins started here: a node:http2 h2c server and a
// @grpc/grpc-js server. Clients none of us wrote: @connectrpc/connect-web's
// gRPC-web transport over fetch, and Node's fetch sending raw gRPC-web
// frames in binary and text mode.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { Code, ConnectError, createClient, type CallOptions } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-web';
import { startWorker } from './bundle.js';
import { BIG, closedPort, startGrpcOrigin, startH2cOrigin, startResettingOrigin, type H2cOriginState, type Origin } from './origins.js';
import { Greeter } from './greeter-desc.js';
import { parseGrpcWeb, protoString, webFrame } from './grpc-web.js';
import { getOnce } from './http-once.js';

const GATEWAY = 'host/edge/gateway.ts';
const running: Array<{ close(): Promise<void> }> = [];
let h2c: Origin & H2cOriginState;
let grpcOrigin: Origin;
let toH2c: URL;
let toGrpc: URL;
let toNowhere: URL;
let toResetting: URL;

async function gateway(origin: string, vars: Record<string, string> = {}): Promise<URL> {
  const { mf, url } = await startWorker(GATEWAY, { ORIGIN: origin, ...vars });
  running.push({ close: () => (mf as Miniflare).dispose() });
  return url;
}

beforeAll(async () => {
  h2c = await startH2cOrigin();
  grpcOrigin = await startGrpcOrigin();
  running.push(h2c, grpcOrigin);
  toH2c = await gateway(`h2c://127.0.0.1:${h2c.port}`, { HEAD_TIMEOUT_MS: '800', STREAM_IDLE_TIMEOUT_MS: '1500' });
  toGrpc = await gateway(`h2c://127.0.0.1:${grpcOrigin.port}`);
  const resetting = await startResettingOrigin();
  running.push(resetting);
  toResetting = await gateway(`h2c://127.0.0.1:${resetting.port}`);
  toNowhere = await gateway(`h2c://127.0.0.1:${await closedPort()}`);
});

afterAll(async () => {
  for (const r of running.reverse()) await r.close().catch(() => {});
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await sleep(20);
  }
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('the gateway forwards plain HTTP to an h2c origin (node:http2)', () => {
  it('GETs with the path and query', async () => {
    const res = await fetch(new URL('/hello?x=1', toH2c));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-path')).toBe('/hello?x=1');
    expect(await res.text()).toBe('hello from node:http2\n');
  });

  it('streams a 300 KB POST to the origin and its echo back', async () => {
    const body = randomBytes(300 * 1024);
    const res = await fetch(new URL('/echo', toH2c), { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(sha(await bytes(res))).toBe(sha(body));
  });

  it('streams a download with backpressure: a reader that stops stops the origin, one that leaves resets it', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(new URL('/firehose', toH2c), { agent: false }, resolve).on('error', reject));
    await new Promise((r) => res.once('data', r));
    res.pause();
    await sleep(1500);
    const sent = h2c.firehose.sent;
    await sleep(500);
    console.log(`download: the origin got ${(sent / 2 ** 20).toFixed(1)} MiB out to a reader that stopped`);
    expect(h2c.firehose.sent - sent).toBeLessThan(1 << 20); // stalled: windows and buffers full
    expect(sent).toBeLessThan(48 << 20); // far below the 256 MiB on offer
    res.destroy();
    await until(() => h2c.firehose.closed, 5000);
  });

  it('streams an upload with backpressure: an origin that does not read holds the client back', async () => {
    const total = 64 << 20;
    let written = 0;
    const chunk = Buffer.alloc(256 << 10, 0x62);
    const req = http.request(new URL('/sink', toH2c), { method: 'POST', agent: false });
    const answer = new Promise<string>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
    });
    const pump = () => {
      while (written < total) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
    await sleep(800); // the origin reads nothing for 1 s (less than the gateway's 1.5 s stream idle timeout)
    const taken = written;
    console.log(`upload: the client got ${(taken / 2 ** 20).toFixed(1)} MiB out to an origin that did not read`);
    expect(taken).toBeLessThan(48 << 20);
    expect(await answer).toBe(String(total)); // then all of it arrives
  }, 30_000);

  it('sends the origin :authority, x-forwarded-host and no hop-by-hop fields', async () => {
    // (Node's fetch will not send connection fields itself; test/proxy/ checks their removal.)
    const res = await fetch(new URL('/headers', toH2c), { headers: { 'x-custom': 'kept' } });
    const seen = (await res.json()) as Record<string, string>;
    expect(seen[':authority']).toBe(`127.0.0.1:${h2c.port}`);
    expect(seen['x-forwarded-host']).toBe(toH2c.host);
    expect(seen['x-custom']).toBe('kept');
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen.connection).toBeUndefined();
  });

  it('answers 502 when the origin sends GOAWAY before the response', async () => {
    const res = await fetch(new URL('/goaway-early', toH2c));
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/origin failed/);
  });

  it('ends the response when the origin sends GOAWAY mid-body (never hangs)', async () => {
    // The head may be out by then: the status cannot change. workerd (here under miniflare) either
    // drops the connection or ends the chunked body after the bytes that came (README, limits).
    const got = await getOnce(new URL('/goaway', toH2c));
    if (got.status !== null) expect(got.status).toBe(200);
    if (got.body !== null) expect('partial body\n'.startsWith(got.body)).toBe(true);
  });

  it('fails a response whose announced length the origin does not deliver', async () => {
    // content-length 1000, 13 octets, GOAWAY: sent with the length kept, the cut shows.
    const got = await getOnce(new URL('/sized/goaway', toH2c));
    expect(got.body).toBeNull();
  });

  it('answers 504 when the origin does not answer in time', async () => {
    const res = await getOnce(new URL('/silent', toH2c));
    expect(res.status).toBe(504);
  });

  it('ends a body that stalls, even after the request that started the isolate\'s timers has finished', async () => {
    // /slow's connection starts the engine's timer; /stall outlives that request (workerd cancels
    // a request's timers when it ends), and must still be reset by its stream idle timeout.
    const slow = getOnce(new URL('/slow', toH2c));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const stalled = await getOnce(new URL('/stall', toH2c));
    expect((await slow).body).toBe('slow\n');
    if (stalled.body !== null) expect('stalled\n'.startsWith(stalled.body)).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
  }, 10_000);

  it('answers 502 when the origin is down', async () => {
    const res = await fetch(new URL('/hello', toNowhere));
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/cannot connect|refused/i);
  });
});

/** GreeterClient is the client connect makes from the hand-written descriptor (no generated types). */
interface GreeterClient {
  sayHello(request: { name: string }, options?: CallOptions): Promise<{ message: string }>;
  countTo(request: { n: number }, options?: CallOptions): AsyncIterable<{ i: number }>;
}

const greeter = (base: URL) =>
  createClient(Greeter, createGrpcWebTransport({ baseUrl: base.href.replace(/\/$/, ''), useBinaryFormat: true })) as unknown as GreeterClient;

describe('gRPC-web through the gateway to @grpc/grpc-js, with connect-web', () => {
  const client = () => greeter(toGrpc);

  it('makes a unary call and reads header and trailer metadata', async () => {
    let trailer: Headers | undefined;
    const reply = await client().sayHello({ name: 'world' }, { onTrailer: (t) => { trailer = t; } });
    expect(reply.message).toBe('hello world');
    expect(trailer?.get('x-greeted')).toBe('5');
  });

  it('streams from the server', async () => {
    const seen: number[] = [];
    for await (const r of client().countTo({ n: 7 })) seen.push(r.i);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('carries an error status, its message and metadata (-bin kept)', async () => {
    const err = await client().sayHello({ name: 'fail' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    const ce = err as ConnectError;
    expect(ce.code).toBe(Code.NotFound);
    expect(ce.rawMessage).toBe('nobody called fail');
    expect(ce.metadata.get('x-reason')).toBe('no such person');
    // -bin values stay base64 (the origin's spelling), and decode to the origin's bytes.
    expect([...Buffer.from(ce.metadata.get('x-detail-bin') ?? '', 'base64')]).toEqual([0, 1, 2, 250]);
  });

  it('moves a 4 MiB message each way', async () => {
    const name = 'abcdefgh'.repeat(BIG / 8);
    const reply = await client().sayHello({ name });
    expect(reply.message.length).toBe(name.length);
    expect(reply.message === name).toBe(true);
  });

  it('answers UNAVAILABLE when the origin is down', async () => {
    const err = await greeter(toNowhere).sayHello({ name: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });
});

describe('raw gRPC-web frames through the gateway', () => {
  const path = '/h2wasm.test.Greeter/SayHello';

  it('binary: the reply, then one trailer frame (flag 0x80) with grpc-status 0', async () => {
    const res = await fetch(new URL(path, toGrpc), {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
      body: webFrame(protoString('raw')),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/grpc-web+proto');
    const body = parseGrpcWeb(await bytes(res));
    expect(body.messages).toEqual([protoString('hello raw')]);
    expect(body.trailers).toMatchObject({ 'grpc-status': '0', 'x-greeted': '3' });
  });

  it('text: base64 with padding mid-stream in, base64 out', async () => {
    const frame = webFrame(protoString('text mode'));
    // Two pieces, each padded: "=" mid-stream, as a client encoding chunk by chunk sends it.
    const pieces = [b64(frame.subarray(0, 4)), b64(frame.subarray(4))];
    expect(pieces[0]).toMatch(/=$/);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of pieces) c.enqueue(new TextEncoder().encode(p));
        c.close();
      },
    });
    const res = await fetch(new URL(path, toGrpc), {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web-text', accept: 'application/grpc-web-text' },
      body,
      duplex: 'half',
    } as RequestInit);
    // grpc-js answers application/grpc+proto: the suffix comes back.
    expect(res.headers.get('content-type')).toMatch(/^application\/grpc-web-text(\+proto)?$/);
    const text = await res.text();
    expect(text).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const parsed = parseGrpcWeb(new Uint8Array(Buffer.from(text, 'base64')));
    expect(parsed.messages).toEqual([protoString('hello text mode')]);
    expect(parsed.trailers?.['grpc-status']).toBe('0');
  });

  it('text: a body that is not base64 ends the call with INTERNAL, not UNAVAILABLE', async () => {
    const res = await fetch(new URL(path, toGrpc), {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web-text' },
      body: 'AAAAAA!!not base64',
    });
    const status = res.headers.get('grpc-status') ?? parseGrpcWeb(new Uint8Array(Buffer.from(await res.text(), 'base64'))).trailers?.['grpc-status'];
    expect(status).toBe('13');
  });

  it('trailers-only: the status stays in the headers, no trailer frame', async () => {
    const res = await fetch(new URL(path, toGrpc), {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto' },
      body: webFrame(protoString('fail')),
    });
    expect(res.headers.get('grpc-status')).toBe('5');
    expect(decodeURIComponent(res.headers.get('grpc-message') ?? '')).toBe('nobody called fail');
    expect((await bytes(res)).length).toBe(0);
  });

  it('+json: sent to the origin as application/grpc+json with te: trailers', async () => {
    const msg = new TextEncoder().encode('{"name":"j"}');
    const res = await fetch(new URL('/echo', toH2c), {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+json' },
      body: webFrame(msg),
    });
    expect(res.headers.get('content-type')).toBe('application/grpc-web+json');
    const body = parseGrpcWeb(await bytes(res));
    expect(body.messages).toEqual([msg]);
    expect(body.trailers).toEqual({ 'grpc-status': '0', 'x-te': 'trailers' });
  });

  it('GOAWAY or RST_STREAM mid-call: the messages so far, then grpc-status 14', async () => {
    for (const base of [toH2c, toResetting]) {
      const res = await fetch(new URL('/svc.S/goaway', base), {
        method: 'POST',
        headers: { 'content-type': 'application/grpc-web+proto' },
        body: webFrame(protoString('x')),
      });
      expect(res.status).toBe(200);
      const body = parseGrpcWeb(await bytes(res));
      expect(body.messages.length).toBe(1);
      expect(body.trailers?.['grpc-status']).toBe('14');
    }
  });

  it('CORS: a preflight, then grpc-status exposed to the page', async () => {
    const pre = await fetch(new URL(path, toGrpc), {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-grpc-web' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type,x-grpc-web');
    const res = await fetch(new URL(path, toGrpc), {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/grpc-web+proto' },
      body: webFrame(protoString('cors')),
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/grpc-status.*grpc-message/);
    await res.arrayBuffer();
  });

  it('CORS: a preflight that is not for gRPC-web goes to the origin', async () => {
    const pre = await fetch(new URL('/anything', toH2c), {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'DELETE' },
    });
    expect(pre.status).toBe(404); // the origin's answer, not a permission from the gateway
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});
