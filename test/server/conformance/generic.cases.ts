// h2spec's "generic" suite: the server accepts every well-formed frame and
// field representation (summerwind/h2spec generic/*.go), one test per case.

import { describe, expect, it } from 'vitest';
import { bytes, type HeadersOptions, CANCEL, NO_ERROR, SETTINGS_ENABLE_PUSH, SETTINGS_HEADER_TABLE_SIZE, SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE } from '../../helpers/raw-h2.js';
import { CASE_TIMEOUT, commonBlockWith, connect, handshake } from './suite.js';

const ZERO_PING = new Uint8Array(8);

/** DataFrame is one DATA frame a case sends: its data, END_STREAM, and the padding length if padded. */
type DataFrame = readonly [data: string, endStream: boolean, padLength?: number];

/** requestsAnswered defines one test per [h2spec case, method, HEADERS options]: the common request
 *  with that method, sent as one HEADERS with END_STREAM, must get a response. */
function requestsAnswered(cases: ReadonlyArray<[name: string, method: string, options: HeadersOptions]>): void {
  it.each(cases)('%s', async (_name, method, options) => {
    const c = await handshake();
    c.headers(1, c.commonHeaders(method), { ...options, endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);
}

/** postsAnswered defines one test per [h2spec case, DATA frames]: a POST whose body goes out as those
 *  DATA frames must get a response. */
function postsAnswered(cases: ReadonlyArray<[name: string, frames: readonly DataFrame[]]>): void {
  it.each(cases)('%s', async (_name, frames) => {
    const c = await handshake();
    c.headers(1, c.commonHeaders('POST'), { endStream: false });
    for (const [data, endStream, padLength] of frames) c.data(1, data, endStream, padLength);
    await c.expectResponse(1);
  }, CASE_TIMEOUT);
}

/** resetThenPing opens stream 1 (half-closed (remote) when `endStream`), resets it, and wants the PING
 *  that follows answered (h2spec also passes a close; we do only under H2SPEC_LENIENT). */
async function resetThenPing(endStream: boolean): Promise<void> {
  const c = await handshake();
  c.headers(1, c.commonHeaders(), { endStream });
  c.rstStream(1, CANCEL);
  c.ping(ZERO_PING);
  await c.expectPingAckOrClose(ZERO_PING);
}

/** genericCases defines h2spec's generic suite, one test per case, against the file's target (useTarget). */
export function genericCases(): void {
  describe('generic/1 Starting HTTP/2', () => {
    it('generic/1 #1: Sends a client connection preface', async () => {
      const c = await connect();
      c.sendPreface();
      // h2spec WaitEvent: the very first frame is the server's SETTINGS (not an ACK).
      const ev = await c.next();
      expect(ev?.kind === 'frame' && ev.frame.type === 'SETTINGS' && !ev.frame.ack, `SETTINGS (flags:0x00) first, got ${ev?.kind === 'frame' ? ev.frame.type : ev?.kind}`).toBe(true);
    }, CASE_TIMEOUT);
  });

  describe('generic/2 Streams and Multiplexing', () => {
    it('generic/2 #1: Sends a PRIORITY frame on idle stream', async () => {
      const c = await handshake();
      c.priority(1, 0, 255);
      c.ping(ZERO_PING);
      await c.expectPingAck(ZERO_PING);
    }, CASE_TIMEOUT);

    it('generic/2 #2: Sends a WINDOW_UPDATE frame on half-closed (remote) stream', async () => {
      const c = await handshake();
      c.settings([[SETTINGS_INITIAL_WINDOW_SIZE, 0]]);
      c.headers(1, c.commonHeaders(), { endStream: true });
      c.windowUpdate(1, 1);
      await c.expectData(1);
    }, CASE_TIMEOUT);

    it('generic/2 #3: Sends a PRIORITY frame on half-closed (remote) stream', async () => {
      const c = await handshake();
      c.settings([[SETTINGS_INITIAL_WINDOW_SIZE, 0]]);
      c.headers(1, c.commonHeaders(), { endStream: true });
      c.priority(1, 0, 255);
      c.windowUpdate(1, 1);
      await c.expectData(1);
    }, CASE_TIMEOUT);

    it('generic/2 #4: Sends a RST_STREAM frame on half-closed (remote) stream', () => resetThenPing(true), CASE_TIMEOUT);

    it('generic/2 #5: Sends a PRIORITY frame on closed stream', async () => {
      const c = await handshake();
      c.headers(1, c.commonHeaders(), { endStream: true });
      await c.expectStreamClose(1);
      c.priority(1, 0, 255);
      c.ping(ZERO_PING);
      await c.expectPingAck(ZERO_PING);
    }, CASE_TIMEOUT);
  });

  describe('generic/3.1 DATA', () => {
    postsAnswered([
      ['generic/3.1 #1: Sends a DATA frame', [['test', true]]],
      ['generic/3.1 #2: Sends multiple DATA frames', [['test', false], ['test', true]]],
      // h2spec WriteDataPadded("test", "padded"): 6 octets of padding.
      ['generic/3.1 #3: Sends a DATA frame with padding', [['test', true, 6]]],
    ]);
  });

  describe('generic/3.2 HEADERS', () => {
    requestsAnswered([
      ['generic/3.2 #1: Sends a HEADERS frame', 'GET', {}],
      ['generic/3.2 #2: Sends a HEADERS frame with padding', 'GET', { padLength: 8 }],
      ['generic/3.2 #3: Sends a HEADERS frame with priority', 'GET', { priority: { exclusive: false, dependency: 0, weight: 256 } }],
    ]);
  });

  describe('generic/3.3 PRIORITY', () => {
    // Each case: a PRIORITY frame (stream, dependency, h2spec's wire weight 0..255, exclusive), then a GET on stream 1 that must be answered.
    it.each<[name: string, streamId: number, dependency: number, weight: number, exclusive: boolean]>([
      ['generic/3.3 #1: Sends a PRIORITY frame with priority 1', 1, 0, 0, false],
      ['generic/3.3 #2: Sends a PRIORITY frame with priority 256', 1, 0, 255, false],
      ['generic/3.3 #3: Sends a PRIORITY frame with stream dependency', 3, 1, 0, false],
      ['generic/3.3 #4: Sends a PRIORITY frame with exclusive', 1, 0, 0, true],
      ['generic/3.3 #5: Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID', 3, 0, 255, false],
    ])('%s', async (_name, streamId, dependency, weight, exclusive) => {
      const c = await handshake();
      c.priority(streamId, dependency, weight, exclusive);
      c.headers(1, c.commonHeaders(), { endStream: true });
      await c.expectResponse(1);
    }, CASE_TIMEOUT);
  });

  describe('generic/3.4 RST_STREAM', () => {
    it('generic/3.4 #1: Sends a RST_STREAM frame', () => resetThenPing(false), CASE_TIMEOUT);
  });

  describe('generic/3.5 SETTINGS', () => {
    it('generic/3.5 #1: Sends a SETTINGS frame', async () => {
      const c = await handshake();
      c.settings([
        [SETTINGS_HEADER_TABLE_SIZE, 4096],
        [SETTINGS_ENABLE_PUSH, 1],
        [SETTINGS_MAX_CONCURRENT_STREAMS, 100],
        [SETTINGS_INITIAL_WINDOW_SIZE, 65535],
        [SETTINGS_MAX_FRAME_SIZE, 16384],
        [SETTINGS_MAX_HEADER_LIST_SIZE, 100],
      ]);
      await c.expectSettingsAck();
    }, CASE_TIMEOUT);
  });

  describe('generic/3.7 PING', () => {
    it('generic/3.7 #1: Sends a PING frame', async () => {
      const c = await handshake();
      const data = c.ping('h2spec');
      await c.expectPingAck(data);
    }, CASE_TIMEOUT);
  });

  describe('generic/3.8 GOAWAY', () => {
    it('generic/3.8 #1: Sends a GOAWAY frame', async () => {
      const c = await handshake();
      c.goaway(0, NO_ERROR, 'h2spec');
      await c.expectClose();
    }, CASE_TIMEOUT);
  });

  describe('generic/3.9 WINDOW_UPDATE', () => {
    it('generic/3.9 #1: Sends a WINDOW_UPDATE frame with stream ID 0', async () => {
      const c = await handshake();
      c.windowUpdate(0, 1);
      c.ping(ZERO_PING);
      await c.expectPingAck();
    }, CASE_TIMEOUT);

    it('generic/3.9 #2: Sends a WINDOW_UPDATE frame with stream ID 1', async () => {
      const c = await handshake();
      c.headers(1, c.commonHeaders(), { endStream: true });
      c.windowUpdate(1, 1);
      await c.expectResponse(1);
    }, CASE_TIMEOUT);
  });

  describe('generic/3.10 CONTINUATION', () => {
    it('generic/3.10 #1: Sends a CONTINUATION frame', async () => {
      const c = await handshake();
      const block = c.encodeHeaders(c.commonHeaders());
      c.headersBlock(1, block.subarray(0, 5), { endStream: true, endHeaders: false });
      c.continuation(1, block.subarray(5), true);
      await c.expectResponse(1);
    }, CASE_TIMEOUT);

    it('generic/3.10 #2: Sends multiple CONTINUATION frames', async () => {
      const c = await handshake();
      const block = c.encodeHeaders(c.commonHeaders());
      expect(block.length).toBeGreaterThan(10);
      c.headersBlock(1, block.subarray(0, 5), { endStream: true, endHeaders: false });
      c.continuation(1, block.subarray(5, 10), false);
      c.continuation(1, block.subarray(10), true);
      await c.expectResponse(1);
    }, CASE_TIMEOUT);
  });

  describe('generic/4 HTTP Message Exchanges', () => {
    requestsAnswered([
      ['generic/4 #1: Sends a GET request', 'GET', {}],
      ['generic/4 #2: Sends a HEAD request', 'HEAD', {}],
    ]);

    postsAnswered([
      ['generic/4 #3: Sends a POST request', [['test', true]]],
    ]);

    it('generic/4 #4: Sends a POST request with trailers', async () => {
      const c = await handshake();
      c.headers(1, [...c.commonHeaders('POST'), ['trailer', 'x-test']], { endStream: false });
      c.data(1, 'test', false);
      c.headers(1, [['x-test', 'ok']], { endStream: true });
      await c.expectResponse(1);
    }, CASE_TIMEOUT);
  });

  describe('generic/5 HPACK', () => {
    // Each case: the common request with one more field representation (h2spec's octets, verbatim: its descriptions
    // and octets do not always agree; the octets are what is sent), after the common fields or before them; it must be answered.
    it.each<[name: string, rep: string, prepend?: boolean]>([
      ['generic/5 #1: Sends a indexed header field representation', '\xba'],
      ['generic/5 #2: Sends a literal header field with incremental indexing - indexed name', '\x40\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4'],
      ['generic/5 #3: Sends a literal header field with incremental indexing - indexed name (with Huffman coding)', '\x40\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63'],
      ['generic/5 #4: Sends a literal header field with incremental indexing - new name', '\x40\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63'],
      ['generic/5 #5: Sends a literal header field with incremental indexing - new name (with Huffman coding)', '\x40\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4'],
      ['generic/5 #6: Sends a literal header field without indexing - indexed name', '\x00\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63'],
      ['generic/5 #7: Sends a literal header field without indexing - indexed name (with Huffman coding)', '\x00\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4'],
      ['generic/5 #8: Sends a literal header field without indexing - new name', '\x00\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63'],
      ['generic/5 #9: Sends a literal header field without indexing - new name (huffman encoded)', '\x00\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4'],
      ['generic/5 #10: Sends a literal header field never indexed - indexed name', '\x10\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63'],
      ['generic/5 #11: Sends a literal header field never indexed - indexed name (huffman encoded)', '\x10\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4'],
      ['generic/5 #12: Sends a literal header field never indexed - new name', '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4'],
      ['generic/5 #13: Sends a literal header field never indexed - new name (huffman encoded)', '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4'],
      ['generic/5 #14: Sends a dynamic table size update', '\x20', true],
      ['generic/5 #15: Sends multiple dynamic table size update', '\x20\x3f\xe1\x1f', true],
    ])('%s', async (_name, rep, prepend) => {
      const c = await handshake();
      c.headersBlock(1, commonBlockWith(c, bytes(rep), prepend), { endStream: true });
      await c.expectResponse(1);
    }, CASE_TIMEOUT);
  });
}
