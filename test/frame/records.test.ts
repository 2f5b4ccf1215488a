// The raw record ABI of the frame reader and writer, as the connection engine
// sees it (the FrameDecoder hides these details).
import { describe, expect, it } from 'vitest';
import * as abi from '../../assembly/abi.js';
import type { CoreBinding } from '../../host/core/binding.js';
import { CODECS, sharedCore, hex, toHex } from '../helpers/codecs.js';
import { cat, rawFrame } from '../helpers/frames.js';

interface FrameExports {
  frameReaderNew(maxFrameSize: number, maxHeaderBlockBytes: number): number;
  frameReaderFree(h: number): number;
  frameRead(h: number, len: number): number;
  frameWrite(count: number): number;
}

/** feed hands bytes to reader h and returns its records as arrays of 8 words. */
function feed(b: CoreBinding, h: number, bytes: Uint8Array): number[][] {
  const x = b.x as unknown as FrameExports;
  b.in.set(bytes, 0);
  const n = x.frameRead(h, bytes.length);
  b.sync();
  expect(n).toBeGreaterThanOrEqual(0);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(Array.from(b.records.subarray(i * 8, i * 8 + 8)));
  return out;
}

describe.each(CODECS)('frame records (%s)', (codec) => {
  it('reports a DATA frame as chunks with first/last bits and the pad length', async () => {
    const { binding: b } = await sharedCore(codec);
    const x = b.x as unknown as FrameExports;
    const h = x.frameReaderNew(16384, 4096);
    const wire = rawFrame(0, 0x09, 5, '02 aabbccdd 0000'); // 9 + 7 bytes
    // Header and pad length only: nothing to report yet.
    expect(feed(b, h, wire.subarray(0, 10))).toEqual([]);
    // Two data bytes: the first chunk.
    expect(feed(b, h, wire.subarray(10, 12))).toEqual([[0, 9, 5, 7, 0, 2, 1, 2]]);
    // The rest of the data and one pad byte: a middle chunk.
    expect(feed(b, h, wire.subarray(12, 15))).toEqual([[0, 9, 5, 7, 0, 2, 0, 2]]);
    // The last pad byte: the completing record, empty.
    expect(feed(b, h, wire.subarray(15))).toEqual([[0, 9, 5, 7, 0, 0, 2, 2]]);
    // Whole frames in one call: one record each, C = 3; offsets point into `in`.
    const two = cat(wire, rawFrame(0, 0, 7, ''));
    expect(feed(b, h, two)).toEqual([[0, 9, 5, 7, 10, 4, 3, 2], [0, 0, 7, 0, 25, 0, 3, 0]]);
    x.frameReaderFree(h);
  });

  it('reports control frames with payloads copied to strings from offset 0', async () => {
    const { binding: b } = await sharedCore(codec);
    const x = b.x as unknown as FrameExports;
    const h = x.frameReaderNew(16384, 4096);
    const recs = feed(b, h, cat(
      rawFrame(1, 0x24, 3, '80000001 0f 8286'),
      rawFrame(7, 0, 0, '00000003 0000000b 6869'),
      rawFrame(0xfb, 0x11, 1, '0102'),
      rawFrame(2, 0, 3, '00000003 00'),
    ));
    expect(recs).toEqual([
      [abi.FRAME_HEADERS, 0x24, 3, 7, 0, 2, 0x80000001 | 0, 16],
      [abi.FRAME_GOAWAY, 0, 0, 10, 3, 11, 2, 2],
      [abi.REC_UNKNOWN, 0x11, 1, 2, 0xfb, 0, 0, 0],
      [abi.REC_STREAM_ERROR, 0, 3, 5, abi.ERR_PRIORITY_SELF, abi.H2_PROTOCOL_ERROR, abi.FRAME_PRIORITY, 0],
    ]);
    expect(toHex(b.strings.subarray(0, 4))).toBe('82866869');
    x.frameReaderFree(h);
  });

  it('ends a call with the connection error, mapped through ERROR_H2_CODES', async () => {
    const { binding: b } = await sharedCore(codec);
    const x = b.x as unknown as FrameExports;
    const h = x.frameReaderNew(16384, 4096);
    const recs = feed(b, h, cat(rawFrame(6, 0, 0, '0000000000000000'), rawFrame(4, 0, 0, '0004 80000000'), rawFrame(6, 0, 0, '0000000000000000')));
    expect(recs).toHaveLength(2);
    expect(recs[1]).toEqual([abi.REC_CONNECTION_ERROR, 0, 0, 6, abi.ERR_SETTINGS_WINDOW, abi.ERROR_H2_CODES[-abi.ERR_SETTINGS_WINDOW], abi.FRAME_SETTINGS, 0]);
    x.frameReaderFree(h);
  });

  it('writes command records and refuses impossible ones', async () => {
    const { binding: b } = await sharedCore(codec);
    const x = b.x as unknown as FrameExports;
    b.in.set(hex('aabbcc'), 0);
    b.records.set([abi.FRAME_DATA, 0x09, 1, 2, 0, 3, 0, 0], 0);
    b.records.set([abi.FRAME_GOAWAY, 0, 0, 0, 5, 2, 1, 2], 8);
    let n = x.frameWrite(2);
    b.sync();
    expect(toHex(b.out.subarray(0, n))).toBe('000006000900000001' + '02aabbcc0000' + '00000a070000000000' + '0000000500000002bbcc');
    const bad: number[][] = [
      [abi.FRAME_DATA, 0, 1, 0, -1, 1, 0, 0], // offset before `in`
      [abi.FRAME_DATA, 0, 1, 0, b.in.length - 1, 2, 0, 0], // range past `in`
      [abi.FRAME_DATA, 0x08, 1, 256, 0, 0, 0, 0], // pad length over 255
      [abi.FRAME_HEADERS, 0x08, 1, -1, 0, 0, 0, 0], // negative pad length
      [abi.REC_UNKNOWN, 0, 1, 0, 256, 0, 0, 0], // frame type over 255
      [0x42, 0, 1, 0, 0, 0, 0, 0], // not a command
    ];
    for (const cmd of bad) {
      b.records.set(cmd, 0);
      expect(x.frameWrite(1)).toBe(abi.ERR_BAD_ARGUMENT);
      b.sync();
    }
    expect(x.frameWrite(-1)).toBe(abi.ERR_BAD_ARGUMENT);
    expect(x.frameWrite(b.records.length)).toBe(abi.ERR_BAD_ARGUMENT);
    n = x.frameWrite(0);
    expect(n).toBe(0);
  });
});
