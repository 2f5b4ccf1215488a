// Flow control driven by the two batched calls: frameRead with a FlowControl
// attached (receive side), and flowFlush (send side and owed WINDOW_UPDATEs).
// RFC 9113 §5.2 and §6.9, one rule at a time, against both builds of the core.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INITIAL_WINDOW_SIZE as DEFAULT, MAX_WINDOW_SIZE as MAX, ERR_BAD_ARGUMENT, ERR_BAD_HANDLE,
  SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE, H2_FLOW_CONTROL_ERROR,
} from '../../assembly/abi.js';
import type { Core, FlowControl, FlowPosition, Frame, FrameInit } from '../../host/index.js';
import { FrameError } from '../../host/index.js';
import { CODECS, sharedCore } from '../helpers/codecs.js';
import { cat } from '../helpers/frames.js';
import { flowReport } from './driver.js';

const H = (streamId: number, endStream = false): FrameInit => ({ type: 'HEADERS', streamId, endHeaders: true, endStream, fragment: new Uint8Array(0) });
const D = (streamId: number, n: number, padLength?: number, endStream = false): FrameInit =>
  padLength === undefined
    ? { type: 'DATA', streamId, endStream, data: new Uint8Array(n) }
    : { type: 'DATA', streamId, endStream, data: new Uint8Array(n), padLength };
const WU = (streamId: number, increment: number): FrameInit => ({ type: 'WINDOW_UPDATE', streamId, increment });
const S = (...settings: Array<[number, number]>): FrameInit => ({ type: 'SETTINGS', settings });
const ACK: FrameInit = { type: 'SETTINGS', ack: true, settings: [] };

/** parseWindowUpdates reads a run of WINDOW_UPDATE frames. */
function parseWindowUpdates(bytes: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 0; p < bytes.length; p += 13) {
    expect(v.getUint32(0 + p) >>> 8).toBe(4);
    expect(bytes[p + 3]).toBe(8);
    out.push([v.getUint32(p + 5) & 0x7fffffff, v.getUint32(p + 9)]);
  }
  return out;
}

