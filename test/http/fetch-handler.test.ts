// fetchToStreamHandler: a fetch-style handler driven through an in-memory ServerStream.
import { describe, expect, it, vi } from 'vitest';
import { fetchToStreamHandler, type FetchHandler } from '../../host/http/fetch-handler.js';
import { withTrailers } from '../../host/http/trailers.js';
import { FakeStream, settle } from '../helpers/fake-stream.js';
import type { Log } from '../../host/engine/types.js';


function adapter(fetch: FetchHandler): { run(stream: FakeStream): Promise<void>; log: ReturnType<typeof vi.fn> } {
  const log = vi.fn();
  const handler = fetchToStreamHandler(fetch, { log: log as unknown as Log });
  return { run: async (stream) => void (await handler(stream)), log };
}

describe('fetchToStreamHandler: the Request', () => {
  it('builds URL, method and fields from the stream, without pseudo-headers', async () => {
    let seen: Request | undefined;
    let remote = '';
    const { run } = adapter((request, info) => {
      seen = request;
      remote = info.remote;
      return new Response('ok');
    });
    const stream = new FakeStream({ path: '/a/b?x=1', authority: 'example.com:8443', headers: [['accept', 'text/html'], ['x-many', 'a'], ['x-many', 'b']] });
    await run(stream);
    expect(seen!.url).toBe('https://example.com:8443/a/b?x=1');
    expect(seen!.method).toBe('GET');
    expect(seen!.headers.get('accept')).toBe('text/html');
    expect(seen!.headers.get('x-many')).toBe('a, b');
    const names: string[] = [];
    seen!.headers.forEach((_, name) => names.push(name));
    expect(names.some((k) => k.startsWith(':'))).toBe(false);
    expect(seen!.body).toBeNull();
    expect(remote).toBe('127.0.0.1:40000');
  });

  it("joins cookie crumbs with '; ' (RFC 9113 §8.2.3)", async () => {
    let cookie: string | null = null;
    const { run } = adapter((request) => {
      cookie = request.headers.get('cookie');
      return new Response(null, { status: 204 });
    });
    await run(new FakeStream({ headers: [['cookie', 'a=1'], ['accept', '*/*'], ['cookie', 'b=2'], ['cookie', 'c=3']] }));
    expect(cookie).toBe('a=1; b=2; c=3');
  });

  it("falls back to 'localhost' without an authority, and to '/' without a path", async () => {
    const urls: string[] = [];
    const { run } = adapter((request) => {
      urls.push(request.url);
      return new Response(null);
    });
    await run(new FakeStream({ authority: '', scheme: 'http' }));
    await run(new FakeStream({ method: 'OPTIONS', path: '*' }));
    expect(urls).toEqual(['http://localhost/', 'https://localhost/']);
  });

  it('answers 400 when the request cannot be a Request (CONNECT, userinfo in :authority)', async () => {
    const fetch = vi.fn(() => new Response('never'));
    const { run } = adapter(fetch);
    const connect = new FakeStream({ method: 'CONNECT', path: '', authority: 'example.com:443' });
    const userinfo = new FakeStream({ authority: 'user@example.com' });
    const slash = new FakeStream({ authority: 'evil.example/x?' });
    for (const s of [connect, userinfo, slash]) {
      await run(s);
      expect(s.status).toBe(400);
      expect(s.text()).toBe('bad request\n');
    }
    expect(fetch).not.toHaveBeenCalled();
  });

  it('gives the request body on demand: nothing is read before the handler asks', async () => {
    const stream = new FakeStream({ method: 'POST', open: true });
    let request!: Request;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { run } = adapter(async (r) => {
      request = r;
      await gate;
      return new Response(await r.text());
    });
    const done = run(stream);
    stream.push('one ');
    stream.push('two ');
    await settle();
    expect(request.body).not.toBeNull();
    expect(stream.reads).toBe(0);
    release();
    await settle();
    // The handler consumed the two chunks already there and is waiting for the third.
    expect(stream.reads).toBe(3);
    stream.push('three');
    stream.finish();
    await done;
    expect(stream.text()).toBe('one two three');
  });

  it('reads one chunk per pull', async () => {
    const stream = new FakeStream({ method: 'PUT', body: ['a', 'b', 'c'] });
    const { run } = adapter(async (request) => {
      const reader = request.body!.getReader();
      const first = await reader.read();
      await settle();
      const readsAfterFirst = stream.reads;
      await reader.cancel();
      return new Response(`${new TextDecoder().decode(first.value)} ${readsAfterFirst}`);
    });
    await run(stream);
    expect(stream.text()).toBe('a 1');
  });

  it('gives no body to GET even if the stream has one', async () => {
    let body: ReadableStream | null = new ReadableStream();
    const { run } = adapter((request) => {
      body = request.body;
      return new Response('x');
    });
    const stream = new FakeStream({ method: 'GET', body: ['ignored'] });
    await run(stream);
    expect(body).toBeNull();
    expect(stream.reads).toBe(0);
  });

  it('aborts the request signal when the peer resets, and the body read rejects', async () => {
    const stream = new FakeStream({ method: 'POST', open: true });
    let aborted = false;
    let bodyError: unknown;
    const { run, log } = adapter(async (request) => {
      request.signal.addEventListener('abort', () => (aborted = true));
      try {
        await request.text();
      } catch (e) {
        bodyError = e;
        throw e;
      }
      return new Response('never');
    });
    const done = run(stream);
    await settle();
    stream.abort();
    await done;
    expect(aborted).toBe(true);
    expect(bodyError).toBeDefined();
    expect(stream.status).toBeUndefined();
    expect(stream.resetCode).toBeUndefined();
    expect(log).not.toHaveBeenCalled();
  });
});

