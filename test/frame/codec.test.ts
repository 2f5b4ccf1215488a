// Byte-literal fixtures for every frame type: decode, encode, round trip.
import { describe, expect, it } from 'vitest';
import type { Frame, FrameInit } from '../../host/index.js';
import { CODECS, sharedCore, hex, toHex } from '../helpers/codecs.js';
import { cat, decode } from '../helpers/frames.js';

const bytes = (s: string) => new TextEncoder().encode(s);

// Canonical frames: encoding the decoded frame gives the same bytes back.
const FIXTURES: Array<[name: string, wire: string, frame: Frame]> = [
  ['DATA END_STREAM', '000005 00 01 00000001 68656c6c6f',
    { type: 'DATA', streamId: 1, flags: 0x1, endStream: true, data: bytes('hello') }],
  ['DATA empty', '000000 00 00 00000003', { type: 'DATA', streamId: 3, flags: 0, endStream: false, data: new Uint8Array(0) }],
  ['DATA PADDED', '000009 00 08 00000003 03 68656c6c6f 000000',
    { type: 'DATA', streamId: 3, flags: 0x8, endStream: false, data: bytes('hello'), padLength: 3 }],
  ['DATA PADDED, all padding', '000003 00 09 00000003 02 0000',
    { type: 'DATA', streamId: 3, flags: 0x9, endStream: true, data: new Uint8Array(0), padLength: 2 }],
  ['HEADERS END_HEADERS', '000003 01 05 00000001 828487',
    { type: 'HEADERS', streamId: 1, flags: 0x5, endStream: true, endHeaders: true, fragment: hex('828487') }],
  ['HEADERS PADDED PRIORITY', '00000b 01 2c 00000005 02 80000003 0f 828487 0000',
    { type: 'HEADERS', streamId: 5, flags: 0x2c, endStream: false, endHeaders: true, fragment: hex('828487'),
      priority: { exclusive: true, dependency: 3, weight: 16 }, padLength: 2 }],
  ['PRIORITY', '000005 02 00 00000005 00000003 ff',
    { type: 'PRIORITY', streamId: 5, flags: 0, exclusive: false, dependency: 3, weight: 256 }],
  ['RST_STREAM', '000004 03 00 00000001 00000008', { type: 'RST_STREAM', streamId: 1, flags: 0, errorCode: 8 }],
  ['RST_STREAM large code', '000004 03 00 00000001 ffffffff', { type: 'RST_STREAM', streamId: 1, flags: 0, errorCode: 0xffffffff }],
  ['SETTINGS', '000012 04 00 00000000 0003 00000064 0004 7fffffff 00ff ffffffff',
    { type: 'SETTINGS', streamId: 0, flags: 0, ack: false, settings: [[3, 100], [4, 0x7fffffff], [0xff, 0xffffffff]] }],
  ['SETTINGS ACK', '000000 04 01 00000000', { type: 'SETTINGS', streamId: 0, flags: 1, ack: true, settings: [] }],
  ['PUSH_PROMISE', '000007 05 04 00000001 00000002 828487',
    { type: 'PUSH_PROMISE', streamId: 1, flags: 0x4, endHeaders: true, promisedStreamId: 2, fragment: hex('828487') }],
  ['PUSH_PROMISE PADDED', '000008 05 0c 00000001 01 00000004 8284 00',
    { type: 'PUSH_PROMISE', streamId: 1, flags: 0xc, endHeaders: true, promisedStreamId: 4, fragment: hex('8284'), padLength: 1 }],
  ['PING', '000008 06 00 00000000 0102030405060708',
    { type: 'PING', streamId: 0, flags: 0, ack: false, data: hex('0102030405060708') }],
  ['PING ACK', '000008 06 01 00000000 fffefdfc80000000',
    { type: 'PING', streamId: 0, flags: 1, ack: true, data: hex('fffefdfc80000000') }],
  ['GOAWAY', '00000a 07 00 00000000 00000007 00000001 6869',
    { type: 'GOAWAY', streamId: 0, flags: 0, lastStreamId: 7, errorCode: 1, debugData: bytes('hi') }],
  ['GOAWAY no debug', '000008 07 00 00000000 7fffffff 0000000b',
    { type: 'GOAWAY', streamId: 0, flags: 0, lastStreamId: 0x7fffffff, errorCode: 11, debugData: new Uint8Array(0) }],
  ['WINDOW_UPDATE', '000004 08 00 00000000 7fffffff', { type: 'WINDOW_UPDATE', streamId: 0, flags: 0, increment: 0x7fffffff }],
  ['WINDOW_UPDATE stream', '000004 08 00 00000007 00000001', { type: 'WINDOW_UPDATE', streamId: 7, flags: 0, increment: 1 }],
  ['PRIORITY_UPDATE', '00000a 10 00 00000000 00000001 753d312c2069',
    { type: 'PRIORITY_UPDATE', streamId: 0, flags: 0, prioritizedStreamId: 1, fieldValue: 'u=1, i' }],
  ['PRIORITY_UPDATE empty value', '000004 10 00 00000000 00000009',
    { type: 'PRIORITY_UPDATE', streamId: 0, flags: 0, prioritizedStreamId: 9, fieldValue: '' }],
];

