// The liveness invariant (docs/server.md): nothing a peer sends or fails to read stops the process.
// Every way a connection ends is driven here with the transport full (a peer that does not read):
// the connection must not reschedule itself without an I/O event or a timer (no microtask spin),
// must end the transport once it drains, and must destroy it at closeTimeout when it never does.
// Also: the guards that bound what one connection may hold (window stall, slow header blocks,
// process-wide stream admission) and the bound on work per read.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  H2_PROTOCOL_ERROR, H2_ENHANCE_YOUR_CALM, H2_NO_ERROR, H2_SETTINGS_TIMEOUT, H2_CANCEL, H2_REFUSED_STREAM,
  FRAME_HEADERS, FLAG_END_STREAM,
} from '../../assembly/abi.js';
import type { ServerStream } from '../../host/engine/types.js';
import { TICK_MS } from '../../host/engine/ticker.js';
import { admission } from '../../host/engine/admission.js';
import { CODECS } from '../helpers/codecs.js';
import { EngineHarness, useFakeEngineTimers, dataFrames } from '../helpers/engine.js';
import { frameHeader } from '../helpers/raw-h2.js';
import { concatBytes } from '../../host/bytes.js';

useFakeEngineTimers();

const CLOSE_TIMEOUT = 2000;

/** frame lays down one frame from its parts (for frames the harness's encoder would refuse to make). */
function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  return concatBytes([frameHeader(payload.length, type, flags, streamId), payload]);
}

/** microtasksScheduled counts queueMicrotask calls while n microtask turns run: a connection that
 *  reschedules itself without I/O in between shows up as one call per turn. */
