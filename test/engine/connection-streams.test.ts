// Request and response life in ServerConnection: trailers both ways,
// content-length checks, handler failures (500 or RST_STREAM INTERNAL_ERROR,
// one error log line each) and peer resets (no log line).

import { describe, expect, it } from 'vitest';
import { H2_PROTOCOL_ERROR, H2_INTERNAL_ERROR, H2_CANCEL, H2_NO_ERROR, H2_STREAM_CLOSED, H2_FLOW_CONTROL_ERROR } from '../../assembly/abi.js';
import type { ServerStream } from '../../host/engine/types.js';
import { CODECS } from '../helpers/codecs.js';
import { EngineHarness, DEFAULT_REQUEST, useFakeEngineTimers } from '../helpers/engine.js';

useFakeEngineTimers();

const POST: Array<[string, string]> = [[':method', 'POST'], [':scheme', 'https'], [':path', '/upload'], [':authority', 'example.com']];

async function readAll(s: ServerStream): Promise<string> {
  let text = '';
  for await (const chunk of s) text += new TextDecoder().decode(chunk);
  return text;
}

describe.each(CODECS)('trailers (%s)', (codec) => {
  it('request trailers reach the handler after the body; response trailers follow the last DATA', async () => {
    const seen: Array<unknown> = [];
    const h = await EngineHarness.open(codec, {
      handler: async (s) => {
        const body = await readAll(s);
        seen.push(body, s.trailers);
        await s.end(`got ${body}`, { 'X-Checksum': 'abc', 'grpc-status': 0 });
      },
    });
    h.request(1, POST, { endStream: false, extra: [['te', 'trailers']] });
    h.data(1, 'hello ');
    h.data(1, 'world');
    h.send(h.headersFrame(1, [['x-request-checksum', '42']], true));
    await h.settle();
    expect(seen[0]).toBe('hello world');
    expect(seen[1]).toEqual([['x-request-checksum', '42']]);
    const kinds = h.framesFor(1).map((f) => `${f.type}${(f as { endStream?: boolean }).endStream ? '+ES' : ''}`);
    expect(kinds).toEqual(['HEADERS', 'DATA', 'HEADERS+ES']);
    expect(h.wantStatus(1, 200).map(([n]) => n)).toEqual([':status', 'date']);
    expect(h.textFor(1)).toBe('got hello world');
    expect(h.wantHeaders(1, 1)).toEqual([['x-checksum', 'abc'], ['grpc-status', '0']]);
    expect(h.conn.streamCount).toBe(0);
    h.wantClean();
  });

  it('trailers with no body: HEADERS, then trailers with END_STREAM', async () => {
    const h = await EngineHarness.open(codec, { handler: async (s) => { await s.end(null, [['x-t', '1']]); } });
    h.request(1);
    await h.settle();
    const kinds = h.framesFor(1).map((f) => `${f.type}${(f as { endStream?: boolean }).endStream ? '+ES' : ''}`);
    expect(kinds).toEqual(['HEADERS', 'HEADERS+ES']);
    expect(h.wantHeaders(1, 1)).toEqual([['x-t', '1']]);
  });

  it('trailers wait for a body held back by flow control', async () => {
    const h = await EngineHarness.open(codec, {
      settings: [[0x4, 5]],
      handler: async (s) => { await s.end('0123456789', { 'x-t': '1' }); },
    });
    h.request(1);
    await h.settle();
    expect(h.framesFor(1).map((f) => f.type)).toEqual(['HEADERS', 'DATA']);
    h.windowUpdate(1, 5);
    await h.settle();
    expect(h.framesFor(1).map((f) => f.type)).toEqual(['HEADERS', 'DATA', 'DATA', 'HEADERS']);
    expect(h.textFor(1)).toBe('0123456789');
    expect(h.endedStream(1)).toBe(true);
  });

  it('request trailers with a pseudo-header are malformed: RST_STREAM PROTOCOL_ERROR', async () => {
    let failure: unknown = null;
    const h = await EngineHarness.open(codec, {
      handler: async (s) => { await readAll(s).catch((e: unknown) => { failure = e; }); },
    });
    h.request(1, POST, { endStream: false });
    h.data(1, 'x');
    h.send(h.headersFrame(1, [[':path', '/other']], true));
    await h.settle();
    h.wantRst(1, H2_PROTOCOL_ERROR);
    expect(failure).toMatchObject({ code: H2_PROTOCOL_ERROR });
    h.noGoaway();
  });
});

