// RFC 9218 scheduling in ServerConnection: urgency order, incremental
// round-robin, PRIORITY_UPDATE on open and not-yet-open streams. The
// connection window is drained first by a warm-up response, then opened a
// little at a time by the client, so the order of DATA frames is the
// scheduler's choice and not the order the handlers wrote.

import { describe, expect, it } from 'vitest';
import { SETTINGS_INITIAL_WINDOW_SIZE } from '../../assembly/abi.js';
import type { DataFrame } from '../../host/core/frames.js';
import { CODECS } from '../helpers/codecs.js';
import { EngineHarness, bytesOf, dataFrames, wantBytes, useFakeEngineTimers } from '../helpers/engine.js';

useFakeEngineTimers();

const BODY = 64 * 1024;
const WARM_UP = 65535;

/** open makes a connection whose stream windows are wide (the connection window is the only limit),
 *  serving BODY bytes on every stream but stream 1, which takes the whole initial connection window. */
async function drained(codec: 'wasm' | 'js'): Promise<EngineHarness> {
  const h = await EngineHarness.open(codec, {
    settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20]],
    handler: async (s) => {
      await s.end(bytesOf(s.id === 1 ? WARM_UP : BODY, s.id));
    },
  });
  h.request(1);
  await h.settle();
  expect(h.dataFor(1).length).toBe(WARM_UP);
  expect(h.endedStream(1)).toBe(true);
  h.take();
  return h;
}

function req(h: EngineHarness, id: number, priority?: string): void {
  h.request(id, null, { extra: priority === undefined ? [] : [['priority', priority]] });
}

/** openWindow gives the connection `step` more octets `times` times, settling after each, and returns the DATA frames. */
async function openWindow(h: EngineHarness, step: number, times: number): Promise<DataFrame[]> {
  const out: DataFrame[] = [];
  for (let i = 0; i < times; i++) {
    h.windowUpdate(0, step);
    await h.settle();
    out.push(...dataFrames(h.take()));
  }
  return out;
}

/** order returns the stream ids of the frames, runs collapsed: [3,3,5,5,3] -> [3,5,3]. */
function runs(frames: DataFrame[]): number[] {
  const out: number[] = [];
  for (const f of frames) if (out[out.length - 1] !== f.streamId) out.push(f.streamId);
  return out;
}

describe.each(CODECS)('RFC 9218 scheduling (%s)', (codec) => {
  it('a more urgent stream opened later goes before the rest of a less urgent one', async () => {
    const h = await drained(codec);
    req(h, 3, 'u=5');
    await h.settle();
    const early = await openWindow(h, 4096, 1);
    expect(runs(early)).toEqual([3]);
    req(h, 5, 'u=1');
    await h.settle();
    const rest = await openWindow(h, 4096, 40);
    // All of stream 5, then what is left of stream 3.
    expect(runs(rest)).toEqual([5, 3]);
    wantBytes(h.dataFor(5), bytesOf(BODY, 5));
    wantBytes(h.dataFor(3), bytesOf(BODY, 3));
    expect(h.endedStream(3) && h.endedStream(5)).toBe(true);
    h.wantClean();
  });

  it('the urgent stream preempts even when both were ready before the window opened', async () => {
    const h = await drained(codec);
    req(h, 3, 'u=7');
    req(h, 5, 'u=6');
    req(h, 7, 'u=0');
    await h.settle();
    const frames = await openWindow(h, 16384, 13);
    expect(runs(frames)).toEqual([7, 5, 3]);
  });

  it('incremental streams of one urgency interleave frame by frame (window opened at once)', async () => {
    const h = await drained(codec);
    req(h, 3, 'u=3, i');
    req(h, 5, 'u=3, i');
    await h.settle();
    const frames = await openWindow(h, 2 * BODY, 1);
    expect(frames.map((f) => f.streamId)).toEqual([3, 5, 3, 5, 3, 5, 3, 5]);
    wantBytes(h.dataFor(3), bytesOf(BODY, 3));
    wantBytes(h.dataFor(5), bytesOf(BODY, 5));
  });

  it('incremental streams interleave frame by frame when the window opens one frame at a time', async () => {
    const h = await drained(codec);
    req(h, 3, 'u=3, i');
    req(h, 5, 'u=3, i');
    await h.settle();
    const frames = await openWindow(h, 16384, 8);
    // Round-robin: each window step serves the stream that did not get the previous frame.
    expect(frames.map((f) => f.streamId)).toEqual([3, 5, 3, 5, 3, 5, 3, 5]);
  });

  it('non-incremental streams of one urgency go one after the other, in the order they became ready', async () => {
    const h = await drained(codec);
    req(h, 3);
    req(h, 5);
    await h.settle();
    const frames = await openWindow(h, 8192, 17);
    expect(runs(frames)).toEqual([3, 5]);
  });

  it('a non-incremental response in progress is not interrupted by a stream of the same urgency opened before it', async () => {
    // Stream 3 opens first but its handler answers later; stream 5 starts sending first.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const h = await EngineHarness.open(codec, {
      settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20]],
      handler: async (s) => {
        if (s.id === 3) await gate;
        await s.end(bytesOf(s.id === 1 ? WARM_UP : BODY, s.id));
      },
    });
    h.request(1);
    await h.settle();
    h.take();
    req(h, 3);
    req(h, 5);
    await h.settle();
    const early = await openWindow(h, 4096, 1);
    expect(runs(early)).toEqual([5]);
    release();
    await h.settle();
    const rest = await openWindow(h, 4096, 40);
    // RFC 9218 §4.2 / frameData's contract: non-incremental streams "one after the other in the order they became ready".
    expect(runs(rest)).toEqual([5, 3]);
  });

  it('PRIORITY_UPDATE re-prioritizes an open stream', async () => {
    const h = await drained(codec);
    req(h, 3);
    req(h, 5);
    await h.settle();
    const early = await openWindow(h, 4096, 1);
    expect(runs(early)).toEqual([3]);
    h.send({ type: 'PRIORITY_UPDATE', prioritizedStreamId: 5, fieldValue: 'u=0' });
    await h.settle();
    const rest = await openWindow(h, 4096, 40);
    expect(runs(rest)).toEqual([5, 3]);
    wantBytes(h.dataFor(3), bytesOf(BODY, 3));
    wantBytes(h.dataFor(5), bytesOf(BODY, 5));
  });

  it('PRIORITY_UPDATE moves a stream that is scheduled (mid-flush) to its new bucket', async () => {
    const h = await drained(codec);
    req(h, 3, 'u=2');
    req(h, 5, 'u=4');
    await h.settle();
    h.send({ type: 'PRIORITY_UPDATE', prioritizedStreamId: 3, fieldValue: 'u=6' });
    await h.settle();
    const frames = await openWindow(h, 8192, 17);
    expect(runs(frames)).toEqual([5, 3]);
  });

  it('PRIORITY_UPDATE sent before the stream opens applies when it opens', async () => {
    const h = await drained(codec);
    h.send({ type: 'PRIORITY_UPDATE', prioritizedStreamId: 5, fieldValue: 'u=0' });
    req(h, 3, 'u=3');
    req(h, 5); // no priority field: the earlier PRIORITY_UPDATE holds
    await h.settle();
    const frames = await openWindow(h, 8192, 17);
    expect(runs(frames)).toEqual([5, 3]);
    h.wantClean();
  });
});
