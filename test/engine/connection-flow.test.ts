// Flow control in ServerConnection (RFC 9113 §6.9, docs/server.md invariant 2).
// Send side: a fast-check model of the client's windows checks every DATA
// frame against what the client allowed at that moment. Receive side: window
// credit follows what the handler reads; padding is credited at once.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  H2_FLOW_CONTROL_ERROR, SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE,
} from '../../assembly/abi.js';
import type { Frame, WindowUpdateFrame } from '../../host/core/frames.js';
import { CODECS, runs } from '../helpers/codecs.js';
import { EngineHarness, bytesOf, dataFrames, wantBytes, FC_SEED, useFakeEngineTimers } from '../helpers/engine.js';

useFakeEngineTimers();

type Action =
  | { kind: 'wu'; target: number; increment: number } // target 0: the connection, k: the k-th stream
  | { kind: 'iw'; value: number }
  | { kind: 'mfs'; value: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('wu' as const), target: fc.integer({ min: 0, max: 3 }), increment: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 70_000 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('iw' as const), value: fc.oneof(fc.constantFrom(0, 1, 65535), fc.integer({ min: 0, max: 200_000 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mfs' as const), value: fc.oneof(fc.constant(16384), fc.integer({ min: 16384, max: 70_000 })) }) },
);

/** ClientWindows is what the client has allowed: the RFC 9113 §6.9 windows from the receiver's side. */
class ClientWindows {
  conn = 65535;
  readonly stream = new Map<number, number>();
  readonly received = new Map<number, number>();
  readonly ended = new Set<number>();
  violations: string[] = [];
  constructor(public iw: number, public maxFrame: number, ids: number[]) {
    for (const id of ids) {
      this.stream.set(id, iw);
      this.received.set(id, 0);
    }
  }

  /** see checks server frames in order against the windows and charges them. */
  see(frames: Frame[]): void {
    for (const f of frames) {
      if ((f.type === 'DATA' || f.type === 'HEADERS') && f.endStream) this.ended.add(f.streamId);
      if (f.type !== 'DATA') continue;
      const n = f.data.length + (f.padLength !== undefined ? f.padLength + 1 : 0);
      const sw = this.stream.get(f.streamId)!;
      if (n > this.maxFrame) this.violations.push(`DATA of ${n} on ${f.streamId} over max frame size ${this.maxFrame}`);
      if (n > sw) this.violations.push(`DATA of ${n} on ${f.streamId} over its window ${sw}`);
      if (n > this.conn) this.violations.push(`DATA of ${n} on ${f.streamId} over the connection window ${this.conn}`);
      this.stream.set(f.streamId, sw - n);
      this.conn -= n;
      this.received.set(f.streamId, this.received.get(f.streamId)! + f.data.length);
    }
  }

  setInitial(value: number): void {
    for (const [id, w] of this.stream) this.stream.set(id, w + value - this.iw);
    this.iw = value;
  }
}

describe.each(CODECS)('flow control, send side (%s)', (codec) => {
  it('never sends more DATA than min(stream window, connection window, max frame size), and sends it all once windows open', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 100, 16384, 65535, 100_000),
        fc.constantFrom(16384, 16385, 40_000),
        fc.array(fc.integer({ min: 0, max: 150_000 }), { minLength: 1, maxLength: 3 }),
        fc.array(actionArb, { maxLength: 25 }),
        fc.boolean(),
        async (iw, mfs, sizes, actions, chunked) => {
          const ids = sizes.map((_, k) => 2 * k + 1);
          const size = new Map(ids.map((id, k) => [id, sizes[k]]));
          const h = await EngineHarness.open(codec, {
            settings: [[SETTINGS_INITIAL_WINDOW_SIZE, iw], [SETTINGS_MAX_FRAME_SIZE, mfs]],
            options: { idleTimeout: 0, streamIdleTimeout: 0 },
            handler: async (s) => {
              const body = bytesOf(size.get(s.id)!, s.id);
              if (!chunked) {
                await s.end(body);
                return;
              }
              for (let at = 0; at < body.length; at += 7001) await s.write(body.subarray(at, at + 7001));
              await s.end();
            },
          });
          try {
            const model = new ClientWindows(iw, mfs, ids);
            h.take();
            for (const id of ids) h.request(id);
            await h.settle();
            model.see(h.take());
            for (const a of actions) {
              if (a.kind === 'wu') {
                const id = a.target === 0 ? 0 : ids[(a.target - 1) % ids.length];
                if (id !== 0 && model.ended.has(id)) continue; // the stream may be closed: no WINDOW_UPDATE on it
                h.windowUpdate(id, a.increment);
                if (id === 0) model.conn += a.increment;
                else model.stream.set(id, model.stream.get(id)! + a.increment);
              } else if (a.kind === 'iw') {
                h.send({ type: 'SETTINGS', settings: [[SETTINGS_INITIAL_WINDOW_SIZE, a.value]] });
                model.setInitial(a.value);
              } else {
                h.send({ type: 'SETTINGS', settings: [[SETTINGS_MAX_FRAME_SIZE, a.value]] });
                model.maxFrame = a.value;
              }
              await h.settle();
              model.see(h.take());
              expect(model.violations).toEqual([]);
            }
            // Open everything: every byte must arrive.
            const left = ids.reduce((n, id) => n + size.get(id)! - model.received.get(id)!, 0);
            h.send({ type: 'SETTINGS', settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20]] });
            model.setInitial(1 << 20);
            if (model.conn < left) {
              h.windowUpdate(0, left - model.conn);
              model.conn = left;
            }
            for (const id of ids) {
              const need = size.get(id)! - model.received.get(id)! - model.stream.get(id)!;
              if (need > 0 && !model.ended.has(id)) {
                h.windowUpdate(id, need);
                model.stream.set(id, model.stream.get(id)! + need);
              }
            }
            await h.settle();
            model.see(h.take());
            expect(model.violations).toEqual([]);
            for (const id of ids) {
              wantBytes(h.dataFor(id), bytesOf(size.get(id)!, id), `stream ${id}`);
              expect(h.endedStream(id)).toBe(true);
            }
            h.noGoaway();
            h.wantClean();
          } finally {
            h.dispose();
          }
        },
      ),
      { numRuns: runs(60), seed: FC_SEED },
    );
  });

  it('a SETTINGS_INITIAL_WINDOW_SIZE drop makes a window negative: nothing is sent until it is positive again', async () => {
    const h = await EngineHarness.open(codec, {
      settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 30_000]],
      handler: async (s) => { await s.end(bytesOf(100_000, 1)); },
    });
    h.request(1);
    await h.settle();
    expect(h.dataFor(1).length).toBe(30_000);
    h.send({ type: 'SETTINGS', settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 10_000]] }); // window: -20000
    h.windowUpdate(1, 19_999); // window: -1
    await h.settle();
    expect(h.dataFor(1).length).toBe(30_000);
    h.windowUpdate(1, 101); // window: 100
    await h.settle();
    expect(h.dataFor(1).length).toBe(30_100);
    h.wantClean();
  });

  it('a larger SETTINGS_MAX_FRAME_SIZE from the client gives larger DATA frames, never over it', async () => {
    const h = await EngineHarness.open(codec, {
      settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20], [SETTINGS_MAX_FRAME_SIZE, 50_000]],
      handler: async (s) => { await s.end(bytesOf(60_000, 1)); },
    });
    h.request(1);
    await h.settle();
    expect(dataFrames(h.frames, 1).map((f) => f.data.length)).toEqual([50_000, 10_000]);
  });
});

