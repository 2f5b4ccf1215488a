// The gateway with its ORIGIN_SESSION Durable Object bound (in workerd through
// miniflare): one HTTP/2 session to the origin kept by the object and shared by
// every request, where the plain gateway opens one per request.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { createClient } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-web';
import { startWorker } from './bundle.js';
import { startGrpcOrigin, startH2cOrigin, type Origin } from './origins.js';
import { Greeter } from './greeter-desc.js';
import { getOnce } from './http-once.js';

let h2c: Origin & { sessions: number };
let grpcOrigin: Origin;
const workers: Miniflare[] = [];
let toH2c: URL;
let toGrpc: URL;

const withObject = { durableObjects: { ORIGIN_SESSION: 'OriginSession' } };

beforeAll(async () => {
  h2c = await startH2cOrigin();
  grpcOrigin = await startGrpcOrigin();
  const a = await startWorker('host/edge/gateway.ts', { ORIGIN: `h2c://127.0.0.1:${h2c.port}` }, withObject);
  const b = await startWorker('host/edge/gateway.ts', { ORIGIN: `h2c://127.0.0.1:${grpcOrigin.port}` }, withObject);
  workers.push(a.mf, b.mf);
  toH2c = a.url;
  toGrpc = b.url;
});

afterAll(async () => {
  for (const mf of workers) await mf.dispose();
  await h2c?.close();
  await grpcOrigin?.close();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('the gateway with the ORIGIN_SESSION Durable Object', () => {
  it('serves sequential and concurrent requests over one HTTP/2 session', async () => {
    const before = h2c.sessions;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(new URL(`/hello?i=${i}`, toH2c));
      expect(await res.text()).toBe('hello from node:http2\n');
    }
    const bodies = Array.from({ length: 20 }, () => randomBytes(20 * 1024));
    const echoed = await Promise.all(bodies.map(async (body) => {
      const res = await fetch(new URL('/echo', toH2c), { method: 'POST', body });
      return sha(new Uint8Array(await res.arrayBuffer()));
    }));
    expect(echoed).toEqual(bodies.map(sha));
    expect(h2c.sessions - before).toBe(1);
  });

  it('opens a new session after the origin sent GOAWAY', async () => {
    const before = h2c.sessions;
    await getOnce(new URL('/goaway', toH2c));
    const res = await getOnce(new URL('/hello', toH2c));
    expect(res).toEqual({ status: 200, body: 'hello from node:http2\n' });
    expect(h2c.sessions - before).toBe(1);
  });

  it('bridges gRPC-web calls to grpc-js, many at once on the one session', async () => {
    const client = createClient(Greeter, createGrpcWebTransport({ baseUrl: toGrpc.href.replace(/\/$/, ''), useBinaryFormat: true })) as unknown as {
      sayHello(r: { name: string }): Promise<{ message: string }>;
      countTo(r: { n: number }): AsyncIterable<{ i: number }>;
    };
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => client.sayHello({ name: `n${i}` })));
    expect(replies.map((r) => r.message)).toEqual(Array.from({ length: 30 }, (_, i) => `hello n${i}`));
    const seen: number[] = [];
    for await (const r of client.countTo({ n: 3 })) seen.push(r.i);
    expect(seen).toEqual([1, 2, 3]);
  });
});
