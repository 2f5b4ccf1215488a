// Our client against node:http2 servers that misbehave or end things early:
// an abort (RST_STREAM CANCEL seen by the server), a server that never reads
// our 10 MB body, GOAWAY with requests in flight on both sides of its
// last-stream-id, REFUSED_STREAM (retried once), a socket destroyed mid-response.
// Every wait is bounded: a wedge fails the test with what did not settle.
import * as http2 from 'node:http2';
import { describe, expect, it } from 'vitest';
import { H2Error } from '../../host/node/index.js';
import { deterministicBytes } from '../helpers/external-servers.js';
import { openSession, readAll, startNodePeer, within } from '../helpers/node-h2-peer.js';

const CANCEL = http2.constants.NGHTTP2_CANCEL;
const REFUSED = http2.constants.NGHTTP2_REFUSED_STREAM;

describe('adversarial node:http2 servers', () => {
  it('an abort before the response head resets the stream with CANCEL; the fetch rejects with the abort reason', async () => {
    const peer = await startNodePeer(() => { /* never answers */ });
    const session = await openSession(peer.origin);
    const ac = new AbortController();
    const pending = session.fetch('/hang', { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 50));
    ac.abort(new Error('changed my mind'));
    await expect(within(pending, 5000, 'aborted fetch')).rejects.toThrow('changed my mind');
    expect((await peer.waitEnded('/hang')).rstCode).toBe(CANCEL);
  });

  it('an abort while the body streams resets with CANCEL and errors the body reader', async () => {
    const peer = await startNodePeer((stream) => {
      stream.respond({ ':status': 200 });
      stream.write(Buffer.alloc(1000, 1)); // and never ends
    });
    const session = await openSession(peer.origin);
    const ac = new AbortController();
    const res = await within(session.fetch('/stream', { signal: ac.signal }), 5000, 'head');
    const reader = res.body!.getReader();
    expect((await within(reader.read(), 5000, 'first chunk')).value!.length).toBeGreaterThan(0);
    ac.abort();
    await expect(within(reader.read(), 5000, 'read after abort')).rejects.toMatchObject({ name: 'AbortError' });
    expect((await peer.waitEnded('/stream')).rstCode).toBe(CANCEL);
  });

  it('a server that answers at once and never reads our 10 MB body: the response arrives whole, the session serves the next request', async () => {
    const peer = await startNodePeer((stream, headers) => {
      if (headers[':path'] === '/next') {
        stream.respond({ ':status': 200 });
        stream.end('next');
        return;
      }
      stream.pause(); // never read
      stream.respond({ ':status': 413 });
      stream.end('too big, not reading');
    });
    const session = await openSession(peer.origin);
    const res = await within(session.fetch('/upload', { method: 'POST', body: deterministicBytes(10 * 1000 * 1000, 2) }), 10_000, 'early response');
    expect(res.status).toBe(413);
    expect(await within(res.text(), 10_000, 'early response body')).toBe('too big, not reading');
    const next = await within(session.fetch('/next'), 10_000, 'the next request');
    expect(await next.text()).toBe('next');
  });

  it('a server that never reads our 10 MB body and never answers: aborting frees the session for the next request', async () => {
    const peer = await startNodePeer((stream, headers) => {
      if (headers[':path'] === '/next') {
        stream.respond({ ':status': 200 });
        stream.end('next');
        return;
      }
      stream.pause();
    });
    const session = await openSession(peer.origin);
    const ac = new AbortController();
    const upload = session.fetch('/upload', { method: 'POST', body: deterministicBytes(10 * 1000 * 1000, 3), signal: ac.signal });
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    await expect(within(upload, 5000, 'aborted upload')).rejects.toMatchObject({ name: 'AbortError' });
    expect((await peer.waitEnded('/upload')).rstCode).toBe(CANCEL);
    // The connection window the stalled upload held is not needed by a GET, but the session must not be wedged.
    const next = await within(session.fetch('/next'), 10_000, 'the next request');
    expect(await next.text()).toBe('next');
    // And another upload still gets through (the connection-level send window was not lost).
    const peerEcho = await within(session.fetch('/next', { method: 'POST', body: deterministicBytes(200_000, 4) }), 10_000, 'a POST after');
    expect(peerEcho.status).toBe(200);
    await peerEcho.arrayBuffer();
  });

  it('GOAWAY with requests in flight: those at or below last-stream-id complete, those above are retried on a new connection', async () => {
    const held: http2.ServerHttp2Stream[] = [];
    let goawaySent = false;
    const peer = await startNodePeer((stream, _headers, session) => {
      if (goawaySent || session !== peerRef.sessions[0]) {
        stream.respond({ ':status': 200 });
        stream.end(`fresh ${stream.id}`);
        return;
      }
      held.push(stream);
      if (held.length === 4) {
        goawaySent = true;
        // Streams 1 and 3 were processed; 5 and 7 were not (RFC 9113 §6.8).
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, 3);
        setTimeout(() => {
          for (const s of held.slice(0, 2)) { s.respond({ ':status': 200 }); s.end(`first ${s.id}`); }
        }, 50);
      }
    });
    const peerRef = peer;
    const session = await openSession(peer.origin);
    const texts = await within(Promise.all([0, 1, 2, 3].map(async (i) => (await session.fetch(`/r${i}`)).text())), 10_000, 'four requests across a GOAWAY');
    expect(texts.slice(0, 2)).toEqual(['first 1', 'first 3']);
    expect(texts.slice(2)).toEqual([expect.stringMatching(/^fresh \d+$/), expect.stringMatching(/^fresh \d+$/)]);
    expect(peer.sessions.length).toBe(2);
    // The next request goes to the new connection too.
    expect(await (await session.fetch('/after')).text()).toMatch(/^fresh/);
    expect(peer.sessions.length).toBe(2);
  });

  it('a graceful close of the server session (GOAWAY, then close) mid-flight: the request in flight completes, the next one opens a new connection', async () => {
    let first = true;
    const peer = await startNodePeer((stream, _headers, session) => {
      if (first) {
        first = false;
        session.close(); // GOAWAY(last-stream-id = 1); the stream in flight may finish
        setTimeout(() => { stream.respond({ ':status': 200 }); stream.end('finished after GOAWAY'); }, 50);
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end('new connection');
    });
    const session = await openSession(peer.origin);
    expect(await within((await session.fetch('/one')).text(), 10_000, 'in-flight request')).toBe('finished after GOAWAY');
    expect(await within((await session.fetch('/two')).text(), 10_000, 'request after GOAWAY')).toBe('new connection');
    expect(peer.sessions.length).toBe(2);
  });

  it('REFUSED_STREAM is retried once (a replayable body too); a second refusal fails with H2Error REFUSED_STREAM', async () => {
    const tries = new Map<string, number>();
    const peer = await startNodePeer((stream, headers) => {
      const path = String(headers[':path']);
      const n = (tries.get(path) ?? 0) + 1;
      tries.set(path, n);
      if (path === '/always' || n === 1) {
        stream.close(REFUSED);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => { stream.respond({ ':status': 200 }); stream.end(`try ${n}: ${Buffer.concat(chunks).length} bytes`); });
    });
    const session = await openSession(peer.origin);
    expect(await within((await session.fetch('/once')).text(), 5000, 'GET refused once')).toBe('try 2: 0 bytes');
    expect(await within((await session.fetch('/post', { method: 'POST', body: 'hello' })).text(), 5000, 'POST refused once')).toBe('try 2: 5 bytes');
    const failure = await within(session.fetch('/always').then(() => null, (e: unknown) => e), 5000, 'GET always refused');
    expect(failure).toBeInstanceOf(H2Error);
    expect((failure as H2Error).code).toBe(REFUSED);
    expect(tries.get('/always')).toBe(2);
    // A one-shot body (a stream) cannot be sent again: the refusal is the answer.
    tries.delete('/post');
    const oneShot = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new Uint8Array([1, 2, 3])); c.close(); } });
    const f2 = await within(session.fetch('/post', { method: 'POST', body: oneShot }).then(() => null, (e: unknown) => e), 5000, 'one-shot POST refused');
    expect((f2 as H2Error).code).toBe(REFUSED);
  });

  it('the server destroys the socket mid-response: the body errors with an H2Error, no hang, and the session reconnects', async () => {
    const peer = await startNodePeer((stream, headers) => {
      if (headers[':path'] === '/cut') {
        stream.respond({ ':status': 200, 'content-length': '1000000' });
        stream.write(Buffer.alloc(100_000, 7), () => setTimeout(() => peer.sockets[0].destroy(), 20));
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end('fine');
    });
    const session = await openSession(peer.origin);
    const res = await within(session.fetch('/cut'), 5000, 'head');
    expect(res.status).toBe(200);
    const failure = await within(readAll(res).then(() => null, (e: unknown) => e), 5000, 'body of a cut response');
    expect(failure).toBeInstanceOf(H2Error);
    expect(await within((await session.fetch('/after')).text(), 5000, 'request after the cut')).toBe('fine');
    expect(peer.sessions.length).toBe(2);
  });
});