describe.each(CODECS)('flow control in the read and flush calls (%s)', (codec) => {
  let core: Core;
  const make = async (local = DEFAULT, position: FlowPosition = 'server') => {
    core = await sharedCore(codec);
    const flow = core.flowControl({ localInitialWindow: local });
    const reader = core.frameDecoder({ flow, position });
    const read = (...frames: FrameInit[]) => reader.push(core.encodeFrames(frames)).map(flowReport);
    return { flow, reader, read };
  };
  const updatesOf = (flow: FlowControl) => parseWindowUpdates(flow.flush().windowUpdates().slice());

  describe('receive side', () => {
    it('opens a stream the peer opens and charges its DATA in the same read', async () => {
      const { flow, read } = await make();
      expect(read(H(1), D(1, 1000))).toEqual([
        { type: 'HEADERS', streamId: 1, flowOpened: true },
        { type: 'DATA', streamId: 1, n: 1000 },
      ]);
      expect(flow.windows(1)).toEqual({ send: DEFAULT, recv: DEFAULT - 1000, held: 1000, target: DEFAULT });
      expect(flow.windows(0)).toEqual({ send: DEFAULT, recv: DEFAULT - 1000, held: 1000, target: DEFAULT });
      // Trailers on the open stream open nothing, nor does a lower id, nor an even id (server position).
      expect(read(H(1, true), H(2), H(3), H(3))).toEqual([
        { type: 'HEADERS', streamId: 1 }, { type: 'HEADERS', streamId: 2 },
        { type: 'HEADERS', streamId: 3, flowOpened: true }, { type: 'HEADERS', streamId: 3 },
      ]);
      expect(flow.windows(2)).toBeNull();
    });

    it('opens the slot of a HEADERS block completed by CONTINUATION, and of a decoded block', async () => {
      core = await sharedCore(codec);
      const flow = core.flowControl();
      const reader = core.frameDecoder({ flow });
      const frames = reader.push(core.encodeFrames([
        { type: 'HEADERS', streamId: 1, endHeaders: false, fragment: new Uint8Array(0) },
        { type: 'CONTINUATION', streamId: 1, endHeaders: true, fragment: new Uint8Array(0) },
      ]));
      expect(frames.map((f) => ('flowOpened' in f ? f.flowOpened : undefined))).toEqual([undefined, true]);
      const hpack = core.hpackDecoder();
      const flow2 = core.flowControl();
      const decoded = core.frameDecoder({ flow: flow2, hpack });
      const block = core.hpackEncoder().encode([[':method', 'GET'], [':path', '/']]);
      const got = decoded.push(core.encodeFrames([{ type: 'HEADERS', streamId: 5, endHeaders: true, fragment: block }, D(5, 10)]));
      expect(got.map(flowReport)).toEqual([{ type: 'HEADERS', streamId: 5, flowOpened: true }, { type: 'DATA', streamId: 5, n: 10 }]);
      expect(flow2.windows(5)!.held).toBe(10);
    });

    it('counts padding (RFC 9113 §6.9.1) and gives it back at once', async () => {
      const { flow, read } = await make();
      read(H(1));
      expect(read(D(1, 100, 10))).toEqual([{ type: 'DATA', streamId: 1, n: 100 }]);
      // 111 octets charged; the Pad Length octet and the 10 padding octets are consumed already.
      expect(flow.windows(1)).toEqual({ send: DEFAULT, recv: DEFAULT - 111, held: 100, target: DEFAULT });
      expect(flow.windows(0)!.recv).toBe(DEFAULT - 111);
      // Enough padding reaches the policy's threshold: the WINDOW_UPDATEs are owed in the read's records.
      const pads: FrameInit[] = [];
      for (let i = 0; i < 130; i++) pads.push(D(1, 0, 255));
      const got = read(...pads);
      const owed = got.filter((f) => f.type === 'WINDOW_UPDATE_OWED');
      expect(owed).toEqual([
        { type: 'WINDOW_UPDATE_OWED', streamId: 1, increment: 11 + 128 * 256 },
        { type: 'WINDOW_UPDATE_OWED', streamId: 0, increment: 11 + 128 * 256 },
      ]);
      expect(updatesOf(flow)).toEqual([[1, 11 + 128 * 256], [0, 11 + 128 * 256]]);
      expect(updatesOf(flow)).toEqual([]);
    });

    it('charges a DATA frame spanning several reads once', async () => {
      const { flow, reader } = await make();
      const bytes = core.encodeFrames([H(1), D(1, 5000, 7), D(1, 3000)]);
      const frames: Frame[] = [];
      for (let i = 0; i < bytes.length; i += 7) frames.push(...reader.push(bytes.subarray(i, Math.min(bytes.length, i + 7))));
      expect(frames.map(flowReport)).toEqual([
        { type: 'HEADERS', streamId: 1, flowOpened: true }, { type: 'DATA', streamId: 1, n: 5000 }, { type: 'DATA', streamId: 1, n: 3000 },
      ]);
      expect(flow.windows(1)).toEqual({ send: DEFAULT, recv: DEFAULT - 8008, held: 8000, target: DEFAULT });
      expect(flow.windows(0)!.recv).toBe(DEFAULT - 8008);
    });

    it('charges DATA on a stream it does not know to the connection and gives it back at once', async () => {
      const { flow, read } = await make();
      expect(read(D(7, 1000))).toEqual([{ type: 'DATA', streamId: 7, n: 1000, untracked: true }]);
      expect(flow.windows(0)).toEqual({ send: DEFAULT, recv: DEFAULT - 1000, held: 0, target: DEFAULT });
      // 1000 + 31767 unannounced reach half the target: one connection WINDOW_UPDATE for all of it.
      expect(read(D(7, 16384), D(7, 15383))).toEqual([
        { type: 'DATA', streamId: 7, n: 16384, untracked: true },
        { type: 'WINDOW_UPDATE_OWED', streamId: 0, increment: 32767 },
        { type: 'DATA', streamId: 7, n: 15383, untracked: true },
      ]);
      expect(flow.windows(0)!.recv).toBe(DEFAULT);
      expect(updatesOf(flow)).toEqual([[0, 32767]]);
    });

    it('discards DATA of a stream the host closed: its held bytes and later DATA go back to the connection', async () => {
      const { flow, read } = await make();
      read(H(1), D(1, 16384), D(1, 13616));
      flow.streamClosed(1);
      expect(updatesOf(flow)).toEqual([]); // 30000 < 32767: below the threshold
      expect(read(D(1, 3000))).toEqual([
        { type: 'WINDOW_UPDATE_OWED', streamId: 0, increment: 33000 },
        { type: 'DATA', streamId: 1, n: 3000, untracked: true },
      ]);
      expect(updatesOf(flow)).toEqual([[0, 33000]]);
      expect(flow.windows(0)).toEqual({ send: DEFAULT, recv: DEFAULT, held: 0, target: DEFAULT });
    });

    it('makes overrunning the connection window a connection error FLOW_CONTROL_ERROR', async () => {
      const { read } = await make(1 << 20);
      read(H(1));
      let err: unknown;
      try {
        read(D(1, 16384), D(1, 16384), D(1, 16384), D(1, 16383), D(1, 1));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FrameError);
      expect((err as FrameError).code).toBe(H2_FLOW_CONTROL_ERROR);
      expect((err as FrameError).reason).toBe('FLOW_CONTROL');
      expect((err as FrameError).frames.filter((f) => f.type === 'DATA')).toHaveLength(4);
    });

    it('makes overrunning a stream window a stream error: no DATA delivered, bytes given back, slot closed', async () => {
      const { flow, read } = await make(100);
      read(H(1), D(1, 60));
      expect(read(D(1, 41), D(1, 5))).toEqual([
        { type: 'STREAM_ERROR', streamId: 1, errorCode: H2_FLOW_CONTROL_ERROR, reason: 'FLOW_CONTROL' },
        { type: 'DATA', streamId: 1, n: 5, untracked: true },
      ]);
      expect(flow.windows(1)).toBeNull();
      // 60 held + 41 + 5 are all back in the connection window, unannounced (below the threshold).
      expect(flow.windows(0)).toEqual({ send: DEFAULT, recv: DEFAULT - 106, held: 0, target: DEFAULT });
      flow.consumed(1, 60); // the host did not know yet: harmless
      const r = flow.flush();
      expect(r.result(0)).toBe(ERR_BAD_HANDLE);
    });

    it('credits WINDOW_UPDATE to the send windows and says when it wakes a stream', async () => {
      const { flow, read } = await make();
      read(H(1));
      flow.demand(1, DEFAULT, false);
      expect(flow.flush().granted(0)).toBe(DEFAULT);
      expect(read(WU(1, 10), WU(0, 5), WU(1, 10), WU(9, 1))).toEqual([
        { type: 'WINDOW_UPDATE', streamId: 1, woken: true, untracked: false, window: 10 },
        { type: 'WINDOW_UPDATE', streamId: 0, woken: true, untracked: false, window: 5 },
        { type: 'WINDOW_UPDATE', streamId: 1, woken: false, untracked: false, window: 20 },
        { type: 'WINDOW_UPDATE', streamId: 9, woken: false, untracked: true, window: 0 },
      ]);
    });

    it('makes a WINDOW_UPDATE past 2^31-1 a stream error on a stream and a connection error on stream 0 (§6.9.1)', async () => {
      const { flow, read } = await make();
      read(H(1), H(3));
      expect(read(WU(1, MAX - DEFAULT), WU(3, MAX - DEFAULT + 1))).toEqual([
        { type: 'WINDOW_UPDATE', streamId: 1, woken: false, untracked: false, window: MAX },
        { type: 'STREAM_ERROR', streamId: 3, errorCode: H2_FLOW_CONTROL_ERROR, reason: 'FLOW_CONTROL' },
      ]);
      expect(flow.windows(3)).toBeNull();
      expect(() => read(WU(0, MAX - DEFAULT + 1))).toThrow(FrameError);
    });

    it('applies the peer SETTINGS_INITIAL_WINDOW_SIZE to every open stream when read (§6.9.2)', async () => {
      const { flow, read } = await make();
      read(H(1), H(3));
      flow.demand(1, 40000, false);
      flow.demand(3, 10000, false);
      flow.flush();
      // Lowered by 30000: stream 1 goes negative, stream 3 to 25535.
      expect(read(S([SETTINGS_INITIAL_WINDOW_SIZE, DEFAULT - 30000]))).toEqual([{ type: 'SETTINGS', woken: 0 }]);
      expect(flow.windows(1)!.send).toBe(DEFAULT - 40000 - 30000);
      expect(flow.windows(3)!.send).toBe(DEFAULT - 10000 - 30000);
      // A WINDOW_UPDATE on a negative window leaves it negative, and does not wake it.
      expect(read(WU(1, 4000))).toEqual([{ type: 'WINDOW_UPDATE', streamId: 1, woken: false, untracked: false, window: -465 }]);
      flow.demand(1, 100, false);
      expect(flow.flush().granted(0)).toBe(0);
      // Raised again: stream 1 wakes; streams opened later start at the new value.
      expect(read(S([SETTINGS_INITIAL_WINDOW_SIZE, DEFAULT]), H(5))).toEqual([
        { type: 'SETTINGS', woken: 1 }, { type: 'HEADERS', streamId: 5, flowOpened: true },
      ]);
      expect(flow.windows(1)!.send).toBe(DEFAULT - 40000 + 4000);
      expect(flow.windows(5)!.send).toBe(DEFAULT);
      expect(flow.windows(0)!.send).toBe(DEFAULT - 50000); // the connection window is not touched
      // Past 2^31-1 on any stream: a connection error FLOW_CONTROL_ERROR.
      read(WU(5, MAX - DEFAULT));
      let err: unknown;
      try {
        read(S([SETTINGS_INITIAL_WINDOW_SIZE, DEFAULT + 1]));
      } catch (e) {
        err = e;
      }
      expect((err as FrameError).code).toBe(H2_FLOW_CONTROL_ERROR);
      expect(() => flow.flush()).toThrow(/BAD_STATE/);
    });

    it('in the client position opens no stream on HEADERS: the host opens its own by command', async () => {
      const { flow, read } = await make(DEFAULT, 'client');
      flow.streamOpened(1);
      flow.streamOpened(1);
      const r = flow.flush();
      expect([r.result(0), r.result(1)]).toEqual([0, ERR_BAD_ARGUMENT]);
      expect(read(H(1), D(1, 10), H(3), D(3, 10))).toEqual([
        { type: 'HEADERS', streamId: 1 }, { type: 'DATA', streamId: 1, n: 10 },
        { type: 'HEADERS', streamId: 3 }, { type: 'DATA', streamId: 3, n: 10, untracked: true },
      ]);
      expect(flow.windows(1)!.held).toBe(10);
    });

    it('in the client position opens the slot of a stream the server reserves with PUSH_PROMISE', async () => {
      const { flow, read } = await make(DEFAULT, 'client');
      flow.streamOpened(1);
      flow.flush();
      const P = (promisedStreamId: number): FrameInit => ({ type: 'PUSH_PROMISE', streamId: 1, endHeaders: true, promisedStreamId, fragment: new Uint8Array(0) });
      expect(read(P(2), H(2), D(2, 100), P(2), P(3), P(6))).toEqual([
        { type: 'PUSH_PROMISE', streamId: 1, promised: 2, flowOpened: true },
        { type: 'HEADERS', streamId: 2 }, { type: 'DATA', streamId: 2, n: 100 },
        { type: 'PUSH_PROMISE', streamId: 1, promised: 2 }, { type: 'PUSH_PROMISE', streamId: 1, promised: 3 },
        { type: 'PUSH_PROMISE', streamId: 1, promised: 6, flowOpened: true },
      ]);
      expect(flow.windows(2)!.held).toBe(100);
      // The server position opens nothing on a PUSH_PROMISE (a client sending one is the host's protocol error).
      const server = await make();
      expect(server.read(H(1), P(2))).toEqual([{ type: 'HEADERS', streamId: 1, flowOpened: true }, { type: 'PUSH_PROMISE', streamId: 1, promised: 2 }]);
    });
  });

  describe('flush', () => {
    it('grants at most both send windows, split at the peer max frame size, END_STREAM on the last frame', async () => {
      const { flow, read } = await make();
      read(H(1), H(3), H(5));
      const a = flow.demand(1, 40000, true);
      const b = flow.demand(3, 40000, true, 20000);
      const c = flow.demand(5, 40000, true);
      const r = flow.flush();
      expect([r.granted(a), r.frames(a), r.endStream(a)]).toEqual([40000, 3, true]);
      expect([0, 1, 2].map((k) => r.frameLength(a, k))).toEqual([16384, 16384, 7232]);
      expect(Array.from(r.frameHeader(a, 2))).toEqual([0, 0x1c, 0x40, 0, 1, 0, 0, 0, 1]);
      expect(Array.from(r.frameHeader(a, 0))).toEqual([0, 0x40, 0, 0, 0, 0, 0, 0, 1]);
      // The cap bounds it; it is not blocked.
      expect([r.granted(b), r.frames(b), r.endStream(b), r.streamBlocked(b), r.connectionBlocked(b)]).toEqual([20000, 2, false, false, false]);
      // The connection window runs out: 5535 left.
      expect([r.granted(c), r.frames(c), r.endStream(c), r.streamBlocked(c), r.connectionBlocked(c)]).toEqual([5535, 1, false, false, true]);
      expect(r.headerAt(c)).toBe(r.headerAt(b, 2));
      expect(r.updatesAt).toBe(6 * 9);
      expect(r.bytes).toBe(6 * 9);
      expect(flow.windows(0)!.send).toBe(0);
      expect(flow.windows(5)!.send).toBe(DEFAULT - 5535);
      // No window: nothing, except an empty DATA frame with END_STREAM.
      const d = flow.demand(5, 1, true);
      const e = flow.demand(5, 0, true);
      const r2 = flow.flush();
      expect([r2.granted(d), r2.frames(d), r2.connectionBlocked(d), r2.granted(e), r2.frames(e), r2.endStream(e)]).toEqual([0, 0, true, 0, 1, true]);
      expect(Array.from(r2.frameHeader(e, 0))).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 5]);
    });

    it('splits at the peer SETTINGS_MAX_FRAME_SIZE read from its SETTINGS, or set by command', async () => {
      const { flow, read } = await make();
      read(S([SETTINGS_MAX_FRAME_SIZE, 20000]), H(1), WU(0, 100000), WU(1, 100000));
      const a = flow.demand(1, 50000, false);
      let r = flow.flush();
      expect([0, 1, 2].map((k) => r.frameLength(a, k))).toEqual([20000, 20000, 10000]);
      flow.peerMaxFrameSize(16383);
      flow.peerMaxFrameSize(30000);
      const b = flow.demand(1, 50000, false);
      r = flow.flush();
      expect([r.result(0), r.result(1)]).toEqual([ERR_BAD_ARGUMENT, 0]);
      expect([0, 1].map((k) => r.frameLength(b, k))).toEqual([30000, 20000]);
    });

    it('owes WINDOW_UPDATEs as the application consumes, once half the target is unannounced', async () => {
      const { flow, read } = await make();
      read(H(1), D(1, 16384), D(1, 16384), D(1, 16384));
      flow.consumed(1, 32766);
      expect(updatesOf(flow)).toEqual([]);
      flow.consumed(1, 1);
      flow.consumed(1, 16384 * 3); // more than held: refused, changes nothing
      const r = flow.flush();
      expect([r.result(0), r.result(1)]).toEqual([0, ERR_BAD_ARGUMENT]);
      expect(parseWindowUpdates(r.windowUpdates())).toEqual([[1, 32767], [0, 32767]]);
      expect(flow.windows(1)).toEqual({ send: DEFAULT, recv: DEFAULT - 16385, held: 16385, target: DEFAULT });
      // Closing gives the held bytes back to the connection, announced by the same policy.
      flow.streamClosed(1);
      expect(updatesOf(flow)).toEqual([]);
      expect(flow.windows(0)).toEqual({ send: DEFAULT, recv: DEFAULT - 16385, held: 0, target: DEFAULT });
      read(D(1, 16382));
      expect(updatesOf(flow)).toEqual([[0, 32767]]);
    });

    it('owes a stream nothing more once the peer ended it, and the connection all the same', async () => {
      const { flow, read } = await make();
      read(H(1), D(1, 16384), D(1, 16384), D(1, 0, 10, true), H(3, true));
      flow.consumed(1, 32768);
      expect(updatesOf(flow)).toEqual([[0, 32779]]);
      expect(flow.windows(1)).toEqual({ send: DEFAULT, recv: DEFAULT - 32779, held: 0, target: DEFAULT });
      // Trailers end it too (HEADERS with END_STREAM); the slot stays open for the send side.
      read(H(5), D(5, 16384), D(5, 16384), H(5, true));
      flow.consumed(5, 32768);
      expect(updatesOf(flow)).toEqual([[0, 32768]]);
      flow.demand(3, 10, true);
      expect(flow.flush().granted(0)).toBe(10);
    });

    it('raises the connection receive window by command, and applies our initial window at its ACK (§6.5.3)', async () => {
      const { flow, read } = await make();
      flow.connectionTarget(1 << 24);
      expect(updatesOf(flow)).toEqual([[0, (1 << 24) - DEFAULT]]);
      read(H(1), D(1, 1000));
      flow.settingsSent(); // a SETTINGS frame without INITIAL_WINDOW_SIZE
      flow.settingsSent(1 << 20);
      expect(updatesOf(flow)).toEqual([]);
      expect(flow.windows(1)).toEqual({ send: DEFAULT, recv: DEFAULT - 1000, held: 1000, target: DEFAULT });
      // The first ACK is of the frame without the setting; DATA after the second is charged under the new value.
      expect(read(ACK, D(1, 16384))).toEqual([{ type: 'SETTINGS', woken: undefined }, { type: 'DATA', streamId: 1, n: 16384 }]);
      expect(flow.windows(1)!.target).toBe(DEFAULT);
      read(ACK, D(1, 16384), D(1, 16384));
      expect(flow.windows(1)).toEqual({ send: DEFAULT, recv: (1 << 20) - 1000 - 3 * 16384, held: 1000 + 3 * 16384, target: 1 << 20 });
      read(H(3));
      expect(flow.windows(3)!.recv).toBe(1 << 20);
    });

    it('owes at the ACK of a cut of our initial window what the cut makes due (no stall)', async () => {
      const { flow, read } = await make();
      read(H(1), D(1, 16384), D(1, 13616), H(3), D(3, 100, undefined, true));
      flow.consumed(1, 30000);
      flow.consumed(3, 100);
      flow.settingsSent(16384);
      expect(updatesOf(flow)).toEqual([]); // 30000 < 32767: not due under 65535
      // Under 16384, 30000 unannounced octets are past the threshold: owed at once (stream 3 is ended: nothing).
      // (An owed record comes before the record of the frame that caused it.)
      expect(read(ACK)).toEqual([{ type: 'WINDOW_UPDATE_OWED', streamId: 1, increment: 30000 }, { type: 'SETTINGS', woken: undefined }]);
      expect(updatesOf(flow)).toEqual([[1, 30000]]);
      expect(flow.windows(1)).toEqual({ send: DEFAULT, recv: 16384, held: 0, target: 16384 });
      expect(flow.windows(3)).toEqual({ send: DEFAULT, recv: 16384 - 100, held: 0, target: 16384 });
    });

    it('writes frames another reader accepts, with payloads interleaved by the host', async () => {
      const { flow, read } = await make();
      read(H(1), H(3));
      const body = new Uint8Array(40000).map((_, i) => i & 0xff);
      const a = flow.demand(1, body.length, true);
      const b = flow.demand(3, 5, true);
      flow.consumed(1, 0);
      const r = flow.flush();
      const wire: Uint8Array[] = [r.windowUpdates().slice()];
      let sent = 0;
      for (let k = 0; k < r.frames(a); k++) {
        wire.push(r.frameHeader(a, k).slice(), body.subarray(sent, sent + r.frameLength(a, k)));
        sent += r.frameLength(a, k);
      }
      wire.push(r.frameHeader(b, 0).slice(), new Uint8Array(5));
      const peer = core.frameDecoder();
      const frames = peer.push(cat(...wire));
      peer.close();
      expect(frames.map((f) => [f.type, f.streamId, f.type === 'DATA' ? f.data.length : 0, f.type === 'DATA' && f.endStream])).toEqual([
        ['DATA', 1, 16384, false], ['DATA', 1, 16384, false], ['DATA', 1, 7232, true], ['DATA', 3, 5, true],
      ]);
      expect(cat(...frames.slice(0, 3).map((f) => (f as { data: Uint8Array }).data))).toEqual(body);
    });

    it('reports bad commands per command and goes on', async () => {
      const { flow, read } = await make();
      read(H(1));
      flow.demand(1, -1, false);
      flow.demand(9, 10, false);
      flow.streamClosed(9);
      flow.consumed(9, 1);
      flow.streamOpened(0);
      flow.settingsSent(-2);
      const d = flow.demand(1, 10, false);
      const r = flow.flush();
      expect([0, 1, 2, 3, 4, 5].map((i) => r.result(i))).toEqual([
        ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_BAD_HANDLE, ERR_BAD_HANDLE, ERR_BAD_ARGUMENT, ERR_BAD_ARGUMENT,
      ]);
      expect(r.granted(d)).toBe(10);
    });
  });
});
