// Resumability and robustness: any split of the input gives the same frames
// and errors; random input gives frames or a FrameError, never a trap.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameError, type Core, type Frame } from '../../host/index.js';
import { CODECS, sharedCore, runs } from '../helpers/codecs.js';
import { cat, decodeSplit, rawFrame } from '../helpers/frames.js';

const MAX = 16777215;

/** outcome makes a decode result cheap to compare (byte arrays as hex: deep
 *  equality over big typed arrays is slow). */
function outcome(r: Frame[] | FrameError): { frames: unknown[]; error: unknown } {
  const frames = r instanceof FrameError ? r.frames : r;
  const flat = frames.map((f) => {
    const o: Record<string, unknown> = { ...f };
    for (const k of Object.keys(o)) if (o[k] instanceof Uint8Array) o[k] = Buffer.from(o[k] as Uint8Array).toString('hex');
    return o;
  });
  return { frames: flat, error: r instanceof FrameError ? [r.code, r.reason, r.streamId] : null };
}

function filled(n: number, seed: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ((i * 31 + seed) & 0xff).toString(16).padStart(2, '0');
  return s;
}

// A valid stream touching every reader path: padded and big DATA, a header
// block over CONTINUATIONs, buffered control frames, a stream error, unknown types.
const STREAM_PARTS = [
  rawFrame(4, 0, 0, '0003 00000064 0004 0000ffff 0005 00010000'),
  rawFrame(4, 1, 0, ''),
  rawFrame(1, 0x29, 1, `05 ${filled(20, 1)} 0000000000`),
  rawFrame(9, 0, 1, filled(30, 2)),
  rawFrame(9, 0, 1, ''),
  rawFrame(9, 4, 1, filled(7, 3)),
  rawFrame(0, 0x08, 1, `07 ${filled(100, 4)} 00000000000000`),
  rawFrame(0, 0x00, 1, filled(40000, 5)),
  rawFrame(0, 0x08, 1, '00'),
  rawFrame(0, 0x09, 1, `ff ${filled(3, 6)} ${'00'.repeat(255)}`),
  rawFrame(0, 0x00, 3, ''),
  rawFrame(6, 0, 0, '0102030405060708'),
  rawFrame(2, 0, 3, '80000001 20'),
  rawFrame(2, 0, 3, '0000'),
  rawFrame(3, 0, 3, '00000008'),
  rawFrame(8, 0, 0, '00010000'),
  rawFrame(8, 0, 5, '00000000'),
  rawFrame(5, 0x0c, 1, `02 00000002 ${filled(12, 7)} 0000`),
  rawFrame(0xfe, 0xff, 9, filled(50, 8)),
  rawFrame(0x10, 0, 0, '00000003 753d352c2069'),
  rawFrame(1, 0x25, 3, `80000001 ff ${filled(9, 9)}`),
  rawFrame(7, 0, 0, `00000003 00000000 ${filled(70000, 10)}`),
  rawFrame(6, 1, 0, '0807060504030201'),
];
const STREAM = cat(...STREAM_PARTS);
/** SMALL is STREAM without its big frames, for byte-by-byte feeding. */
const SMALL = cat(...STREAM_PARTS.filter((p) => p.length < 1000));
const OPTIONS = { maxFrameSize: 100000 };

/** cutsArb gives sorted, distinct cut offsets inside [0, n]. */
const cutsArb = (n: number, maxCuts: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: n }), { maxLength: maxCuts }).map((a) => a.sort((x, y) => x - y));

describe.each(CODECS)('resumable reader (%s)', (codec) => {
  it('decodes the reference stream as expected', async () => {
    const core = await sharedCore(codec);
    const frames = decodeSplit(core, STREAM, [], OPTIONS) as Frame[];
    expect(frames).not.toBeInstanceOf(FrameError);
    expect(frames.map((f) => f.type)).toEqual([
      'SETTINGS', 'SETTINGS', 'HEADERS', 'CONTINUATION', 'CONTINUATION', 'CONTINUATION', 'DATA', 'DATA', 'DATA', 'DATA',
      'DATA', 'PING', 'PRIORITY', 'STREAM_ERROR', 'RST_STREAM', 'WINDOW_UPDATE', 'STREAM_ERROR', 'PUSH_PROMISE', 'UNKNOWN',
      'PRIORITY_UPDATE', 'HEADERS', 'GOAWAY', 'PING',
    ]);
    expect(frames[7]).toMatchObject({ type: 'DATA', data: { length: 40000 } });
    expect(frames[9]).toMatchObject({ type: 'DATA', padLength: 255, endStream: true, data: { length: 3 } });
    expect(frames[21]).toMatchObject({ type: 'GOAWAY', lastStreamId: 3, debugData: { length: 70000 } });
  });

  it('gives the same frames for any split', async () => {
    const core = await sharedCore(codec);
    const whole = outcome(decodeSplit(core, STREAM, [], OPTIONS));
    fc.assert(
      fc.property(cutsArb(STREAM.length, 40), (cuts) => {
        expect(outcome(decodeSplit(core, STREAM, cuts, OPTIONS))).toEqual(whole);
      }),
      { numRuns: runs(100) },
    );
  });

  it('gives the same frames fed one byte at a time', async () => {
    const core = await sharedCore(codec);
    const input = SMALL;
    const whole = outcome(decodeSplit(core, input, [], OPTIONS));
    const cuts = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    expect(outcome(decodeSplit(core, input, cuts, OPTIONS))).toEqual(whole);
    // A padded DATA frame, byte by byte, gives one DATA frame.
    const padded = rawFrame(0, 0x09, 7, `03 ${filled(5, 1)} 000000`);
    const frames = decodeSplit(core, padded, Array.from({ length: padded.length - 1 }, (_, i) => i + 1)) as Frame[];
    expect(frames).toEqual([{ type: 'DATA', streamId: 7, flags: 9, endStream: true, padLength: 3, data: Uint8Array.from([1, 32, 63, 94, 125]) }]);
  });

  it('round-trips random valid frames through the writer and a split reader', async () => {
    const core = await sharedCore(codec);
    fc.assert(
      fc.property(fc.array(unitArb, { minLength: 1, maxLength: 12 }), fc.nat(), (units, seed) => {
        const frames = units.flat();
        const wire = core.encodeFrames(frames.map(forEncoder));
        const cuts = pseudoCuts(wire.length, seed);
        const got = decodeSplit(core, wire, cuts, { maxFrameSize: MAX });
        expect(got).toEqual(frames.map(decodedForm));
      }),
      { numRuns: runs(150) },
    );
  });
});

