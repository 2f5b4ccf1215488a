// h2spec's "generic" suite: the server accepts every well-formed frame and
// field representation (summerwind/h2spec generic/*.go), one test per case.

import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../host/bytes.js';
import { bytes, CANCEL, NO_ERROR, SETTINGS_ENABLE_PUSH, SETTINGS_HEADER_TABLE_SIZE, SETTINGS_INITIAL_WINDOW_SIZE,
  SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE } from '../../helpers/raw-h2.js';
import { CASE_TIMEOUT, connect, handshake, useTarget } from './suite.js';

useTarget();

const ZERO_PING = new Uint8Array(8);

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

  it('generic/2 #4: Sends a RST_STREAM frame on half-closed (remote) stream', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders(), { endStream: true });
    c.rstStream(1, CANCEL);
    c.ping(ZERO_PING);
    await c.expectPingAckOrClose(ZERO_PING);
  }, CASE_TIMEOUT);

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
  it('generic/3.1 #1: Sends a DATA frame', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders('POST'), { endStream: false });
    c.data(1, 'test', true);
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/3.1 #2: Sends multiple DATA frames', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders('POST'), { endStream: false });
    c.data(1, 'test', false);
    c.data(1, 'test', true);
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/3.1 #3: Sends a DATA frame with padding', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders('POST'), { endStream: false });
    // h2spec WriteDataPadded("test", "padded"): 6 octets of padding.
    c.data(1, 'test', true, 6);
    await c.expectResponse(1);
  }, CASE_TIMEOUT);
});

describe('generic/3.2 HEADERS', () => {
  it('generic/3.2 #1: Sends a HEADERS frame', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders(), { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/3.2 #2: Sends a HEADERS frame with padding', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders(), { endStream: true, padLength: 8 });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/3.2 #3: Sends a HEADERS frame with priority', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders(), { endStream: true, priority: { exclusive: false, dependency: 0, weight: 256 } });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);
});

describe('generic/3.3 PRIORITY', () => {
  it('generic/3.3 #1: Sends a PRIORITY frame with priority 1', async () => {
    const c = await handshake();
    c.priority(1, 0, 0);
    c.headers(1, c.commonHeaders(), { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/3.3 #2: Sends a PRIORITY frame with priority 256', async () => {
    const c = await handshake();
    c.priority(1, 0, 255);
    c.headers(1, c.commonHeaders(), { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/3.3 #3: Sends a PRIORITY frame with stream dependency', async () => {
    const c = await handshake();
    c.priority(3, 1, 0);
    c.headers(1, c.commonHeaders(), { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/3.3 #4: Sends a PRIORITY frame with exclusive', async () => {
    const c = await handshake();
    c.priority(1, 0, 0, true);
    c.headers(1, c.commonHeaders(), { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/3.3 #5: Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID', async () => {
    const c = await handshake();
    c.priority(3, 0, 255);
    c.headers(1, c.commonHeaders(), { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);
});

describe('generic/3.4 RST_STREAM', () => {
  it('generic/3.4 #1: Sends a RST_STREAM frame', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders(), { endStream: false });
    c.rstStream(1, CANCEL);
    c.ping(ZERO_PING);
    await c.expectPingAckOrClose(ZERO_PING);
  }, CASE_TIMEOUT);
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
  it('generic/4 #1: Sends a GET request', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders(), { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/4 #2: Sends a HEAD request', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders('HEAD'), { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/4 #3: Sends a POST request', async () => {
    const c = await handshake();
    c.headers(1, c.commonHeaders('POST'), { endStream: false });
    c.data(1, 'test', true);
    await c.expectResponse(1);
  }, CASE_TIMEOUT);

  it('generic/4 #4: Sends a POST request with trailers', async () => {
    const c = await handshake();
    c.headers(1, [...c.commonHeaders('POST'), ['trailer', 'x-test']], { endStream: false });
    c.data(1, 'test', false);
    c.headers(1, [['x-test', 'ok']], { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);
});

/** hpackCase is one generic/5 case: the common request with one more field representation, as raw octets. */
function hpackCase(n: number, desc: string, rep: string, prepend = false): void {
  it(`generic/5 #${n}: ${desc}`, async () => {
    const c = await handshake();
    const common = c.encodeHeaders(c.commonHeaders());
    const block = prepend ? concatBytes([bytes(rep), common]) : concatBytes([common, bytes(rep)]);
    c.headersBlock(1, block, { endStream: true });
    await c.expectResponse(1);
  }, CASE_TIMEOUT);
}

describe('generic/5 HPACK', () => {
  // The octets are h2spec's, verbatim (its descriptions and octets do not always agree; the octets are what is sent).
  hpackCase(1, 'Sends a indexed header field representation', '\xba');
  hpackCase(2, 'Sends a literal header field with incremental indexing - indexed name', '\x40\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4');
  hpackCase(3, 'Sends a literal header field with incremental indexing - indexed name (with Huffman coding)', '\x40\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63');
  hpackCase(4, 'Sends a literal header field with incremental indexing - new name', '\x40\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63');
  hpackCase(5, 'Sends a literal header field with incremental indexing - new name (with Huffman coding)', '\x40\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4');
  hpackCase(6, 'Sends a literal header field without indexing - indexed name', '\x00\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63');
  hpackCase(7, 'Sends a literal header field without indexing - indexed name (with Huffman coding)', '\x00\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4');
  hpackCase(8, 'Sends a literal header field without indexing - new name', '\x00\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63');
  hpackCase(9, 'Sends a literal header field without indexing - new name (huffman encoded)', '\x00\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4');
  hpackCase(10, 'Sends a literal header field never indexed - indexed name', '\x10\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63');
  hpackCase(11, 'Sends a literal header field never indexed - indexed name (huffman encoded)', '\x10\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4');
  hpackCase(12, 'Sends a literal header field never indexed - new name', '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4');
  hpackCase(13, 'Sends a literal header field never indexed - new name (huffman encoded)', '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4');
  hpackCase(14, 'Sends a dynamic table size update', '\x20', true);
  hpackCase(15, 'Sends multiple dynamic table size update', '\x20\x3f\xe1\x1f', true);
});