describe.each(CODECS)('content-length (%s)', (codec) => {
  const withLength = (n: number): Array<[string, string]> => [...POST, ['content-length', String(n)]];

  it('less DATA than content-length: RST_STREAM PROTOCOL_ERROR and the handler read rejects', async () => {
    let failure: unknown = null;
    const h = await EngineHarness.open(codec, {
      handler: async (s) => { await readAll(s).catch((e: unknown) => { failure = e; }); },
    });
    h.request(1, withLength(10), { endStream: false });
    h.data(1, '12345', true);
    await h.settle();
    h.wantRst(1, H2_PROTOCOL_ERROR);
    expect(failure).toMatchObject({ code: H2_PROTOCOL_ERROR });
    expect(h.conn.streamCount).toBe(0);
    h.noGoaway();
    h.wantClean();
  });

  it('more DATA than content-length: RST_STREAM PROTOCOL_ERROR', async () => {
    const h = await EngineHarness.open(codec);
    h.request(1, withLength(3), { endStream: false });
    h.data(1, '12345', true);
    await h.settle();
    h.wantRst(1, H2_PROTOCOL_ERROR);
    h.noGoaway();
  });

  it('content-length on a HEADERS with END_STREAM: RST_STREAM PROTOCOL_ERROR and no handler', async () => {
    const h = await EngineHarness.open(codec);
    h.request(1, withLength(4), { endStream: true });
    await h.settle();
    h.wantRst(1, H2_PROTOCOL_ERROR);
    expect(h.streams.size).toBe(0);
  });

  it('the exact length is accepted', async () => {
    const h = await EngineHarness.open(codec, { handler: async (s) => { await s.end(await readAll(s)); } });
    h.request(1, withLength(5), { endStream: false });
    h.data(1, '12');
    h.data(1, '345', true);
    await h.settle();
    expect(h.textFor(1)).toBe('12345');
    h.noRst(1);
  });
});