describe.each(CODECS)('reader robustness (%s)', (codec) => {
  it('random bytes give frames or a FrameError, the same for any split', async () => {
    const core = await sharedCore(codec);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), (bytes, seed) => {
        checkRobust(core, bytes, seed);
      }),
      { numRuns: runs(400) },
    );
    afterwardsWorks(core);
  });

  it('random frame-shaped input gives frames or a FrameError, the same for any split', async () => {
    const core = await sharedCore(codec);
    const rawArb = fc.record({
      type: fc.oneof(fc.integer({ min: 0, max: 0x10 }), fc.integer({ min: 0, max: 0xff })),
      flags: fc.oneof(fc.constantFrom(0, 1, 4, 5, 8, 0x20, 0x24, 0x2c, 0x2d), fc.integer({ min: 0, max: 0xff })),
      stream: fc.oneof(fc.constantFrom(0, 1, 3), fc.integer({ min: 0, max: 0xffffffff })),
      payload: fc.uint8Array({ maxLength: 40 }),
      lie: fc.option(fc.integer({ min: 0, max: 60 }), { freq: 8 }),
    });
    fc.assert(
      fc.property(fc.array(rawArb, { maxLength: 12 }), fc.nat(), (raws, seed) => {
        const bytes = cat(...raws.map((r) => {
          const f = rawFrame(r.type, r.flags, r.stream, '', r.lie ?? r.payload.length);
          return cat(f, r.payload);
        }));
        checkRobust(core, bytes, seed);
      }),
      { numRuns: runs(500) },
    );
    afterwardsWorks(core);
  });
});

function checkRobust(core: Core, bytes: Uint8Array, seed: number): void {
  const whole = decodeSplit(core, bytes, [], { maxFrameSize: 16384, maxHeaderBlockBytes: 200 });
  const split = decodeSplit(core, bytes, pseudoCuts(bytes.length, seed), { maxFrameSize: 16384, maxHeaderBlockBytes: 200 });
  expect(outcome(split)).toEqual(outcome(whole));
}

function afterwardsWorks(core: Core): void {
  const d = core.frameDecoder();
  expect(d.push(rawFrame(6, 0, 0, '0000000000000001'))).toHaveLength(1);
  d.close();
}

/** pseudoCuts derives a handful of cut points in [0, n] from a seed. */
function pseudoCuts(n: number, seed: number): number[] {
  const cuts = new Set<number>();
  let s = seed | 1;
  const k = seed % 7;
  for (let i = 0; i < k; i++) {
    s = Math.imul(s, 1103515245) + 12345;
    cuts.add(((s >>> 8) % (n + 1)));
  }
  if (seed % 11 === 0) for (let i = 1; i < Math.min(n, 64); i++) cuts.add(i);
  return [...cuts].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------
// Arbitraries for valid frames. Each generates the decoded form exactly
// (flags consistent with the booleans); forEncoder/decodedForm adjust the
// two representations that differ (UNKNOWN).

const streamArb = fc.integer({ min: 1, max: 0x7fffffff });
const u32Arb = fc.integer({ min: 0, max: 0xffffffff });
const bytesArb = (max: number) => fc.uint8Array({ maxLength: max });
const padArb = fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined });
const priorityArb = (streamId: number) =>
  fc.record({
    exclusive: fc.boolean(),
    dependency: fc.integer({ min: 0, max: 0x7fffffff }).filter((d) => d !== streamId),
    weight: fc.integer({ min: 1, max: 256 }),
  });

