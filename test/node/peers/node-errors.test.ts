// Node's http2 client against serve(): malformed requests the client lets
// through, handlers that fail before and after responding, and clients that
// reset a stream mid-body. The connection must stay usable throughout, and
// nothing a peer does may be logged at error level.
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import type { ServerStream, StreamHandler } from '../../../host/engine/types.js';
import { connect, gate, outcome, pseudoRandom, request, startServer } from '../../helpers/peers.js';

const { NGHTTP2_PROTOCOL_ERROR, NGHTTP2_INTERNAL_ERROR, NGHTTP2_CANCEL } = http2.constants;

/** okHandler reads the request body and answers 200 "ok <path>". */
const okHandler: StreamHandler = async (s) => {
  for await (const _ of s) { /* drain */ }
  s.respond(200, { 'content-type': 'text/plain' });
  await s.end(`ok ${s.path}`);
};

describe('malformed requests through Node\'s client (RFC 9113 §8.1.1: stream error PROTOCOL_ERROR)', () => {
  const cases: Array<[string, http2.OutgoingHttpHeaders, string | null]> = [
    ['DATA shorter than content-length', { ':method': 'POST', ':path': '/', 'content-length': '10' }, 'abc'],
    ['DATA longer than content-length', { ':method': 'POST', ':path': '/', 'content-length': '2' }, 'abcdef'],
    ['content-length that is not a number', { ':method': 'POST', ':path': '/', 'content-length': 'abc' }, 'abc'],
    ['content-length with END_STREAM on HEADERS', { ':method': 'GET', ':path': '/', 'content-length': '5' }, null],
    [':path that is not an origin-form', { ':path': 'relative' }, null],
    ['empty :path', { ':path': '' }, null],
    ['field value with leading whitespace', { ':path': '/', 'x-a': ' lead' }, null],
  ];

  it.each(cases)('%s → RST_STREAM PROTOCOL_ERROR, and the connection goes on', async (_name, headers, body) => {
    const server = await startServer({ stream: okHandler });
    const session = await connect(server.origin);
    const req = session.request(headers, { endStream: body === null });
    if (body !== null) req.end(body);
    const o = await outcome(req);
    expect(o.status).toBeNull();
    expect(o.rstCode).toBe(NGHTTP2_PROTOCOL_ERROR);
    expect(o.error?.code).toBe('ERR_HTTP2_STREAM_ERROR');
    // A stream error leaves the connection open (RFC 9113 §5.4.2).
    const next = await request(session, '/after');
    expect([next.status, next.body.toString()]).toEqual([200, 'ok /after']);
    expect(session.destroyed).toBe(false);
    expect(server.logs.errors()).toEqual([]);
  });
});

describe('handler failures', () => {
  it('a handler that throws before responding gives 500; the server keeps serving', async () => {
    const server = await startServer({
      stream: (s) => {
        if (s.path === '/throw') throw new Error('boom (sync)');
        if (s.path === '/reject') return Promise.reject(new Error('boom (async)'));
        return okHandler(s);
      },
    });
    const session = await connect(server.origin);
    const a = await request(session, '/throw');
    const b = await request(session, '/reject');
    const c = await request(session, '/fine');
    expect([a.status, a.body.toString()]).toEqual([500, 'internal server error\n']);
    expect([b.status, b.body.toString()]).toEqual([500, 'internal server error\n']);
    expect([c.status, c.body.toString()]).toEqual([200, 'ok /fine']);
    // A handler's own failure is the server operator's business: one error line each.
    expect(server.logs.errors().map((l) => [l.message, l.context?.path])).toEqual([['handler failed', '/throw'], ['handler failed', '/reject']]);
  });

  it('a handler that fails after respond() gives RST_STREAM INTERNAL_ERROR; the connection goes on', async () => {
    const server = await startServer({
      stream: async (s) => {
        if (s.path !== '/late') return okHandler(s);
        s.respond(200, { 'content-type': 'text/plain' });
        await s.write('partial ');
        throw new Error('boom after respond');
      },
    });
    const session = await connect(server.origin);
    const o = await outcome(session.request({ ':path': '/late' }));
    expect(o.status).toBe(200);
    expect(o.ended).toBe(false);
    expect(o.rstCode).toBe(NGHTTP2_INTERNAL_ERROR);
    expect(o.error?.code).toBe('ERR_HTTP2_STREAM_ERROR');
    expect(o.error?.message).toContain('NGHTTP2_INTERNAL_ERROR');
    const next = await request(session, '/after');
    expect([next.status, next.body.toString()]).toEqual([200, 'ok /after']);
    expect(server.logs.errors().map((l) => l.message)).toEqual(['handler failed']);
  });
});

