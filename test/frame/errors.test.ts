// Every frame-level rule (RFC 9113 §4, §6; RFC 9218 §7.1): its error code,
// its scope (connection vs stream), and what the reader does afterwards.
import { describe, expect, it } from 'vitest';
import { FrameError } from '../../host/index.js';
import { CODECS, sharedCore, hex } from '../helpers/codecs.js';
import { cat, decode, rawFrame, wantConnectionError, wantStreamError } from '../helpers/frames.js';

const PROTOCOL = 0x1;
const FLOW_CONTROL = 0x3;
const FRAME_SIZE = 0x6;
const ENHANCE_YOUR_CALM = 0xb;

const PING = rawFrame(6, 0, 0, '0000000000000000');
const PING_FRAME = { type: 'PING', streamId: 0, flags: 0, ack: false, data: new Uint8Array(8) };

// [name, bytes, RFC code, ERR reason, offending stream]
const CONNECTION_ERRORS: Array<[string, Uint8Array, number, string, number]> = [
  ['frame over max frame size', rawFrame(0, 0, 1, '', 16385), FRAME_SIZE, 'FRAME_SIZE', 1],
  ['DATA on stream 0', rawFrame(0, 0, 0, '00'), PROTOCOL, 'FRAME_STREAM_ID', 0],
  ['HEADERS on stream 0', rawFrame(1, 4, 0, '82'), PROTOCOL, 'FRAME_STREAM_ID', 0],
  ['PRIORITY on stream 0', rawFrame(2, 0, 0, '0000000110'), PROTOCOL, 'FRAME_STREAM_ID', 0],
  ['RST_STREAM on stream 0', rawFrame(3, 0, 0, '00000000'), PROTOCOL, 'FRAME_STREAM_ID', 0],
  ['PUSH_PROMISE on stream 0', rawFrame(5, 4, 0, '00000002'), PROTOCOL, 'FRAME_STREAM_ID', 0],
  ['CONTINUATION on stream 0', rawFrame(9, 4, 0, ''), PROTOCOL, 'FRAME_CONTINUATION', 0],
  ['SETTINGS on stream 1', rawFrame(4, 0, 1, ''), PROTOCOL, 'FRAME_STREAM_ID', 1],
  ['PING on stream 1', rawFrame(6, 0, 1, '0000000000000000'), PROTOCOL, 'FRAME_STREAM_ID', 1],
  ['GOAWAY on stream 1', rawFrame(7, 0, 1, '0000000000000000'), PROTOCOL, 'FRAME_STREAM_ID', 1],
  ['PRIORITY_UPDATE on stream 1', rawFrame(0x10, 0, 1, '00000001'), PROTOCOL, 'FRAME_STREAM_ID', 1],
  ['DATA pad length = payload length', rawFrame(0, 8, 1, '03 0000'), PROTOCOL, 'FRAME_PADDING', 1],
  ['DATA pad length > payload length', rawFrame(0, 8, 1, 'ff 00'), PROTOCOL, 'FRAME_PADDING', 1],
  ['DATA PADDED without the pad length', rawFrame(0, 8, 1, ''), FRAME_SIZE, 'FRAME_SIZE', 1],
  ['HEADERS pad length too big', rawFrame(1, 0xc, 1, '03 8282'), PROTOCOL, 'FRAME_PADDING', 1],
  ['HEADERS PADDED+PRIORITY pad too big', rawFrame(1, 0x2c, 1, '01 0000000010'), PROTOCOL, 'FRAME_PADDING', 1],
  ['HEADERS PADDED without the pad length', rawFrame(1, 0xc, 1, ''), FRAME_SIZE, 'FRAME_SIZE', 1],
  ['HEADERS PRIORITY with 4 bytes', rawFrame(1, 0x24, 1, '00000000'), FRAME_SIZE, 'FRAME_SIZE', 1],
  ['HEADERS PADDED+PRIORITY with 5 bytes', rawFrame(1, 0x2c, 1, '0000000000'), FRAME_SIZE, 'FRAME_SIZE', 1],
  ['PUSH_PROMISE pad length too big', rawFrame(5, 0xc, 1, '01 00000002'), PROTOCOL, 'FRAME_PADDING', 1],
  ['PUSH_PROMISE without promised id', rawFrame(5, 4, 1, '000000'), FRAME_SIZE, 'FRAME_SIZE', 1],
  ['RST_STREAM length 3', rawFrame(3, 0, 1, '000000'), FRAME_SIZE, 'FRAME_SIZE', 1],
  ['RST_STREAM length 5', rawFrame(3, 0, 1, '0000000000'), FRAME_SIZE, 'FRAME_SIZE', 1],
  ['WINDOW_UPDATE length 5', rawFrame(8, 0, 1, '0000000100'), FRAME_SIZE, 'FRAME_SIZE', 1],
  ['WINDOW_UPDATE length 3', rawFrame(8, 0, 0, '000001'), FRAME_SIZE, 'FRAME_SIZE', 0],
  ['PING length 7', rawFrame(6, 0, 0, '00000000000000'), FRAME_SIZE, 'FRAME_SIZE', 0],
  ['PING length 9', rawFrame(6, 0, 0, '000000000000000000'), FRAME_SIZE, 'FRAME_SIZE', 0],
  ['GOAWAY length 7', rawFrame(7, 0, 0, '00000000000000'), FRAME_SIZE, 'FRAME_SIZE', 0],
  ['PRIORITY_UPDATE length 3', rawFrame(0x10, 0, 0, '000001'), FRAME_SIZE, 'FRAME_SIZE', 0],
  ['PRIORITY_UPDATE for stream 0', rawFrame(0x10, 0, 0, '00000000 753d31'), PROTOCOL, 'FRAME_STREAM_ID', 0],
  ['SETTINGS length 5', rawFrame(4, 0, 0, '0001000000'), FRAME_SIZE, 'FRAME_SIZE', 0],
  ['SETTINGS length 7', rawFrame(4, 0, 0, '00010000000000'), FRAME_SIZE, 'FRAME_SIZE', 0],
  ['SETTINGS ACK with payload', rawFrame(4, 1, 0, '000100001000'), FRAME_SIZE, 'SETTINGS_ACK_LENGTH', 0],
  ['SETTINGS ENABLE_PUSH 2', rawFrame(4, 0, 0, '0002 00000002'), PROTOCOL, 'SETTINGS_VALUE', 0],
  ['SETTINGS MAX_FRAME_SIZE 16383', rawFrame(4, 0, 0, '0005 00003fff'), PROTOCOL, 'SETTINGS_VALUE', 0],
  ['SETTINGS MAX_FRAME_SIZE 2^24', rawFrame(4, 0, 0, '0005 01000000'), PROTOCOL, 'SETTINGS_VALUE', 0],
  ['SETTINGS MAX_FRAME_SIZE 2^32-1', rawFrame(4, 0, 0, '0005 ffffffff'), PROTOCOL, 'SETTINGS_VALUE', 0],
  ['SETTINGS ENABLE_CONNECT_PROTOCOL 2', rawFrame(4, 0, 0, '0008 00000002'), PROTOCOL, 'SETTINGS_VALUE', 0],
  ['SETTINGS NO_RFC7540_PRIORITIES 2', rawFrame(4, 0, 0, '0009 00000002'), PROTOCOL, 'SETTINGS_VALUE', 0],
  ['SETTINGS INITIAL_WINDOW_SIZE 2^31', rawFrame(4, 0, 0, '0004 80000000'), FLOW_CONTROL, 'SETTINGS_WINDOW', 0],
  ['SETTINGS bad value after good ones', rawFrame(4, 0, 0, '0001 00001000 0002 00000001 0002 00000003'), PROTOCOL, 'SETTINGS_VALUE', 0],
  ['WINDOW_UPDATE 0 on the connection', rawFrame(8, 0, 0, '00000000'), PROTOCOL, 'WINDOW_UPDATE_ZERO', 0],
  ['WINDOW_UPDATE 0 (reserved bit set) on the connection', rawFrame(8, 0, 0, '80000000'), PROTOCOL, 'WINDOW_UPDATE_ZERO', 0],
  ['CONTINUATION without a header block', rawFrame(9, 4, 1, '82'), PROTOCOL, 'FRAME_CONTINUATION', 1],
  ['CONTINUATION after a finished block', cat(rawFrame(1, 4, 1, '82'), rawFrame(9, 4, 1, '82')), PROTOCOL, 'FRAME_CONTINUATION', 1],
  ['DATA inside a header block', cat(rawFrame(1, 0, 1, '82'), rawFrame(0, 0, 1, '')), PROTOCOL, 'FRAME_CONTINUATION', 1],
  ['PING inside a header block', cat(rawFrame(1, 0, 1, '82'), PING), PROTOCOL, 'FRAME_CONTINUATION', 0],
  ['unknown type inside a header block', cat(rawFrame(1, 0, 1, '82'), rawFrame(0xfa, 0, 1, '')), PROTOCOL, 'FRAME_CONTINUATION', 1],
  ['CONTINUATION on another stream', cat(rawFrame(1, 0, 1, '82'), rawFrame(9, 4, 3, '82')), PROTOCOL, 'FRAME_CONTINUATION', 3],
  ['HEADERS inside a PUSH_PROMISE block', cat(rawFrame(5, 0, 1, '00000002 82'), rawFrame(1, 4, 1, '82')), PROTOCOL, 'FRAME_CONTINUATION', 1],
];

