// Node's http2 client against serve(), on both codecs: the demo app over h2c
// and TLS, request bodies that arrive in the same read as their HEADERS,
// response trailers, and request trailers reaching a handler.
import { describe, expect, it } from 'vitest';
import { demoApp } from '../../../host/node/demo-app.js';
import type { StreamHandler } from '../../../host/engine/types.js';
import { CODECS } from '../../helpers/codecs.js';
import { connect, request, sha256, startServer } from '../../helpers/peers.js';

/** syncEcho answers before reading (respond() runs synchronously in the dispatch), then streams the body back. */
const syncEcho: StreamHandler = async (s) => {
  const echoed: Array<[string, string]> = [['content-type', 'application/octet-stream']];
  for (const [name, value] of s.headers) if (!name.startsWith(':')) echoed.push([`x-echo-${name}`, value]);
  s.respond(200, echoed);
  for await (const chunk of s) await s.write(chunk);
  await s.end();
};

/** trailerEcho reads the body, then answers with its sha256 and every request trailer as x-got-<name> response trailers. */
const trailerEcho: StreamHandler = async (s) => {
  const chunks: Uint8Array[] = [];
  for await (const c of s) chunks.push(c);
  const got: Array<[string, string]> = (s.trailers ?? []).map(([n, v]) => [`x-got-${n}`, v]);
  s.respond(200, { 'content-type': 'text/plain', trailer: got.map(([n]) => n).join(', ') || 'x-none' });
  await s.write(sha256(Buffer.concat(chunks)));
  await s.end(null, got.length > 0 ? got : { 'x-none': 'no request trailers' });
};

describe.each(CODECS)('Node http2 client, %s codec', (codec) => {
  it.each([
    { name: 'h2c', tls: undefined },
    { name: 'TLS', tls: 'self-signed' as const },
  ])('demo app over $name: GET /, POST /echo, /bytes, /trailers', async ({ tls }) => {
    const server = await startServer({ stream: demoApp(), codec, tls });
    const session = await connect(server.origin);
    if (tls) expect(session.alpnProtocol).toBe('h2');

    const root = await request(session, '/');
    expect([root.status, root.body.toString()]).toEqual([200, 'hello world\n']);
    expect(root.headers['content-type']).toMatch(/^text\/plain/);

    const body = Buffer.from('node http2 body '.repeat(1000));
    const echo = await request(session, '/echo', { headers: { 'x-custom': 'value-1' }, body });
    expect(echo.status).toBe(200);
    expect(echo.headers['x-echo-x-custom']).toBe('value-1');
    expect(echo.body.equals(body)).toBe(true);

    const bytes = await request(session, '/bytes?n=250000');
    expect([bytes.status, bytes.body.length]).toEqual([200, 250000]);

    const t = await request(session, '/trailers');
    expect(t.status).toBe(200);
    expect(t.body.length).toBeGreaterThan(0);
    expect(t.trailers?.['x-checksum']).toBe(sha256(t.body));

    expect(server.logs.errors()).toEqual([]);
  });

  it('a handler that responds before reading gets the request body intact (HEADERS and DATA in one read)', async () => {
    const server = await startServer({ stream: syncEcho, codec });
    const session = await connect(server.origin);
    for (const body of ['short body\n', 'x'.repeat(5000), Buffer.alloc(100_000, 7)]) {
      const r = await request(session, '/echo', { headers: { 'x-custom': 'value-2', 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(r.status).toBe(200);
      expect(r.headers['x-echo-x-custom']).toBe('value-2');
      expect(r.body.toString('latin1')).toBe(Buffer.from(body).toString('latin1'));
    }
  });

  it('request trailers reach the handler, and its response trailers reach the client', async () => {
    const server = await startServer({ stream: trailerEcho, codec });
    const session = await connect(server.origin);
    const body = Buffer.alloc(40_000, 'q');
    const r = await request(session, '/up', { body, trailers: { 'x-request-checksum': sha256(body), 'x-note': 'sent after the body' } });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(sha256(body));
    expect(r.trailers).toMatchObject({ 'x-got-x-request-checksum': sha256(body), 'x-got-x-note': 'sent after the body' });

    const none = await request(session, '/up', { body: 'no trailers' });
    expect(none.trailers).toMatchObject({ 'x-none': 'no request trailers' });
  });
});