function withPad<T extends Frame & { flags: number; padLength?: number }>(f: T, pad: number | undefined): T {
  if (pad === undefined) return f;
  return { ...f, flags: f.flags | 8, padLength: pad };
}

const dataArb = fc.tuple(streamArb, fc.boolean(), bytesArb(300), padArb).map(([streamId, endStream, data, pad]): Frame =>
  withPad<Frame & { type: 'DATA' }>({ type: 'DATA', streamId, flags: endStream ? 1 : 0, endStream, data }, pad));

const settingArb: fc.Arbitrary<[number, number]> = fc.oneof(
  fc.tuple(fc.constantFrom(1, 3, 6), u32Arb),
  fc.tuple(fc.constantFrom(2, 8, 9), fc.integer({ min: 0, max: 1 })),
  fc.tuple(fc.constant(4), fc.integer({ min: 0, max: 0x7fffffff })),
  fc.tuple(fc.constant(5), fc.integer({ min: 16384, max: MAX })),
  fc.tuple(fc.integer({ min: 0x0a, max: 0xffff }), u32Arb),
);

const latin1Arb = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });

const controlArb: fc.Arbitrary<Frame> = fc.oneof(
  dataArb,
  streamArb.chain((streamId) => priorityArb(streamId).map((p): Frame => ({ type: 'PRIORITY', streamId, flags: 0, ...p }))),
  fc.tuple(streamArb, u32Arb).map(([streamId, errorCode]): Frame => ({ type: 'RST_STREAM', streamId, flags: 0, errorCode })),
  fc.oneof(
    fc.constant<Frame>({ type: 'SETTINGS', streamId: 0, flags: 1, ack: true, settings: [] }),
    fc.array(settingArb, { maxLength: 8 }).map((settings): Frame => ({ type: 'SETTINGS', streamId: 0, flags: 0, ack: false, settings })),
  ),
  fc.tuple(fc.boolean(), fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([ack, data]): Frame =>
    ({ type: 'PING', streamId: 0, flags: ack ? 1 : 0, ack, data })),
  fc.tuple(fc.integer({ min: 0, max: 0x7fffffff }), u32Arb, bytesArb(100)).map(([lastStreamId, errorCode, debugData]): Frame =>
    ({ type: 'GOAWAY', streamId: 0, flags: 0, lastStreamId, errorCode, debugData })),
  fc.tuple(fc.integer({ min: 0, max: 0x7fffffff }), fc.integer({ min: 1, max: 0x7fffffff })).map(([streamId, increment]): Frame =>
    ({ type: 'WINDOW_UPDATE', streamId, flags: 0, increment })),
  fc.tuple(streamArb, latin1Arb).map(([prioritizedStreamId, fieldValue]): Frame =>
    ({ type: 'PRIORITY_UPDATE', streamId: 0, flags: 0, prioritizedStreamId, fieldValue })),
  fc.tuple(fc.integer({ min: 0x0a, max: 0xff }).filter((t) => t !== 0x10), fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0x7fffffff }), bytesArb(50))
    .map(([frameType, flags, streamId, payload]): Frame => ({ type: 'UNKNOWN', streamId, flags, frameType, payload })),
);

const blockArb: fc.Arbitrary<Frame[]> = fc
  .tuple(streamArb, fc.boolean(), fc.array(bytesArb(60), { minLength: 1, maxLength: 5 }), padArb, fc.boolean(), fc.boolean())
  .chain(([streamId, endStream, fragments, pad, withPriority, push]) =>
    priorityArb(streamId).map((priority) => {
      const single = fragments.length === 1;
      let first: Frame;
      if (push) {
        first = withPad<Frame & { type: 'PUSH_PROMISE' }>({ type: 'PUSH_PROMISE', streamId, flags: single ? 4 : 0, endHeaders: single, promisedStreamId: (streamId % 1000) * 2 + 2, fragment: fragments[0] }, pad);
      } else {
        const h: Frame = { type: 'HEADERS', streamId, flags: (endStream ? 1 : 0) | (single ? 4 : 0), endStream, endHeaders: single, fragment: fragments[0] };
        if (withPriority) {
          h.flags |= 0x20;
          h.priority = priority;
        }
        first = withPad(h, pad);
      }
      const rest = fragments.slice(1).map((fragment, i): Frame => {
        const last = i === fragments.length - 2;
        return { type: 'CONTINUATION', streamId, flags: last ? 4 : 0, endHeaders: last, fragment };
      });
      return [first, ...rest];
    }),
  );

const unitArb: fc.Arbitrary<Frame[]> = fc.oneof(controlArb.map((f) => [f]), blockArb);

function forEncoder(f: Frame): Exclude<Frame, { type: 'STREAM_ERROR' }> {
  if (f.type === 'STREAM_ERROR') throw new Error('not encodable');
  return f;
}

function decodedForm(f: Frame): Frame {
  if (f.type === 'UNKNOWN') return { type: 'UNKNOWN', streamId: f.streamId, flags: f.flags, frameType: f.frameType, length: f.payload?.length ?? 0 };
  return f;
}
