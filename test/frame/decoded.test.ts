// Field blocks decoded inside the frame reader: one core call per chunk of
// socket bytes yields frames and decoded header lists (frameDecoder({ hpack })).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FrameError, loadCore, sensitiveHeaders, type Core, type Frame, type HeaderList, type FrameInit,
} from '../../host/index.js';
import {
  FRAME_HEADERS, FRAME_CONTINUATION, FLAG_END_HEADERS, FLAG_END_STREAM, REC_WORDS, REC_TYPE, REC_B,
  REC_HEADERS_DECODED,
} from '../../assembly/abi.js';
import { CODECS, sharedCore, runs } from '../helpers/codecs.js';
import { cat, rawFrame } from '../helpers/frames.js';

const REQUEST: Array<[string, string]> = [
  [':method', 'POST'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '/upload'],
  ['content-type', 'application/json'], ['x-trace', 'a'.repeat(300)],
];

/** headersFrames encodes a list and cuts its block into a HEADERS and CONTINUATIONs at `cuts`. */
function headersFrames(core: Core, block: Uint8Array, streamId: number, cuts: number[], endStream = false): Uint8Array {
  const points = [0, ...cuts.filter((c) => c > 0 && c < block.length).sort((a, b) => a - b), block.length];
  const frames: FrameInit[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const fragment = block.subarray(points[i], points[i + 1]);
    const last = i + 2 === points.length;
    frames.push(
      i === 0
        ? { type: 'HEADERS', streamId, endStream, endHeaders: last, fragment }
        : { type: 'CONTINUATION', streamId, endHeaders: last, fragment },
    );
  }
  return core.encodeFrames(frames);
}

function headersOf(frames: Frame[]): Array<HeaderList | null> {
  return frames.flatMap((f) => (f.type === 'HEADERS' && 'headers' in f ? [f.headers] : []));
}