describe('fetchToStreamHandler: the Response', () => {
  it('sends status, lowercase fields and the body, then ends', async () => {
    const { run } = adapter(() => new Response('hello', { status: 201, headers: { 'Content-Type': 'text/plain', 'X-Thing': 'y' } }));
    const stream = new FakeStream();
    await run(stream);
    expect(stream.status).toBe(201);
    expect(stream.header('content-type')).toBe('text/plain');
    expect(stream.header('x-thing')).toBe('y');
    expect(stream.text()).toBe('hello');
    expect(stream.ended).toBe(true);
    expect(stream.responseTrailers).toBeUndefined();
  });

  it('drops connection-specific fields (RFC 9113 §8.2.2) and keeps each set-cookie separate', async () => {
    const headers = new Headers();
    for (const [n, v] of [
      ['connection', 'close'], ['keep-alive', 'timeout=5'], ['proxy-connection', 'x'], ['transfer-encoding', 'chunked'], ['upgrade', 'h2c'],
      ['set-cookie', 'a=1; Path=/'], ['set-cookie', 'b=2, c=3; Expires=Wed, 21 Oct 2015 07:28:00 GMT'], ['x-ok', '1'],
    ]) headers.append(n, v);
    const { run } = adapter(() => new Response(null, { headers }));
    const stream = new FakeStream();
    await run(stream);
    expect(stream.responseHeaders).toEqual([
      ['x-ok', '1'],
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2, c=3; Expires=Wed, 21 Oct 2015 07:28:00 GMT'],
    ]);
  });

  it('ends with the HEADERS when the body is null', async () => {
    const { run } = adapter(() => new Response(null, { status: 204 }));
    const stream = new FakeStream();
    await run(stream);
    expect(stream.status).toBe(204);
    expect(stream.ended).toBe(true);
    expect(stream.chunks).toEqual([]);
  });

  it('sends no body to HEAD, keeping content-length, and cancels the body', async () => {
    const cancel = vi.fn();
    const { run } = adapter(
      () => new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(10)), cancel }), { headers: { 'content-length': '10' } }),
    );
    const stream = new FakeStream({ method: 'HEAD' });
    await run(stream);
    expect(stream.status).toBe(200);
    expect(stream.header('content-length')).toBe('10');
    expect(stream.chunks).toEqual([]);
    expect(stream.ended).toBe(true);
    await settle();
    expect(cancel).toHaveBeenCalled();
  });

  it('awaits each write: a backed-up stream stops pulling the body', async () => {
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(1024).fill(pulls));
        if (pulls === 100) controller.close();
      },
    });
    const { run } = adapter(() => new Response(body));
    const stream = new FakeStream();
    stream.holdWrites();
    const done = run(stream);
    await settle(20);
    expect(stream.heldWrites).toBe(1);
    expect(pulls).toBeLessThanOrEqual(3);
    stream.releaseWrites();
    await done;
    expect(stream.chunks).toHaveLength(100);
    expect(stream.body().length).toBe(100 * 1024);
    expect(stream.ended).toBe(true);
  });

  it('sends trailers from withTrailers after the body, a function computed once the body is sent', async () => {
    const { run } = adapter(() => {
      let bytes = 0;
      const counted = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('abc')); c.enqueue(new TextEncoder().encode('defg')); c.close(); } })
        .pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(chunk, out) { bytes += chunk.length; out.enqueue(chunk); } }));
      return withTrailers(new Response(counted, { headers: { trailer: 'x-bytes' } }), () => ({ 'X-Bytes': String(bytes) }));
    });
    const stream = new FakeStream();
    await run(stream);
    expect(stream.text()).toBe('abcdefg');
    expect(stream.responseTrailers).toEqual([['x-bytes', '7']]);
    expect(stream.header('trailer')).toBe('x-bytes');
  });

  it('sends trailers after a null body, and none to HEAD', async () => {
    const fetch = () => withTrailers(new Response(null), [['grpc-status', '0']]);
    const { run } = adapter(fetch);
    const get = new FakeStream();
    await run(get);
    expect(get.ended).toBe(true);
    expect(get.responseTrailers).toEqual([['grpc-status', '0']]);
    const head = new FakeStream({ method: 'HEAD' });
    await run(head);
    expect(head.ended).toBe(true);
    expect(head.responseTrailers).toBeUndefined();
  });

  it('stops quietly when the peer resets mid-body, cancelling the body', async () => {
    const cancel = vi.fn();
    let pulls = 0;
    const { run, log } = adapter(
      () => new Response(new ReadableStream<Uint8Array>({ pull: (c) => void (pulls++ < 2 ? c.enqueue(new Uint8Array(4)) : undefined), cancel })),
    );
    const stream = new FakeStream();
    const done = run(stream);
    await settle();
    // The body is now waiting for a chunk that never comes (a long-lived stream).
    expect(stream.chunks).toHaveLength(2);
    stream.abort();
    await done;
    expect(cancel).toHaveBeenCalled();
    expect(stream.resetCode).toBeUndefined();
    expect(log).not.toHaveBeenCalled();
  });

  it('stops quietly when the peer resets while the handler runs', async () => {
    const stream = new FakeStream();
    const { run, log } = adapter(async () => {
      stream.abort();
      return new Response('late');
    });
    await run(stream);
    expect(stream.status).toBeUndefined();
    expect(log).not.toHaveBeenCalled();
  });
});