describe.each(CODECS)('frame fixtures (%s)', (codec) => {
  it.each(FIXTURES)('decodes %s', async (_name, wire, frame) => {
    const core = await sharedCore(codec);
    const b = hex(wire);
    expect((b[0] << 16) | (b[1] << 8) | b[2]).toBe(b.length - 9); // the fixture's own length field
    expect(decode(core, b)).toEqual([frame]);
  });

  it.each(FIXTURES)('encodes %s', async (_name, wire, frame) => {
    const core = await sharedCore(codec);
    expect(toHex(core.encodeFrames([frame as FrameInit]))).toBe(toHex(hex(wire)));
  });

  it('decodes and encodes a header block over HEADERS and CONTINUATIONs', async () => {
    const core = await sharedCore(codec);
    const wire = hex('000001 01 01 00000001 82 000000 09 00 00000001 000002 09 04 00000001 8487');
    const frames: Frame[] = [
      { type: 'HEADERS', streamId: 1, flags: 1, endStream: true, endHeaders: false, fragment: hex('82') },
      { type: 'CONTINUATION', streamId: 1, flags: 0, endHeaders: false, fragment: new Uint8Array(0) },
      { type: 'CONTINUATION', streamId: 1, flags: 4, endHeaders: true, fragment: hex('8487') },
    ];
    expect(decode(core, wire)).toEqual(frames);
    expect(toHex(core.encodeFrames(frames))).toBe(toHex(wire));
  });

  it('reports unknown frame types by length and skips their payload', async () => {
    const core = await sharedCore(codec);
    const wire = hex('000003 fa 07 00000001 010203 000000 0a 00 00000000 000008 06 00 00000000 0000000000000000');
    expect(decode(core, wire)).toEqual([
      { type: 'UNKNOWN', streamId: 1, flags: 7, frameType: 0xfa, length: 3 },
      { type: 'UNKNOWN', streamId: 0, flags: 0, frameType: 0x0a, length: 0 },
      { type: 'PING', streamId: 0, flags: 0, ack: false, data: new Uint8Array(8) },
    ]);
    expect(toHex(core.encodeFrames([{ type: 'UNKNOWN', streamId: 1, flags: 7, frameType: 0xfa, payload: hex('010203') }])))
      .toBe('000003fa0700000001010203');
  });

  it('ignores the reserved bit of stream ids and masked fields', async () => {
    const core = await sharedCore(codec);
    const wire = hex('000004 08 00 80000003 80000100  000008 07 00 80000000 80000005 00000000  000004 10 00 00000000 80000003');
    expect(decode(core, wire)).toEqual([
      { type: 'WINDOW_UPDATE', streamId: 3, flags: 0, increment: 0x100 },
      { type: 'GOAWAY', streamId: 0, flags: 0, lastStreamId: 5, errorCode: 0, debugData: new Uint8Array(0) },
      { type: 'PRIORITY_UPDATE', streamId: 0, flags: 0, prioritizedStreamId: 3, fieldValue: '' },
    ]);
  });

  it('derives flags from booleans, padLength and priority when encoding', async () => {
    const core = await sharedCore(codec);
    const out = core.encodeFrames([
      { type: 'DATA', streamId: 1, endStream: true, data: hex('aa'), padLength: 1 },
      { type: 'HEADERS', streamId: 3, endHeaders: true, fragment: hex('82'), priority: { exclusive: false, dependency: 1, weight: 1 } },
      { type: 'SETTINGS', streamId: 0, ack: true, settings: [] },
      { type: 'PING', streamId: 0, ack: true, data: new Uint8Array(8) },
    ]);
    expect(toHex(out)).toBe(toHex(cat(
      hex('000003 00 09 00000001 01 aa 00'),
      hex('000006 01 24 00000003 00000001 00 82'),
      hex('000000 04 01 00000000'),
      hex('000008 06 01 00000000 0000000000000000'),
    )));
  });

  it('writes frames the way it is told, invalid ones included', async () => {
    const core = await sharedCore(codec);
    // A SETTINGS frame on stream 1 with a ragged payload, and a PRIORITY with weight 0 (wraps to 0xff).
    const out = core.encodeFrames([
      { type: 'UNKNOWN', streamId: 1, flags: 0, frameType: 4, payload: hex('0001') },
      { type: 'PRIORITY', streamId: 3, flags: 0xff, exclusive: false, dependency: 3, weight: 0 },
    ]);
    expect(toHex(out)).toBe('0000020400000000010001' + '000005' + '02ff00000003' + '00000003ff');
  });

  it('encodes many frames and big payloads', async () => {
    const core = await sharedCore(codec);
    const pings: FrameInit[] = [];
    for (let i = 0; i < 3000; i++) {
      const data = new Uint8Array(8);
      new DataView(data.buffer).setUint32(4, i);
      pings.push({ type: 'PING', streamId: 0, flags: 0, ack: false, data });
    }
    const big = new Uint8Array(200_000).map((_, i) => i * 7);
    const wire = core.encodeFrames([...pings, { type: 'DATA', streamId: 1, flags: 0, endStream: false, data: big }]);
    expect(wire.length).toBe(3000 * 17 + 9 + big.length);
    const frames = decode(core, wire, { maxFrameSize: 16777215 });
    expect(frames.length).toBe(3001);
    expect(frames[2999]).toEqual(pings[2999]);
    expect((frames[3000] as { data: Uint8Array }).data).toEqual(big);
  });

  it('refuses impossible frames', async () => {
    const core = await sharedCore(codec);
    expect(() => core.encodeFrames([{ type: 'DATA', streamId: 1, data: new Uint8Array(1 << 24) }])).toThrow(RangeError);
    expect(() => core.encodeFrames([{ type: 'DATA', streamId: 1, data: hex('00'), padLength: 256 }])).toThrow(RangeError);
    expect(() => core.encodeFrames([{ type: 'PING', streamId: 0, data: hex('00') }])).toThrow(TypeError);
    expect(() => core.encodeFrames([{ type: 'STREAM_ERROR', streamId: 1, errorCode: 1, reason: 'PRIORITY_SELF' }])).toThrow(TypeError);
    expect(() => core.encodeFrames([{ type: 'UNKNOWN', streamId: 1, flags: 0, frameType: 256 }])).toThrow(RangeError);
    // The core still works afterwards.
    expect(toHex(core.encodeFrames([{ type: 'WINDOW_UPDATE', streamId: 0, increment: 1 }]))).toBe('00000408000000000000000001');
  });
});