describe.each(CODECS)('flow control, receive side (%s)', (codec) => {
  const IW = 16384;
  const streamUpdates = (h: EngineHarness, id: number) =>
    h.frames.filter((f): f is WindowUpdateFrame => f.type === 'WINDOW_UPDATE' && f.streamId === id).map((f) => f.increment);

  it('a handler that does not read gets no WINDOW_UPDATE; DATA beyond the window is RST FLOW_CONTROL_ERROR', async () => {
    const h = await EngineHarness.open(codec, { options: { settings: { initialWindowSize: IW } } });
    h.request(1, null, { endStream: false });
    h.data(1, bytesOf(IW));
    await h.settle();
    expect(streamUpdates(h, 1)).toEqual([]);
    h.noRst(1);
    const s = h.streams.get(1)!;
    h.data(1, 'x');
    await h.settle();
    h.wantRst(1, H2_FLOW_CONTROL_ERROR);
    // The reset drops the unread body: read() rejects with the stream error.
    await expect(s.read()).rejects.toMatchObject({ code: H2_FLOW_CONTROL_ERROR });
    expect(s.signal.aborted).toBe(true);
    h.noGoaway();
    h.wantClean();
  });

  it('WINDOW_UPDATEs come as the handler reads, once half the window is consumed', async () => {
    const h = await EngineHarness.open(codec, { options: { settings: { initialWindowSize: IW } } });
    h.request(1, null, { endStream: false });
    for (let i = 0; i < 4; i++) h.data(1, bytesOf(4096, i));
    await h.settle();
    const s = h.streams.get(1)!;
    expect(streamUpdates(h, 1)).toEqual([]);
    await s.read();
    await h.settle();
    expect(streamUpdates(h, 1)).toEqual([]);
    await s.read();
    await h.settle();
    expect(streamUpdates(h, 1)).toEqual([8192]);
    await s.read();
    await s.read();
    await h.settle();
    expect(streamUpdates(h, 1)).toEqual([8192, 8192]);
    // The window is whole again: a full window more is accepted.
    h.data(1, bytesOf(IW), true);
    await h.settle();
    h.noRst(1);
    const chunk = await s.read();
    expect(chunk?.length).toBe(IW);
    expect(await s.read()).toBeNull();
    h.wantClean();
  });

  it('a stream opened before our SETTINGS are acknowledged may use the default window until the ACK', async () => {
    const h = await EngineHarness.open(codec, { ack: false, options: { settings: { initialWindowSize: IW } } });
    h.request(1, null, { endStream: false });
    h.data(1, bytesOf(15_000));
    h.data(1, bytesOf(15_000));
    await h.settle();
    h.noRst(1);
    h.noGoaway();
    h.send({ type: 'SETTINGS', ack: true, settings: [] }); // window: 65535 - 30000 - (65535 - 16384) < 0
    h.data(1, 'x');
    await h.settle();
    h.wantRst(1, H2_FLOW_CONTROL_ERROR);
  });

  it('padding is credited back at once, the data only when read', async () => {
    const h = await EngineHarness.open(codec, { options: { settings: { initialWindowSize: IW } } });
    h.request(1, null, { endStream: false });
    const frames = 100;
    const pad = 200;
    // 100 frames of 1 + 1 + 200 octets: 20200 octets of window, more than IW, 100 of them data.
    h.send(...Array.from({ length: frames }, (_, i) => ({ type: 'DATA' as const, streamId: 1, data: bytesOf(1, i), padLength: pad })));
    await h.settle();
    h.noRst(1);
    const credited = streamUpdates(h, 1).reduce((a, b) => a + b, 0);
    expect(credited).toBeGreaterThan(frames * (pad + 1) - IW / 2);
    expect(credited).toBeLessThanOrEqual(frames * (pad + 1));
    const s = h.streams.get(1)!;
    expect((await s.read())?.length).toBe(1);
    h.wantClean();
  });
});
