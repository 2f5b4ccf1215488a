// A Hono app served with serve({ fetch: app.fetch }): over h2c, TLS (ALPN h2)
// and HTTP/1.1 on both ports, through Node's clients.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { connect, http1Request, request, startServer } from '../../helpers/peers.js';

function app(): Hono {
  const a = new Hono();
  a.get('/', (c) => c.text('hi'));
  a.post('/json', async (c) => c.json(await c.req.json()));
  return a;
}

const PAYLOAD = { name: 'h2wasm', list: [1, 2, 3], nested: { ok: true, text: 'ünïcødé ✓' } };

describe.each([
  { name: 'h2c', tls: undefined },
  { name: 'TLS', tls: 'self-signed' as const },
])('Hono app over $name', ({ tls }) => {
  it('HTTP/2: GET / and POST /json', async () => {
    const server = await startServer({ fetch: app().fetch, tls });
    const session = await connect(server.origin);
    const hi = await request(session, '/');
    expect([hi.status, hi.body.toString()]).toEqual([200, 'hi']);
    expect(hi.headers['content-type']).toMatch(/^text\/plain/);
    const json = await request(session, '/json', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(PAYLOAD) });
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(json.body.toString())).toEqual(PAYLOAD);
    const missing = await request(session, '/nope');
    expect(missing.status).toBe(404);
    expect(server.logs.errors()).toEqual([]);
  });

  it('HTTP/1.1: GET / and POST /json on the same port', async () => {
    const server = await startServer({ fetch: app().fetch, tls });
    const hi = await http1Request(server.origin, '/');
    expect([hi.httpVersion, hi.status, hi.body.toString()]).toEqual(['1.1', 200, 'hi']);
    const json = await http1Request(server.origin, '/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(PAYLOAD) });
    expect([json.httpVersion, json.status]).toEqual(['1.1', 200]);
    expect(JSON.parse(json.body.toString())).toEqual(PAYLOAD);
    expect(server.connections).toBe(0); // no HTTP/2 connection was made
  });
});

describe('fetch handler failures', () => {
  it('a fetch handler that throws gives 500 and the failure goes to serve()\'s log', async () => {
    const server = await startServer({
      fetch: (req) => {
        if (new URL(req.url).pathname === '/throw') throw new Error('fetch boom');
        return new Response('fine');
      },
    });
    const session = await connect(server.origin);
    const r = await request(session, '/throw');
    expect(r.status).toBe(500);
    const ok = await request(session, '/');
    expect([ok.status, ok.body.toString()]).toEqual([200, 'fine']);
    // ServeOptions.log is "where log lines go"; the fetch adapter's error line belongs there, not on stderr.
    expect(server.logs.errors().map((l) => l.message)).toEqual(['fetch handler failed']);
  });

  it('a stream handler that throws on an HTTP/1.1 request gives 500 and the failure goes to serve()\'s log', async () => {
    const server = await startServer({
      stream: (s) => {
        if (s.path === '/throw') throw new Error('stream boom');
        s.respond(200);
        return s.end('fine');
      },
    });
    const r = await http1Request(server.origin, '/throw');
    expect(r.status).toBe(500);
    const ok = await http1Request(server.origin, '/');
    expect([ok.status, ok.body.toString()]).toEqual([200, 'fine']);
    expect(server.logs.errors().map((l) => l.message)).toEqual(['stream handler failed']);
  });
});