async function microtasksScheduled(n = 500): Promise<number> {
  const spy = vi.spyOn(globalThis, 'queueMicrotask');
  try {
    for (let i = 0; i < n; i++) await Promise.resolve();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

/** blockTransport makes the peer stop reading: the next write reports the transport full. */
async function blockTransport(h: EngineHarness): Promise<void> {
  h.transport.full = true;
  h.transport.unsentBytes = 1 << 20;
  h.send({ type: 'PING', ack: false, data: new Uint8Array(8) });
  await h.settle();
}

interface Ending {
  name: string;
  /** The code of the GOAWAY the ending queues (written once the transport drains). */
  code: number;
  options?: Record<string, number>;
  ack?: boolean;
  run(h: EngineHarness): Promise<void>;
}

const ENDINGS: Ending[] = [
  { name: 'a protocol error (DATA on stream 0)', code: H2_PROTOCOL_ERROR, run: async (h) => { h.sendBytes(frame(0, 0, 0, new Uint8Array(4))); } },
  {
    name: 'a PING flood from a peer that does not read (CVE-2019-9512)', code: H2_ENHANCE_YOUR_CALM,
    run: async (h) => { for (let i = 0; i < 1100; i++) h.send({ type: 'PING', ack: false, data: new Uint8Array(8) }); },
  },
  {
    name: 'a SETTINGS flood from a peer that does not read (CVE-2019-9515)', code: H2_ENHANCE_YOUR_CALM,
    run: async (h) => { for (let i = 0; i < 1100; i++) h.send({ type: 'SETTINGS', settings: [] }); },
  },
  { name: 'the peer\'s GOAWAY', code: -1, run: async (h) => { h.send({ type: 'GOAWAY', lastStreamId: 0, errorCode: H2_NO_ERROR, debugData: new Uint8Array(0) }); } },
  { name: 'the idle timeout', code: H2_NO_ERROR, options: { idleTimeout: 1000 }, run: async (h) => { await h.advance(1000 + TICK_MS); } },
  { name: 'a graceful shutdown', code: H2_NO_ERROR, run: async (h) => { h.conn.shutdown(); await h.advance(1000 + TICK_MS); } },
  { name: 'the SETTINGS timeout', code: H2_SETTINGS_TIMEOUT, ack: false, options: { settingsTimeout: 1000 }, run: async (h) => { await h.advance(1000 + TICK_MS); } },
  {
    name: 'a field block left open (headers timeout)', code: H2_ENHANCE_YOUR_CALM, options: { headersTimeout: 1000 },
    run: async (h) => {
      // HEADERS without END_HEADERS: the block waits for a CONTINUATION that never comes.
      const block = h.encode([h.headersFrame(1, [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'a']], true)]);
      h.sendBytes(frame(FRAME_HEADERS, FLAG_END_STREAM, 1, block.subarray(9)));
      await h.advance(1000 + TICK_MS);
    },
  },
];

describe.each(CODECS)('liveness: every connection end with a transport the peer does not read (%s)', (codec) => {
  describe.each(ENDINGS)('$name', (ending) => {
    it('does not spin, and is destroyed at closeTimeout when the transport never drains', async () => {
      const h = await EngineHarness.open(codec, { options: { closeTimeout: CLOSE_TIMEOUT, ...ending.options }, ack: ending.ack });
      await blockTransport(h);
      await ending.run(h);
      await h.settle();
      expect(await microtasksScheduled(), 'microtasks scheduled while the transport is full').toBeLessThan(5);
      expect(h.transport.destroyed).toBe(false);
      await h.advance(CLOSE_TIMEOUT + TICK_MS);
      expect(h.transport.destroyed, 'destroyed at the close deadline').toBe(true);
      expect(h.conn.isFinished).toBe(true);
      expect(h.logs.some((l) => l.message === 'close timed out, connection destroyed')).toBe(true);
      h.wantClean();
    });

    it('writes its last frames and ends the transport once it drains', async () => {
      const h = await EngineHarness.open(codec, { options: { closeTimeout: CLOSE_TIMEOUT, ...ending.options }, ack: ending.ack });
      await blockTransport(h);
      await ending.run(h);
      await h.settle();
      h.transport.full = false;
      h.transport.unsentBytes = 0;
      h.conn.drained();
      await h.settle();
      expect(h.transport.ended).toBe(true);
      if (ending.code >= 0) h.wantGoaway(ending.code);
      expect(h.transport.destroyed).toBe(false);
      h.wantClean();
    });
  });
});

describe.each(CODECS)('window stall (CVE-2019-9511) (%s)', (codec) => {
  const bigResponse = async (s: ServerStream) => { await s.end(new Uint8Array(200_000)); };

  it('a stream held open by +1 WINDOW_UPDATE drips is reset with CANCEL at windowStallTimeout', async () => {
    const h = await EngineHarness.open(codec, { handler: bigResponse, settings: [[0x4, 1]], options: { windowStallTimeout: 2000, streamIdleTimeout: 0 } });
    h.request(1);
    await h.settle();
    for (let t = 0; t < 3000; t += 100) {
      h.windowUpdate(1, 1);
      await h.advance(100);
    }
    h.wantRst(1, H2_CANCEL);
    expect(h.logs.some((l) => l.message === 'stream window stalled, reset')).toBe(true);
    h.wantClean();
  });

  it('a slow reader that opens a full frame of window at a time is not reset', async () => {
    const h = await EngineHarness.open(codec, { handler: bigResponse, settings: [[0x4, 1]], options: { windowStallTimeout: 2000, streamIdleTimeout: 0 } });
    h.request(1);
    await h.settle();
    for (let t = 0; t < 14_000; t += 1000) {
      h.windowUpdate(0, 16384);
      h.windowUpdate(1, 16384);
      await h.advance(1000);
    }
    h.noRst(1);
    expect(dataFrames(h.frames, 1).reduce((n, f) => n + f.data.length, 0)).toBe(200_000);
    h.wantClean();
  });

  it('a peer that stops reading the socket: the connection is destroyed at windowStallTimeout without progress', async () => {
    const h = await EngineHarness.open(codec, { handler: bigResponse, options: { windowStallTimeout: 2000, streamIdleTimeout: 0 } });
    await blockTransport(h);
    h.request(1);
    await h.settle();
    await h.advance(2000 + 2 * TICK_MS);
    expect(h.transport.destroyed).toBe(true);
    expect(h.conn.isFinished).toBe(true);
    h.wantClean();
  });

  it('a peer that reads slowly (16 KiB of progress per interval) keeps its connection', async () => {
    const h = await EngineHarness.open(codec, { handler: bigResponse, options: { windowStallTimeout: 2000, streamIdleTimeout: 0 } });
    await blockTransport(h);
    for (let t = 0; t < 6000; t += 1000) {
      h.transport.unsentBytes -= 20_000;
      await h.advance(1000);
    }
    expect(h.transport.destroyed).toBe(false);
    h.wantClean();
  });
});

describe.each(CODECS)('admission and bounded work (%s)', (codec) => {
  let before = 0;
  beforeEach(() => { before = admission.streamsInFlight; });
  afterEach(() => { expect(admission.streamsInFlight, 'streams in flight return to where they were').toBe(before); });

  it('streams over the process-wide cap get REFUSED_STREAM, not a GOAWAY; a slot freed is reused', async () => {
    const held: ServerStream[] = [];
    const h = await EngineHarness.open(codec, { handler: (s) => { held.push(s); }, options: { maxStreamsInFlight: before + 2 } });
    h.request(1);
    h.request(3);
    h.request(5);
    await h.settle();
    h.wantRst(5, H2_REFUSED_STREAM);
    h.noGoaway();
    await held[0].end('one');
    await h.settle();
    h.request(7);
    await h.settle();
    h.noRst(7);
    expect(held.map((s) => s.id)).toEqual([1, 3, 7]);
    for (const s of held.slice(1)) await s.end('x');
    await h.settle();
    h.wantClean();
  });

  it('streams of a connection that dies leave the process-wide count', async () => {
    const h = await EngineHarness.open(codec, { handler: () => {} });
    for (const id of [1, 3, 5, 7]) h.request(id);
    await h.settle();
    expect(admission.streamsInFlight).toBe(before + 4);
    h.conn.transportClosed();
    expect(admission.streamsInFlight).toBe(before);
  });

  it('one read of 200 KiB of PINGs is handled 64 KiB per turn, with reading paused in between', async () => {
    const h = await EngineHarness.open(codec);
    const ping = h.encode([{ type: 'PING', ack: false, data: new Uint8Array(8) }]);
    const n = Math.ceil((200 * 1024) / ping.length);
    const bytes = new Uint8Array(n * ping.length);
    for (let i = 0; i < n; i++) bytes.set(ping, i * ping.length);
    const acksBefore = h.frames.filter((f) => f.type === 'PING').length;
    h.sendBytes(bytes);
    const firstTurn = h.frames.filter((f) => f.type === 'PING').length - acksBefore;
    expect(firstTurn).toBeLessThanOrEqual(Math.ceil((64 * 1024) / ping.length));
    expect(h.transport.paused).toBe(true);
    // The rest comes a turn at a time (setImmediate): let the fake clock run a few.
    for (let i = 0; i < 5; i++) await h.advance(1);
    expect(h.frames.filter((f) => f.type === 'PING').length - acksBefore).toBe(n);
    expect(h.transport.paused).toBe(false);
    h.wantClean();
  });
});