describe.each(CODECS)('frame rules (%s)', (codec) => {
  it.each(CONNECTION_ERRORS)('%s is a connection error', async (_name, bytes, code, reason, streamId) => {
    const core = await sharedCore(codec);
    wantConnectionError(core, bytes, code, reason, streamId);
  });

  it('accepts the edges of every rule', async () => {
    const core = await sharedCore(codec);
    const ok = cat(
      rawFrame(0, 0, 1, '', 16384),
      new Uint8Array(16384),
      rawFrame(0, 8, 1, '00'), // PADDED, pad 0, no data
      rawFrame(1, 0x2d, 1, '00 0000000010'), // PADDED+PRIORITY, empty fragment
      rawFrame(4, 0, 0, '0002 00000000 0002 00000001 0004 7fffffff 0005 00004000 0005 00ffffff 0008 00000001 0009 00000000 0007 ffffffff'),
      rawFrame(7, 0, 0, '0000000000000000'),
      rawFrame(0x10, 0, 0, '00000001'),
      rawFrame(8, 0, 0, '00000001'),
    );
    const frames = decode(core, ok);
    expect(frames.map((f) => f.type)).toEqual(['DATA', 'DATA', 'HEADERS', 'SETTINGS', 'GOAWAY', 'PRIORITY_UPDATE', 'WINDOW_UPDATE']);
  });

  it('reports the frames before a connection error', async () => {
    const core = await sharedCore(codec);
    const err = wantConnectionError(core, cat(PING, rawFrame(0, 0, 1, '01'), rawFrame(0, 0, 0, '')), PROTOCOL, 'FRAME_STREAM_ID', 0);
    expect(err.frames.map((f) => f.type)).toEqual(['PING', 'DATA']);
  });

  it('PRIORITY with length other than 5 is a stream error, and reading goes on', async () => {
    const core = await sharedCore(codec);
    for (const payload of ['', '00000001', '000000011000']) {
      const frames = wantStreamError(core, cat(rawFrame(2, 0, 3, payload), PING), 3, FRAME_SIZE, 'FRAME_SIZE');
      expect(frames).toEqual([{ type: 'STREAM_ERROR', streamId: 3, errorCode: FRAME_SIZE, reason: 'FRAME_SIZE' }, PING_FRAME]);
    }
  });

  it('a PRIORITY frame depending on its own stream is a stream error', async () => {
    const core = await sharedCore(codec);
    const frames = wantStreamError(core, cat(rawFrame(2, 0, 5, '80000005 10'), PING), 5, PROTOCOL, 'PRIORITY_SELF');
    expect(frames).toHaveLength(2);
  });

  it('HEADERS depending on its own stream gives the HEADERS first, then a stream error', async () => {
    const core = await sharedCore(codec);
    const frames = decode(core, cat(rawFrame(1, 0x24, 7, '00000007 0f 82'), PING));
    expect(frames).toEqual([
      { type: 'HEADERS', streamId: 7, flags: 0x24, endStream: false, endHeaders: true, fragment: hex('82'),
        priority: { exclusive: false, dependency: 7, weight: 16 } },
      { type: 'STREAM_ERROR', streamId: 7, errorCode: PROTOCOL, reason: 'PRIORITY_SELF' },
      PING_FRAME,
    ]);
  });

  it('WINDOW_UPDATE of 0 on a stream is a stream error', async () => {
    const core = await sharedCore(codec);
    const frames = wantStreamError(core, cat(rawFrame(8, 0, 9, '00000000'), PING), 9, PROTOCOL, 'WINDOW_UPDATE_ZERO');
    expect(frames).toHaveLength(2);
  });

  it('FrameError carries code, reason, stream and is an Error', async () => {
    const core = await sharedCore(codec);
    const err = wantConnectionError(core, rawFrame(3, 0, 5, '00'), FRAME_SIZE, 'FRAME_SIZE', 5);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('FrameError');
    expect(err.message).toContain('FRAME_SIZE');
  });
});