describe.each(CODECS)('field blocks decoded in the reader (%s)', (codec) => {
  it('decodes HEADERS with and without CONTINUATIONs, interleaved with DATA, in one push', async () => {
    const core = await sharedCore(codec);
    const enc = core.hpackEncoder();
    const hpack = core.hpackDecoder();
    const reader = core.frameDecoder({ hpack });
    const second: Array<[string, string]> = [...REQUEST.slice(0, 4), ['x-second', 'yes']];
    const bytes = cat(
      headersFrames(core, enc.encode(REQUEST), 1, []),
      core.encodeFrames([{ type: 'DATA', streamId: 1, endStream: true, data: new Uint8Array([1, 2, 3]) }]),
      headersFrames(core, enc.encode(second), 3, [1, 2, 5], true),
      headersFrames(core, enc.encode(REQUEST), 5, [3]),
    );
    const frames = reader.push(bytes);
    expect(frames.map((f) => f.type)).toEqual(['HEADERS', 'DATA', 'HEADERS', 'HEADERS']);
    expect(headersOf(frames)).toEqual([REQUEST, second, REQUEST]);
    const h3 = frames[2];
    expect(h3.type === 'HEADERS' && h3.endStream && h3.endHeaders && (h3.flags & FLAG_END_HEADERS) !== 0).toBe(true);
    reader.close();
    hpack.close();
    enc.close();
  });

  it('makes one core call per chunk: three blocks come back as three decoded records', async () => {
    const core = await sharedCore(codec);
    const enc = core.hpackEncoder();
    const hpack = core.hpackDecoder();
    const b = core.binding;
    const reader = b.x.frameReaderNew(16384, 65536);
    b.sync();
    expect(b.x.frameReaderAttachDecoder(reader, hpack.coreHandle)).toBe(0);
    const bytes = cat(
      headersFrames(core, enc.encode(REQUEST), 1, [10]),
      headersFrames(core, enc.encode(REQUEST), 3, []),
      headersFrames(core, enc.encode(REQUEST), 5, [1, 2]),
    );
    b.reserveIn(bytes.length);
    b.in.set(bytes, 0);
    const n = b.x.frameRead(reader, bytes.length);
    b.sync();
    const types = Array.from({ length: n }, (_, i) => b.records[i * REC_WORDS + REC_TYPE]);
    expect(types).toEqual([REC_HEADERS_DECODED, REC_HEADERS_DECODED, REC_HEADERS_DECODED]);
    expect(Array.from({ length: n }, (_, i) => b.records[i * REC_WORDS + REC_B])).toEqual([6, 6, 6]);
    b.x.frameReaderFree(reader);
    hpack.close();
    enc.close();
  });

  it('keeps sensitivity through the reader', async () => {
    const core = await sharedCore(codec);
    const enc = core.hpackEncoder();
    const hpack = core.hpackDecoder();
    const list: HeaderList = [[':method', 'GET'], ['authorization', 'Bearer t']];
    const [f] = core.frameDecoder({ hpack }).push(headersFrames(core, enc.encode(list), 1, []));
    expect(f.type === 'HEADERS' && 'headers' in f && f.headers?.[sensitiveHeaders]).toEqual(['authorization']);
  });

  it('ends the connection with COMPRESSION_ERROR on a bad block, after the frames before it', async () => {
    const core = await sharedCore(codec);
    const hpack = core.hpackDecoder();
    const reader = core.frameDecoder({ hpack });
    const ping = core.encodeFrames([{ type: 'PING', data: new Uint8Array(8) }]);
    const bad = rawFrame(FRAME_HEADERS, FLAG_END_HEADERS, 1, '80'); // index 0
    const error = (() => {
      try {
        reader.push(cat(ping, bad));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).code).toBe(9);
    expect((error as FrameError).reason).toBe('HPACK_INDEX');
    expect((error as FrameError).frames.map((f) => f.type)).toEqual(['PING']);
    expect(() => reader.push(ping)).toThrow(FrameError);
  });

  it('reports a list over maxHeaderListSize as a stream matter and stays in step', async () => {
    const core = await sharedCore(codec);
    const enc = core.hpackEncoder();
    const hpack = core.hpackDecoder({ maxHeaderListSize: 200 });
    const reader = core.frameDecoder({ hpack });
    // 42 + 36 + 32 + 5 + 180 > 200: over the limit. The encoder indexes x-a: 1 and x-big.
    const big: Array<[string, string]> = [[':method', 'GET'], ['x-a', '1'], ['x-big', 'v'.repeat(180)]];
    const frames = reader.push(headersFrames(core, enc.encode(big), 1, [4]));
    expect(headersOf(frames)).toEqual([null]);
    // The next block refers to x-a: 1 by its dynamic index: it decodes only
    // if the oversized block was still applied to the decoder's table.
    const block = enc.encode([['x-a', '1']]);
    expect(block).toEqual(new Uint8Array([0x80 | 63])); // x-big is 62, x-a is 63
    expect(headersOf(reader.push(headersFrames(core, block, 3, [])))).toEqual([[['x-a', '1']]]);
  });

  it('reports a self-dependent HEADERS after its decoded block', async () => {
    const core = await sharedCore(codec);
    const enc = core.hpackEncoder();
    const hpack = core.hpackDecoder();
    const block = enc.encode(REQUEST);
    const bytes = core.encodeFrames([
      { type: 'HEADERS', streamId: 7, endHeaders: false, priority: { exclusive: false, dependency: 7, weight: 16 }, fragment: block.subarray(0, 5) },
      { type: 'CONTINUATION', streamId: 7, endHeaders: true, fragment: block.subarray(5) },
    ]);
    const frames = core.frameDecoder({ hpack }).push(bytes);
    expect(frames.map((f) => f.type)).toEqual(['HEADERS', 'STREAM_ERROR']);
    expect(headersOf(frames)).toEqual([REQUEST]);
    expect(frames[1]).toMatchObject({ streamId: 7, errorCode: 1, reason: 'PRIORITY_SELF' });
  });

  it('decodes PUSH_PROMISE blocks', async () => {
    const core = await sharedCore(codec);
    const enc = core.hpackEncoder();
    const hpack = core.hpackDecoder();
    const list: Array<[string, string]> = [[':method', 'GET'], [':path', '/style.css'], [':scheme', 'https'], [':authority', 'a.example']];
    const block = enc.encode(list);
    const frames = core.frameDecoder({ hpack }).push(core.encodeFrames([
      { type: 'PUSH_PROMISE', streamId: 1, promisedStreamId: 2, endHeaders: false, fragment: block.subarray(0, 3) },
      { type: 'CONTINUATION', streamId: 1, endHeaders: true, fragment: block.subarray(3) },
    ]));
    expect(frames).toEqual([{ type: 'PUSH_PROMISE', streamId: 1, flags: FLAG_END_HEADERS, endHeaders: true, promisedStreamId: 2, headers: list }]);
  });

  it('refuses a decoder of another core, and refuses to re-encode decoded blocks', async () => {
    const core = await sharedCore(codec);
    const other = await loadCore({ codec });
    expect(() => core.frameDecoder({ hpack: other.hpackDecoder() })).toThrow(TypeError);
    const enc = core.hpackEncoder();
    const hpack = core.hpackDecoder();
    const frames = core.frameDecoder({ hpack }).push(headersFrames(core, enc.encode(REQUEST), 1, []));
    expect(() => core.encodeFrames(frames as FrameInit[])).toThrow(TypeError);
  });

  it('gives the same lists for any fragmentation into CONTINUATIONs and any split of the bytes', async () => {
    const core = await sharedCore(codec);
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
    const value = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));
    const list = fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.property(
        fc.array(fc.tuple(list, fc.array(fc.nat(400), { maxLength: 4 })), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(4000), { maxLength: 6 }),
        (blocks, splits) => {
          const enc = core.hpackEncoder();
          const hpack = core.hpackDecoder();
          const reader = core.frameDecoder({ hpack });
          try {
            const bytes = cat(...blocks.map(([l, cuts], i) => headersFrames(core, enc.encode(l), 2 * i + 1, cuts)));
            const points = [...new Set(splits.map((s) => s % (bytes.length + 1)))].sort((a, b) => a - b);
            const frames: Frame[] = [];
            let prev = 0;
            for (const p of [...points, bytes.length]) {
              frames.push(...reader.push(bytes.subarray(prev, p)));
              prev = p;
            }
            expect(headersOf(frames)).toEqual(blocks.map(([l]) => l));
          } finally {
            reader.close();
            hpack.close();
            enc.close();
          }
        },
      ),
      { numRuns: runs(150) },
    );
  });

  it('rejects CONTINUATION floods before decoding anything', async () => {
    const core = await sharedCore(codec);
    const hpack = core.hpackDecoder();
    const parts = [rawFrame(FRAME_HEADERS, 0, 1, '82')];
    for (let i = 0; i < 100; i++) parts.push(rawFrame(FRAME_CONTINUATION, 0, 1, ''));
    parts.push(rawFrame(FRAME_CONTINUATION, FLAG_END_HEADERS | FLAG_END_STREAM, 1, '84'));
    expect(() => core.frameDecoder({ hpack }).push(cat(...parts))).toThrow(expect.objectContaining({ reason: 'HEADER_BLOCK_TOO_LARGE', code: 0xb }));
  });
});