describe('fetchToStreamHandler: failures', () => {
  const failures: Array<[string, FetchHandler]> = [
    ['throws', () => { throw new Error('boom'); }],
    ['rejects', async () => { throw new Error('boom'); }],
    ['returns a non-Response', () => ({ status: 200 }) as unknown as Response],
    ['returns undefined', () => undefined as unknown as Response],
  ];
  it.each(failures)('answers 500 when the handler %s', async (_, fetch) => {
    const { run, log } = adapter(fetch);
    const stream = new FakeStream();
    await run(stream);
    expect(stream.status).toBe(500);
    expect(stream.header('content-type')).toBe('text/plain');
    expect(stream.text()).toBe('internal server error\n');
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toBe('error');
  });

  it('resets with INTERNAL_ERROR when the body errors after the response started', async () => {
    let n = 0;
    const { run, log } = adapter(
      () => new Response(new ReadableStream({ pull: (c) => (n++ === 0 ? c.enqueue(new Uint8Array(3)) : c.error(new Error('disk gone'))) })),
    );
    const stream = new FakeStream();
    await run(stream);
    expect(stream.status).toBe(200);
    expect(stream.chunks).toHaveLength(1);
    expect(stream.resetCode).toBe(0x2);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('resets with INTERNAL_ERROR when the trailers function throws', async () => {
    const { run } = adapter(() => withTrailers(new Response('body'), () => { throw new Error('no checksum'); }));
    const stream = new FakeStream();
    await run(stream);
    expect(stream.text()).toBe('body');
    expect(stream.resetCode).toBe(0x2);
  });

  it('resets when the body yields something that is not bytes', async () => {
    const { run } = adapter(() => new Response(new ReadableStream({ start(c) { c.enqueue(42); c.close(); } })));
    const stream = new FakeStream();
    await run(stream);
    expect(stream.resetCode).toBe(0x2);
  });
});

describe('fetchToStreamHandler: a Hono-style app', () => {
  // The shape of a Hono app: `fetch` is an arrow property, called unbound, with (request, env).
  class App {
    private readonly routes = new Map<string, (request: Request, env: { remote: string }) => Response | Promise<Response>>();
    get(path: string, route: (request: Request, env: { remote: string }) => Response | Promise<Response>): this {
      this.routes.set(`GET ${path}`, route);
      return this;
    }
    post(path: string, route: (request: Request, env: { remote: string }) => Response | Promise<Response>): this {
      this.routes.set(`POST ${path}`, route);
      return this;
    }
    fetch = (request: Request, env: { remote: string }): Response | Promise<Response> => {
      const route = this.routes.get(`${request.method} ${new URL(request.url).pathname}`);
      return route ? route(request, env) : new Response('404 Not Found', { status: 404 });
    };
  }

  it('runs app.fetch unbound', async () => {
    const app = new App()
      .get('/hello', (_, env) => Response.json({ hello: 'world', from: env.remote }))
      .post('/upper', async (request) => new Response((await request.text()).toUpperCase()));
    const { run } = adapter(app.fetch);
    const hello = new FakeStream({ path: '/hello' });
    await run(hello);
    expect(JSON.parse(hello.text())).toEqual({ hello: 'world', from: '127.0.0.1:40000' });
    expect(hello.header('content-type')).toBe('application/json');
    const upper = new FakeStream({ method: 'POST', path: '/upper', body: ['abc', 'def'] });
    await run(upper);
    expect(upper.text()).toBe('ABCDEF');
    const missing = new FakeStream({ path: '/nope' });
    await run(missing);
    expect(missing.status).toBe(404);
  });
});