describe.each(CODECS)('CONTINUATION flood guard (%s)', (codec) => {
  const block = (continuations: number, endLast = true) => {
    const parts = [rawFrame(1, 0, 1, '82')];
    for (let i = 0; i < continuations; i++) parts.push(rawFrame(9, endLast && i === continuations - 1 ? 4 : 0, 1, ''));
    return cat(...parts);
  };

  it('allows 64 CONTINUATION frames in a block, empty ones included', async () => {
    const core = await sharedCore(codec);
    expect(decode(core, block(64))).toHaveLength(65);
  });

  it('refuses the 65th CONTINUATION frame with ENHANCE_YOUR_CALM', async () => {
    const core = await sharedCore(codec);
    const err = wantConnectionError(core, block(65), ENHANCE_YOUR_CALM, 'HEADER_BLOCK_TOO_LARGE', 1);
    expect(err.frames).toHaveLength(65);
  });

  it('counts frames per block', async () => {
    const core = await sharedCore(codec);
    expect(decode(core, cat(block(64), block(64)))).toHaveLength(130);
  });

  it('caps the fragment bytes of one block', async () => {
    const core = await sharedCore(codec);
    const f = (n: number) => '00'.repeat(n);
    const opts = { maxHeaderBlockBytes: 100 };
    expect(decode(core, cat(rawFrame(1, 0, 1, f(60)), rawFrame(9, 4, 1, f(40))), opts)).toHaveLength(2);
    wantConnectionError(core, cat(rawFrame(1, 0, 1, f(60)), rawFrame(9, 4, 1, f(41))), ENHANCE_YOUR_CALM, 'HEADER_BLOCK_TOO_LARGE', 1, opts);
    // Padding and priority fields do not count; the fragment alone does.
    expect(decode(core, rawFrame(1, 0x2c, 1, `0a 0000000010 ${f(100)} ${f(10)}`), opts)).toHaveLength(1);
    wantConnectionError(core, rawFrame(1, 4, 1, f(101)), ENHANCE_YOUR_CALM, 'HEADER_BLOCK_TOO_LARGE', 1, opts);
    wantConnectionError(core, cat(rawFrame(5, 0, 1, `00000002 ${f(100)}`), rawFrame(9, 4, 1, '00')), ENHANCE_YOUR_CALM, 'HEADER_BLOCK_TOO_LARGE', 1, opts);
    // Each block starts from zero.
    expect(decode(core, cat(rawFrame(1, 4, 1, f(100)), rawFrame(1, 4, 3, f(100))), opts)).toHaveLength(2);
  });
});

