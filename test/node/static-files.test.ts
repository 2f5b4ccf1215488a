// Static files (demoApp with a root) through an in-memory ServerStream.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { demoApp } from '../../host/node/demo-app.js';
import { contentTypeOf } from '../../host/node/content-types.js';
import type { StreamHandler } from '../../host/engine/types.js';
import { FakeStream, runOnFakeStream, settle, type FakeStreamInit } from '../helpers/fake-stream.js';

let base: string;
let app: StreamHandler;
const big = Uint8Array.from({ length: 200_000 }, (_, k) => (k * 7) & 0xff);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'h2wasm-static-'));
  const root = join(base, 'root');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(join(root, 'empty'));
  await writeFile(join(root, 'index.html'), '<h1>home</h1>\n');
  await writeFile(join(root, 'style.css'), 'body{}\n');
  await writeFile(join(root, 'data.bin'), big);
  await writeFile(join(root, 'blank.txt'), '');
  await writeFile(join(root, 'noext'), 'x');
  await writeFile(join(root, 'sub', 'index.html'), 'sub index\n');
  await writeFile(join(root, 'sub', 'a b.txt'), 'spaced\n');
  await writeFile(join(root, '.env'), 'SECRET=1\n');
  await writeFile(join(base, 'outside.txt'), 'outside\n');
  await symlink(join(base, 'outside.txt'), join(root, 'escape.txt'));
  await symlink(join(root, 'style.css'), join(root, 'inside-link.css'));
  app = demoApp({ root });
});
afterAll(() => rm(base, { recursive: true, force: true }));

const run = (init: FakeStreamInit) => runOnFakeStream(app, init);

describe('static files', () => {
  it('serves a file with its content type and length', async () => {
    const s = await run({ path: '/style.css?v=3' });
    expect([s.status, s.header('content-type'), s.header('content-length'), s.text()]).toEqual([200, 'text/css; charset=utf-8', '7', 'body{}\n']);
  });

  it('keeps / as the hello route, and serves a folder by its index.html', async () => {
    expect((await run({ path: '/' })).text()).toBe('hello world\n');
    expect((await run({ path: '/index.html' })).text()).toBe('<h1>home</h1>\n');
    for (const path of ['/sub', '/sub/']) {
      const s = await run({ path });
      expect([s.status, s.header('content-type'), s.text()]).toEqual([200, 'text/html; charset=utf-8', 'sub index\n']);
    }
  });

  it('decodes %-escapes and follows symlinks that stay inside', async () => {
    expect((await run({ path: '/sub/a%20b.txt' })).text()).toBe('spaced\n');
    expect((await run({ path: '/inside-link.css' })).text()).toBe('body{}\n');
  });

  it('streams a large file in 64 KiB chunks, one write at a time', async () => {
    const stream = new FakeStream({ path: '/data.bin' });
    stream.holdWrites();
    const done = app(stream);
    // The first chunk comes from a file read: wait for it however long the disk takes (bounded).
    await vi.waitFor(() => expect(stream.heldWrites).toBe(1), { timeout: 10_000, interval: 5 });
    await settle(5);
    expect([stream.chunks.length, stream.heldWrites]).toEqual([1, 1]);
    stream.releaseWrites();
    await done;
    expect(stream.header('content-length')).toBe(String(big.length));
    expect(stream.header('content-type')).toBe('application/octet-stream');
    expect(stream.chunks.map((c) => c.length)).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
    expect(Buffer.from(stream.body()).equals(Buffer.from(big))).toBe(true);
  });

  it('answers HEAD with the fields only, and an empty file with an empty body', async () => {
    const head = await run({ method: 'HEAD', path: '/data.bin' });
    expect([head.status, head.header('content-length'), head.chunks.length, head.ended]).toEqual([200, String(big.length), 0, true]);
    const blank = await run({ path: '/blank.txt' });
    expect([blank.status, blank.header('content-length'), blank.chunks.length, blank.ended]).toEqual([200, '0', 0, true]);
  });

  it('answers 404 for what is missing, folders without index.html, and dotfiles', async () => {
    for (const path of ['/missing.txt', '/empty/', '/empty', '/style.css/x', '/.env', '/sub/../.env']) {
      const s = await run({ path });
      expect([path, s.status, s.text()]).toEqual([path, 404, 'not found\n']);
    }
  });

  it('answers 403 to paths and symlinks that leave the root', async () => {
    for (const path of ['/../outside.txt', '/%2e%2e/outside.txt', '/sub/..%2f..%2foutside.txt', '/sub/../../outside.txt', '/escape.txt']) {
      const s = await run({ path });
      expect([path, s.status, s.text()]).toEqual([path, 403, 'forbidden\n']);
    }
  });

  it('answers 400 to malformed escapes and NUL', async () => {
    for (const path of ['/%zz', '/a%00b']) expect((await run({ path })).status).toBe(400);
  });

  it('answers 405 with allow to other methods', async () => {
    const s = await run({ method: 'POST', path: '/style.css', body: ['x'] });
    expect([s.status, s.header('allow')]).toEqual([405, 'GET, HEAD']);
  });
});

describe('contentTypeOf', () => {
  it('looks the extension up, case-insensitively, else application/octet-stream', () => {
    expect(contentTypeOf('/a/b.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('x.wasm')).toBe('application/wasm');
    expect(contentTypeOf('/a.d/noext')).toBe('application/octet-stream');
    expect(contentTypeOf('x.unknown')).toBe('application/octet-stream');
  });
});