describe.each(CODECS)('handler failures (%s)', (codec) => {
  it('a handler that throws before responding: 500, one error log line', async () => {
    const h = await EngineHarness.open(codec, { handler: () => { throw new Error('boom'); } });
    h.request(1);
    await h.settle();
    h.wantStatus(1, 500);
    expect(h.endedStream(1)).toBe(true);
    h.noRst(1);
    const errors = h.logsAt('error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toBe('handler failed');
    expect(errors[0].context).toMatchObject({ stream: 1, method: 'GET', path: '/' });
    expect(String(errors[0].context?.error)).toContain('boom');
  });

  it('a handler whose promise rejects before responding: 500, one error log line', async () => {
    const h = await EngineHarness.open(codec, {
      handler: async () => {
        await Promise.resolve();
        throw new Error('async boom');
      },
    });
    h.request(1);
    h.request(3);
    await h.settle();
    h.wantStatus(1, 500);
    h.wantStatus(3, 500);
    expect(h.logsAt('error').map((l) => l.context?.stream)).toEqual([1, 3]);
  });

  it('a handler that fails after respond(): RST_STREAM INTERNAL_ERROR, one error log line', async () => {
    const h = await EngineHarness.open(codec, {
      handler: async (s) => {
        s.respond(200);
        await s.write('partial');
        throw new Error('late boom');
      },
    });
    h.request(1);
    await h.settle();
    h.wantStatus(1, 200);
    h.wantRst(1, H2_INTERNAL_ERROR);
    expect(h.endedStream(1)).toBe(false);
    expect(h.logsAt('error')).toHaveLength(1);
    expect(h.conn.streamCount).toBe(0);
    h.wantClean();
  });

  it('a peer reset: the handler sees it (signal, read rejects) and no log line, no RST back', async () => {
    let failure: unknown = null;
    let aborted = false;
    const h = await EngineHarness.open(codec, {
      handler: async (s) => {
        s.signal.addEventListener('abort', () => { aborted = true; });
        try {
          await readAll(s);
        } catch (e) {
          failure = e;
          throw e; // a handler that lets the reset propagate is not at fault
        }
      },
    });
    h.request(1, POST, { endStream: false });
    await h.settle();
    h.send({ type: 'RST_STREAM', streamId: 1, errorCode: H2_CANCEL });
    await h.settle();
    expect(failure).toMatchObject({ code: H2_CANCEL });
    expect(aborted).toBe(true);
    expect(h.logs.filter((l) => l.level === 'error')).toEqual([]);
    expect(h.framesFor(1)).toEqual([]);
    h.noGoaway();
    h.wantClean();
  });

  it('a peer reset after respond(): writes reject, nothing more is sent on the stream, no log line', async () => {
    let stream: ServerStream | null = null;
    const h = await EngineHarness.open(codec, {
      settings: [[0x4, 0]],
      handler: async (s) => {
        stream = s;
        s.respond(200);
        await s.write('held by the window');
      },
    });
    h.request(1);
    await h.settle();
    h.send({ type: 'RST_STREAM', streamId: 1, errorCode: H2_CANCEL });
    await h.settle();
    await expect(stream!.write('more')).rejects.toMatchObject({ code: H2_CANCEL });
    h.send({ type: 'SETTINGS', settings: [[0x4, 65535]] });
    await h.settle();
    expect(h.framesFor(1).map((f) => f.type)).toEqual(['HEADERS']);
    expect(h.logsAt('error')).toEqual([]);
    h.wantClean();
  });

  it('a complete response (HEADERS and DATA) before the request body ends leaves the stream half-closed (local): the late body is discarded with its credit returned, END_STREAM closes it, no RST_STREAM (RFC 9113 §8.1)', async () => {
    const h = await EngineHarness.open(codec, { handler: async (s) => { await s.end('no thanks'); } });
    h.request(1, POST, { endStream: false });
    await h.settle();
    h.wantStatus(1, 200);
    expect(h.textFor(1)).toBe('no thanks');
    expect(h.conn.streamCount).toBe(1);
    const late = new Uint8Array(1000);
    h.data(1, late);
    h.data(1, late, true);
    await h.settle();
    h.noRst(1);
    h.noGoaway();
    expect(h.conn.streamCount).toBe(0);
    h.wantClean();
  });

  it('a complete response (HEADERS with END_STREAM) before the request body ends: a body past 64 KiB gets RST_STREAM NO_ERROR, and DATA after it is ignored', async () => {
    const h = await EngineHarness.open(codec, { handler: (s) => { s.respond(204, {}, true); } });
    h.request(1, POST, { endStream: false });
    await h.settle();
    h.wantStatus(1, 204);
    for (let i = 0; i < 5; i++) h.data(1, new Uint8Array(16384));
    await h.settle();
    h.wantRst(1, H2_NO_ERROR);
    expect(h.conn.streamCount).toBe(0);
    h.data(1, 'late', true);
    await h.settle();
    h.noGoaway();
    h.wantClean();
  });

  it('after a complete early response, the request is still judged: content-length mismatch → RST_STREAM PROTOCOL_ERROR', async () => {
    const h = await EngineHarness.open(codec, { handler: async (s) => { await s.end('early'); } });
    h.request(1, POST, { endStream: false, extra: [['content-length', '10']] });
    await h.settle();
    h.data(1, 'abc', true);
    await h.settle();
    h.wantRst(1, H2_PROTOCOL_ERROR);
    h.noGoaway();
    h.wantClean();
  });

  it('after a complete early response: a second HEADERS without END_STREAM, or trailers with a pseudo-header → RST_STREAM PROTOCOL_ERROR', async () => {
    const h = await EngineHarness.open(codec, { handler: async (s) => { await s.end('early'); } });
    h.request(1, POST, { endStream: false });
    h.request(3, POST, { endStream: false });
    await h.settle();
    h.send(h.headersFrame(1, [['x-trailer', '1']], false));
    h.send(h.headersFrame(3, [[':path', '/x']], true));
    await h.settle();
    h.wantRst(1, H2_PROTOCOL_ERROR);
    h.wantRst(3, H2_PROTOCOL_ERROR);
    h.noGoaway();
    h.wantClean();
  });

  it('after a complete early response: the peer\'s RST_STREAM closes the stream, and DATA after it is a stream error STREAM_CLOSED (RFC 9113 §5.1)', async () => {
    const h = await EngineHarness.open(codec, { handler: async (s) => { await s.end('early'); } });
    h.request(1, POST, { endStream: false });
    await h.settle();
    h.send({ type: 'RST_STREAM', streamId: 1, errorCode: H2_CANCEL });
    await h.settle();
    h.noRst(1);
    h.data(1, 'after reset');
    await h.settle();
    h.wantRst(1, H2_STREAM_CLOSED);
    h.wantClean();
  });

  it('after a complete early response: a WINDOW_UPDATE past 2^31-1 on the stream → RST_STREAM FLOW_CONTROL_ERROR', async () => {
    const h = await EngineHarness.open(codec, { handler: async (s) => { await s.end('early'); } });
    h.request(1, POST, { endStream: false });
    await h.settle();
    h.windowUpdate(1, 0x7fffffff);
    await h.settle();
    h.wantRst(1, H2_FLOW_CONTROL_ERROR);
    h.wantClean();
  });

  it('a handler that reads after its response is complete gets an error, not a silently short body', async () => {
    let readError: unknown = null;
    const h = await EngineHarness.open(codec, {
      handler: async (s) => {
        await s.end('early');
        try {
          await s.read();
        } catch (e) {
          readError = e;
        }
      },
    });
    h.request(1, POST, { endStream: false });
    await h.settle();
    h.data(1, 'tail', true);
    await h.settle();
    expect(readError).toMatchObject({ code: H2_NO_ERROR });
    h.wantClean();
  });

  it('serves the default request a second time on the next stream (HPACK state kept both ways)', async () => {
    const h = await EngineHarness.open(codec, { handler: async (s) => { await s.end(`${s.method} ${s.path} ${s.id}`, { 'x-id': String(s.id) }); } });
    for (const id of [1, 3, 5]) h.request(id, DEFAULT_REQUEST);
    await h.settle();
    for (const id of [1, 3, 5]) {
      expect(h.textFor(id)).toBe(`GET / ${id}`);
      expect(h.wantHeaders(id, 1)).toEqual([['x-id', String(id)]]);
    }
  });
});