describe.each(CODECS)('decoder state (%s)', (codec) => {
  it('keeps a connection error sticky', async () => {
    const core = await sharedCore(codec);
    const d = core.frameDecoder();
    let first: unknown;
    try {
      d.push(cat(PING, rawFrame(6, 0, 0, '00')));
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(FrameError);
    expect((first as FrameError).frames).toEqual([PING_FRAME]);
    expect(() => d.push(PING)).toThrow(first as Error);
    expect(() => d.push(new Uint8Array(0))).toThrow(first as Error);
    d.close();
  });

  it('keeps the sticky error in the core: one REC_CONNECTION_ERROR per later read', async () => {
    const core = await sharedCore(codec);
    const b = core.binding;
    const x = b.x as unknown as { frameReaderNew(a: number, c: number): number; frameRead(h: number, n: number): number; frameReaderFree(h: number): number };
    const h = x.frameReaderNew(16384, 65536);
    expect(h).toBeGreaterThanOrEqual(0);
    b.in.set(cat(PING, rawFrame(0, 0, 0, '')), 0);
    expect(x.frameRead(h, 26)).toBe(2);
    b.sync();
    const first = Array.from(b.records.subarray(8, 16));
    expect(first.slice(0, 6)).toEqual([0x102, 0, 0, 0, -11, PROTOCOL]);
    for (let i = 0; i < 3; i++) {
      b.in.set(PING, 0);
      expect(x.frameRead(h, 17)).toBe(1);
      b.sync();
      expect(Array.from(b.records.subarray(0, 8))).toEqual(first);
    }
    expect(x.frameReaderFree(h)).toBe(0);
  });

  it('changes the max frame size from the next frame on', async () => {
    const core = await sharedCore(codec);
    const d = core.frameDecoder();
    const big = cat(rawFrame(0, 0, 1, '', 20000), new Uint8Array(20000));
    expect(() => d.setMaxFrameSize(16383)).toThrow(RangeError);
    expect(() => d.setMaxFrameSize(1 << 24)).toThrow(RangeError);
    d.setMaxFrameSize(20000);
    expect(d.push(big)).toHaveLength(1);
    d.setMaxFrameSize(16384);
    expect(() => d.push(big)).toThrow(FrameError);
    d.close();
    expect(() => core.frameDecoder({ maxFrameSize: 100 })).toThrow(RangeError);
    expect(() => core.frameDecoder({ maxHeaderBlockBytes: 0 })).toThrow(RangeError);
    wantConnectionError(core, rawFrame(0x10, 0, 0, '', 20001), FRAME_SIZE, 'FRAME_SIZE', 0, { maxFrameSize: 20000 });
  });

  it('reports a stale handle after close, and close is idempotent', async () => {
    const core = await sharedCore(codec);
    const x = core.binding.x as unknown as {
      frameReaderNew(a: number, c: number): number; frameRead(h: number, n: number): number;
      frameReaderFree(h: number): number; frameReaderSetMaxFrameSize(h: number, n: number): number;
    };
    const h = x.frameReaderNew(16384, 65536);
    expect(x.frameReaderFree(h)).toBe(0);
    expect(x.frameRead(h, 0)).toBe(-1);
    expect(x.frameReaderFree(h)).toBe(-1);
    expect(x.frameReaderSetMaxFrameSize(h, 16384)).toBe(-1);
    const h2 = x.frameReaderNew(16384, 65536);
    expect(h2 & 0xffff).toBe(h & 0xffff); // the slot is reused...
    expect(h2).not.toBe(h); // ...under a new generation
    expect(x.frameRead(h, 0)).toBe(-1);
    expect(x.frameRead(h2, 0)).toBe(0);
    expect(x.frameRead(h2, -1)).toBe(-2);
    expect(x.frameReaderNew(16384, 0)).toBe(-2);
    x.frameReaderFree(h2);

    const d = core.frameDecoder();
    d.close();
    d.close();
    expect(() => d.push(PING)).toThrow(/closed/);
  });

  it('buffers a partial payload lazily, not a whole max-size frame up front', async () => {
    const core = await sharedCore(codec);
    const memory = (core.binding as unknown as { memory: WebAssembly.Memory | null }).memory;
    const before = memory?.buffer.byteLength ?? 0;
    const d = core.frameDecoder({ maxFrameSize: 16777215 });
    expect(d.push(cat(rawFrame(7, 0, 0, '', 16777215), new Uint8Array(1000)))).toEqual([]);
    expect(d.push(new Uint8Array(1000))).toEqual([]);
    if (memory !== null) expect(memory.buffer.byteLength - before).toBeLessThan(1 << 20);
    d.close();
  });

  it('keeps decoders on one core independent', async () => {
    const core = await sharedCore(codec);
    const a = core.frameDecoder();
    const b = core.frameDecoder();
    expect(a.push(PING.subarray(0, 5))).toEqual([]);
    expect(() => b.push(rawFrame(0, 0, 0, ''))).toThrow(FrameError);
    expect(a.push(PING.subarray(5))).toEqual([PING_FRAME]);
    a.close();
    b.close();
  });
});
