// demoApp over HTTP/1.1: createHttp1Server({ stream: demoApp() }) with Node's client and curl.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoApp } from '../../host/node/demo-app.js';
import { createHttp1Server } from '../../host/node/http1.js';
import { curl, listenPlain, request, type Listener } from '../helpers/http1.js';

let root: string;
let listener: Listener;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'h2wasm-demo-'));
  await writeFile(join(root, 'page.html'), '<p>page</p>\n');
  listener = await listenPlain(createHttp1Server({ stream: demoApp({ root }) }));
});
afterAll(async () => {
  await listener.close();
  await rm(root, { recursive: true, force: true });
});

describe('demoApp over HTTP/1.1 (Node client)', () => {
  it('GET / and HEAD /', async () => {
    const get = await request(listener.port, '/');
    expect([get.status, get.headers['content-type'], get.headers['content-length'], get.body.toString()]).toEqual([200, 'text/plain', '12', 'hello world\n']);
    const head = await request(listener.port, '/', { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, '12', 0]);
  });

  it('/echo echoes each chunk before the request ends (full duplex)', async () => {
    const req = http.request({ host: '127.0.0.1', port: listener.port, path: '/echo', method: 'POST', agent: false, headers: { 'content-type': 'text/plain', 'x-hello': 'there' } });
    req.write('first chunk;');
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    expect(res.headers['x-echo-x-hello']).toBe('there');
    expect(res.headers['content-type']).toBe('text/plain');
    const [first] = (await once(res, 'data')) as [Buffer];
    expect(first.toString()).toBe('first chunk;');
    const rest: Buffer[] = [];
    res.on('data', (c: Buffer) => rest.push(c));
    req.end('second');
    await once(res, 'end');
    expect(Buffer.concat(rest).toString()).toBe('second');
  });

  it('/bytes sends n bytes', async () => {
    const n = (1 << 20) + 3;
    const reply = await request(listener.port, `/bytes?n=${n}`);
    expect(reply.headers['content-length']).toBe(String(n));
    expect(reply.body.length).toBe(n);
    expect(reply.body.every((b, k) => b === (k & 0xff))).toBe(true);
  });

  it('/trailers ends a chunked body with x-checksum', async () => {
    const reply = await request(listener.port, '/trailers');
    expect(reply.headers['transfer-encoding']).toBe('chunked');
    expect(reply.trailers['x-checksum']).toBe(createHash('sha256').update(reply.body).digest('hex'));
  });

  it('serves files from the root, 404 elsewhere, 405 for POST', async () => {
    const page = await request(listener.port, '/page.html');
    expect([page.status, page.headers['content-type'], page.body.toString()]).toEqual([200, 'text/html; charset=utf-8', '<p>page</p>\n']);
    expect((await request(listener.port, '/missing')).status).toBe(404);
    const post = await request(listener.port, '/page.html', { method: 'POST', body: ['x'] });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });
});

describe('demoApp over HTTP/1.1 (curl --http1.1)', () => {
  it('GET /', async () => {
    const out = await curl('--http1.1', '-i', `http://127.0.0.1:${listener.port}/`);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).toMatch(/\r\ncontent-length: 12\r\n/i);
    expect(out.endsWith('\r\n\r\nhello world\n')).toBe(true);
  });

  it('POST /echo with a body', async () => {
    expect(await curl('--http1.1', '--data-binary', 'ping', `http://127.0.0.1:${listener.port}/echo`)).toBe('ping');
  });

  it('/trailers, with the trailer in the response head output', async () => {
    const out = await curl('--http1.1', '-i', `http://127.0.0.1:${listener.port}/trailers`);
    const body = out.slice(out.indexOf('\r\n\r\n') + 4).replace(/x-checksum: [0-9a-f]{64}\r\n(\r\n)?$/i, '');
    expect(out).toMatch(new RegExp(`x-checksum: ${createHash('sha256').update(body, 'latin1').digest('hex')}`, 'i'));
  });
});
