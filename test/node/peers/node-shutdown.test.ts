// server.close() with requests in flight, seen from Node's http2 client and
// from a hand-made client: the double GOAWAY (RFC 9113 §6.8), in-flight
// streams finishing, streams above the final last-stream-id refused, and the
// forced close after shutdownTimeout.
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import type { StreamHandler } from '../../../host/engine/types.js';
import { FRAME, TinyH2, collect, connect, gate, outcome, request, startServer, tcpConnectFails, type Gate } from '../../helpers/peers.js';

/** holdHandler answers /hold only once `release` opens (after telling `entered`); anything else at once. */
function holdHandler(entered: Gate, release: Gate): StreamHandler {
  return async (s) => {
    if (s.path === '/hold') {
      entered.open();
      await release.promise;
    }
    s.respond(200, { 'content-type': 'text/plain' });
    await s.end(`done ${s.path}`);
  };
}

describe('graceful shutdown mid-request', () => {
  it('Node\'s client gets GOAWAY NO_ERROR, the in-flight request completes with 200, and close() resolves', async () => {
    const entered = gate();
    const release = gate();
    const server = await startServer({ stream: holdHandler(entered, release) });
    const session = await connect(server.origin);
    const warm = await request(session, '/warm');
    expect(warm.status).toBe(200);
    const inflight = collect(session.request({ ':path': '/hold' }));
    await entered.promise;

    const goaway = once(session, 'goaway') as Promise<[number, number, Buffer]>;
    let closed = false;
    const closing = server.close().then(() => { closed = true; });
    const [code] = await goaway;
    expect(code).toBe(http2.constants.NGHTTP2_NO_ERROR);
    // The listener is gone: a new connection is refused.
    expect(await tcpConnectFails(server.port)).toBe(true);
    // After GOAWAY Node's client will not open a stream on this session.
    const late = await new Promise<string>((resolve) => {
      try {
        const r = session.request({ ':path': '/late' });
        r.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        r.on('response', () => resolve('response'));
      } catch (e) {
        resolve((e as NodeJS.ErrnoException).code ?? String(e));
      }
    });
    expect(late).toMatch(/^ERR_HTTP2_(GOAWAY_SESSION|INVALID_SESSION|STREAM_CANCEL)$/);
    expect(closed).toBe(false);

    release.open();
    const r = await inflight;
    expect([r.status, r.body.toString()]).toEqual([200, 'done /hold']);
    await closing;
    expect(server.connections).toBe(0);
    expect(server.logs.errors()).toEqual([]);
  });

  it('on the wire: GOAWAY 2^31-1 and PING, then the final GOAWAY; a stream above it is refused; the held one finishes', async () => {
    const entered = gate();
    const release = gate();
    const server = await startServer({ stream: holdHandler(entered, release) });
    const c = await TinyH2.open(server.port);
    c.get(1, '/hold');
    await entered.promise;
    const closing = server.close();

    const isGoaway = (last: number) => (f: { type: number; payload: Buffer }) =>
      f.type === FRAME.GOAWAY && (f.payload.readUInt32BE(0) & 0x7fffffff) === last && f.payload.readUInt32BE(4) === 0;
    await c.waitFor('first GOAWAY (last-stream-id 2^31-1, NO_ERROR)', isGoaway(0x7fffffff));
    await c.waitFor('shutdown PING', (f) => f.type === FRAME.PING && (f.flags & 1) === 0);
    // TinyH2 acknowledged the PING: the final GOAWAY names stream 1.
    await c.waitFor('final GOAWAY (last-stream-id 1, NO_ERROR)', isGoaway(1));

    // RFC 9113 §6.8: streams above the last-stream-id are not processed; REFUSED_STREAM says it is safe to retry.
    c.get(3, '/late');
    const rst = await c.waitFor('RST_STREAM on stream 3', (f) => f.type === FRAME.RST_STREAM && f.stream === 3);
    expect(rst.payload.readUInt32BE(0)).toBe(http2.constants.NGHTTP2_REFUSED_STREAM);
    expect(c.frames.some((f) => f.stream === 3 && f.type === FRAME.HEADERS)).toBe(false);

    release.open();
    await c.waitFor('response HEADERS on stream 1', (f) => f.type === FRAME.HEADERS && f.stream === 1);
    await c.waitFor('END_STREAM on stream 1', (f) => f.stream === 1 && (f.type === FRAME.DATA || f.type === FRAME.HEADERS) && (f.flags & 1) !== 0);
    const body = Buffer.concat(c.frames.filter((f) => f.type === FRAME.DATA && f.stream === 1).map((f) => f.payload)).toString();
    expect(body).toBe('done /hold');
    await closing;
    await c.closed; // the server closed the connection once the stream was done
    expect(server.logs.errors()).toEqual([]);
  });

  it('forced close: after shutdownTimeout a handler that never finishes is cut off; close() resolves and the client stream fails', async () => {
    const entered = gate();
    const never = gate(); // never opened
    const server = await startServer({ stream: holdHandler(entered, never), shutdownTimeout: 200 });
    const session = await connect(server.origin);
    const pending = outcome(session.request({ ':path': '/hold' }));
    await entered.promise;
    const goaway = once(session, 'goaway');
    await server.close();
    await goaway;
    const o = await pending;
    expect(o.status).toBeNull();
    // The stream did not end cleanly: Node reports an error or a non-zero reset code.
    expect(o.error !== null || (o.rstCode ?? 0) !== 0).toBe(true);
    expect(server.connections).toBe(0);
  });
});