/** Observed is what a handler saw when its peer went away. */
interface Observed {
  signalAborted: boolean;
  error: string;
}

describe('client resets a stream mid-body', () => {
  it('during a large download: the handler\'s write() rejects and its signal aborts; nothing logged at error level', async () => {
    const started = gate();
    let observed!: (o: Observed) => void;
    const seen = new Promise<Observed>((resolve) => { observed = resolve; });
    const chunk = new Uint8Array(64 << 10).fill(0x61);
    const server = await startServer({
      stream: async (s: ServerStream) => {
        if (s.path !== '/download') return okHandler(s);
        let aborted = false;
        s.signal.addEventListener('abort', () => { aborted = true; });
        s.respond(200, { 'content-type': 'application/octet-stream' });
        started.open();
        try {
          // Far more than any window: the writer must be stopped by the reset, not by running out.
          for (let i = 0; i < 100_000; i++) await s.write(chunk);
          observed({ signalAborted: aborted, error: 'write() never rejected' });
        } catch (e) {
          observed({ signalAborted: aborted && s.signal.aborted, error: (e as Error).name });
        }
      },
    });
    const session = await connect(server.origin);
    const req = session.request({ ':path': '/download' });
    req.once('data', () => req.close(NGHTTP2_CANCEL));
    const o = await outcome(req);
    await started.promise;
    expect(o.status).toBe(200);
    // (Node ends the readable side of a stream it closed itself, so 'end' says nothing here.)
    expect(o.bytes).toBeLessThan(100_000 * chunk.length);
    expect(await seen).toEqual({ signalAborted: true, error: 'AbortError' });
    const next = await request(session, '/after');
    expect([next.status, next.body.toString()]).toEqual([200, 'ok /after']);
    expect(server.logs.errors()).toEqual([]);
  });

  it('during a large upload: the handler\'s read() rejects and its signal aborts; nothing logged at error level', async () => {
    const gotBody = gate();
    let observed!: (o: Observed & { bytes: number }) => void;
    const seen = new Promise<Observed & { bytes: number }>((resolve) => { observed = resolve; });
    const server = await startServer({
      stream: async (s) => {
        if (s.path !== '/upload') return okHandler(s);
        let bytes = 0;
        try {
          for (;;) {
            const c = await s.read();
            if (c === null) break;
            bytes += c.length;
            gotBody.open();
          }
          observed({ signalAborted: s.signal.aborted, error: 'read() reached the end', bytes });
        } catch (e) {
          observed({ signalAborted: s.signal.aborted, error: (e as Error).name, bytes });
        }
      },
    });
    const session = await connect(server.origin);
    const req = session.request({ ':method': 'POST', ':path': '/upload' });
    // 64 MiB on offer; the client resets once the handler has read something.
    pseudoRandom(1, 64 << 20).pipe(req);
    const o = outcome(req);
    await gotBody.promise;
    req.close(NGHTTP2_CANCEL);
    const r = await o;
    expect(r.status).toBeNull();
    const s = await seen;
    expect({ signalAborted: s.signalAborted, error: s.error }).toEqual({ signalAborted: true, error: 'AbortError' });
    expect(s.bytes).toBeGreaterThan(0);
    expect(s.bytes).toBeLessThan(64 << 20);
    const next = await request(session, '/after', { body: 'x'.repeat(100_000) });
    expect([next.status, next.body.toString()]).toEqual([200, 'ok /after']);
    expect(server.logs.errors()).toEqual([]);
  });
});
