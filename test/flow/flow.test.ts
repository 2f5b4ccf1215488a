// Unit tests of the flow-control core (assembly/flow/), one RFC 9113 §5.2 /
// §6.9 rule at a time, against both builds of the core.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INITIAL_WINDOW_SIZE as DEFAULT, ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_BAD_STATE,
  ERR_FLOW_CONTROL, ERR_OUT_OF_MEMORY, ERR_SETTINGS_WINDOW, FLOW_SNAPSHOT_WORDS, FLOW_WOKEN,
  MAX_WINDOW_SIZE as MAX, DEFAULT_MAX_FRAME_SIZE,
} from '../../assembly/abi.js';
import { CODECS, sharedCore } from '../helpers/codecs.js';
import { FlowDriver } from './driver.js';

describe.each(CODECS)('flow control (%s)', (codec) => {
  const make = (local?: number) => FlowDriver.create(codec, local);

  describe('handles', () => {
    it('starts with the RFC 9113 default windows', async () => {
      const f = await make();
      expect(f.connection()).toEqual({ send: DEFAULT, recv: DEFAULT, held: 0, target: DEFAULT });
      const s = f.open(1);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(f.windows(s, 1)).toEqual({ send: DEFAULT, recv: DEFAULT, held: 0, target: DEFAULT });
      expect(f.errorStream()).toBe(-1);
      expect(f.free()).toBe(0);
    });

    it('rejects a freed or stale connection handle, and a bad initial window', async () => {
      const { binding } = await sharedCore(codec);
      const x = binding.x as Record<string, (...a: number[]) => number>;
      const h = x.flowNew(DEFAULT);
      expect(x.flowFree(h)).toBe(0);
      expect(x.flowFree(h)).toBe(ERR_BAD_HANDLE);
      expect(x.flowOpen(h, 1)).toBe(ERR_BAD_HANDLE);
      expect(x.flowWindowUpdateReceived(h, 0, 0, 1)).toBe(ERR_BAD_HANDLE);
      expect(x.flowLastConnectionIncrement(h)).toBe(ERR_BAD_HANDLE);
      const again = x.flowNew(DEFAULT); // reuses the slot with a new generation
      expect(again & 0xffff).toBe(h & 0xffff);
      expect(again).not.toBe(h);
      expect(x.flowOpen(h, 1)).toBe(ERR_BAD_HANDLE);
      expect(x.flowOpen(again, 1)).toBeGreaterThanOrEqual(0);
      expect(x.flowFree(again)).toBe(0);
      expect(x.flowNew(-1)).toBe(ERR_BAD_ARGUMENT);
      expect(x.flowOpen(-5, 1)).toBe(ERR_BAD_HANDLE);
    });

    it('keeps connections apart', async () => {
      const a = await make();
      const b = await make();
      const sa = a.open(1);
      expect(a.dataReceived(sa, 1, DEFAULT + 1)).toBe(ERR_FLOW_CONTROL);
      expect(a.open(3)).toBe(ERR_BAD_STATE);
      const sb = b.open(1);
      expect(b.dataReceived(sb, 1, 100)).toBe(0);
      expect(b.connection().recv).toBe(DEFAULT - 100);
    });
  });

  describe('stream slots (slot, stream id)', () => {
    it('rejects a closed stream, and a reused slot under its old stream id', async () => {
      const f = await make();
      const s1 = f.open(1);
      const s3 = f.open(3);
      expect(s3).not.toBe(s1);
      expect(f.close(s1, 1)).toBe(0);
      // Every operation refuses the closed pair.
      expect(f.close(s1, 1)).toBe(ERR_BAD_HANDLE);
      expect(f.dataReceived(s1, 1, 1)).toBe(ERR_BAD_HANDLE);
      expect(f.consumed(s1, 1, 0)).toBe(ERR_BAD_HANDLE);
      expect(f.allowance(s1, 1, 10, 10)).toBe(ERR_BAD_HANDLE);
      expect(f.sent(s1, 1, 0)).toBe(ERR_BAD_HANDLE);
      expect(f.windowUpdate(s1, 1, 1)).toBe(ERR_BAD_HANDLE);
      expect(f.snapshotRaw(s1, 1)).toBe(ERR_BAD_HANDLE);
      // The slot is reused for stream 5; stream 1's pair still does not reach it.
      const s5 = f.open(5);
      expect(s5).toBe(s1);
      expect(f.windowUpdate(s1, 1, 1000)).toBe(ERR_BAD_HANDLE);
      expect(f.windows(s5, 5).send).toBe(DEFAULT);
      // A pair mixing two open streams is refused too.
      expect(f.dataReceived(s5, 3, 1)).toBe(ERR_BAD_HANDLE);
      expect(f.dataReceived(s3, 5, 1)).toBe(ERR_BAD_HANDLE);
      expect(f.windows(s3, 3).recv).toBe(DEFAULT);
      expect(f.windows(s5, 5).recv).toBe(DEFAULT);
    });

    it('rejects impossible slots and stream ids', async () => {
      const f = await make();
      const s = f.open(1);
      expect(f.open(0)).toBe(ERR_BAD_ARGUMENT);
      expect(f.open(-1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.dataReceived(s, 0, 1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.dataReceived(s, -7, 1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.dataReceived(-1, 1, 1)).toBe(ERR_BAD_HANDLE);
      expect(f.dataReceived(s + 1, 1, 1)).toBe(ERR_BAD_HANDLE);
      expect(f.dataReceived(1 << 30, 1, 1)).toBe(ERR_BAD_HANDLE);
      expect(f.windows(s, 1)).toEqual({ send: DEFAULT, recv: DEFAULT, held: 0, target: DEFAULT });
    });

    it('starts small, grows on demand and shrinks back when idle', async () => {
      const f = await make();
      expect(f.streamCapacity()).toBe(4);
      const slots: number[] = [];
      for (let i = 0; i < 200; i++) slots.push(f.open(2 * i + 1));
      expect(new Set(slots).size).toBe(200);
      expect(f.streamCapacity()).toBe(256);
      for (let i = 0; i < 200; i++) expect(f.windows(slots[i], 2 * i + 1).send).toBe(DEFAULT);
      for (let i = 0; i < 200; i++) expect(f.close(slots[i], 2 * i + 1)).toBe(0);
      expect(f.streamCapacity()).toBe(4);
      // Old pairs stay dead after the reset.
      expect(f.windowUpdate(slots[0], 1, 1)).toBe(ERR_BAD_HANDLE);
      expect(f.windowUpdate(slots[199], 399, 1)).toBe(ERR_BAD_HANDLE);
      const s = f.open(401);
      expect(s).toBe(0);
      expect(f.windowUpdate(slots[0], 1, 1)).toBe(ERR_BAD_HANDLE);
    });

    it('caps the open streams of one connection', async () => {
      const f = await make();
      for (let i = 0; i < 1 << 16; i++) expect(f.open(2 * i + 1)).toBe(i);
      expect(f.open((1 << 17) + 1)).toBe(ERR_OUT_OF_MEMORY);
      expect(f.close(7, 15)).toBe(0);
      expect(f.open((1 << 17) + 3)).toBe(7);
      expect(f.free()).toBe(0);
    });
  });

  describe('receiving DATA (RFC 9113 §6.9, §6.9.1)', () => {
    it('charges the whole payload, padding included, to the stream and the connection', async () => {
      const f = await make();
      const s = f.open(1);
      // A padded frame: 1 pad-length octet + 10 body + 5 padding = 16 flow-controlled octets.
      expect(f.dataReceived(s, 1, 16)).toBe(0);
      expect(f.windows(s, 1)).toMatchObject({ recv: DEFAULT - 16, held: 16 });
      expect(f.connection()).toMatchObject({ recv: DEFAULT - 16, held: 16 });
      // The host gives the 6 octets of padding back at once; the 10 body octets when read.
      expect(f.consumed(s, 1, 6)).toBe(0);
      expect(f.windows(s, 1)).toMatchObject({ recv: DEFAULT - 16, held: 10 });
    });

    it('accepts DATA filling the stream window exactly; one octet more is a stream error', async () => {
      const f = await make(1000);
      const s = f.open(1);
      const t = f.open(3);
      expect(f.dataReceived(s, 1, 600)).toBe(0);
      expect(f.dataReceived(s, 1, 400)).toBe(0);
      expect(f.windows(s, 1).recv).toBe(0);
      expect(f.dataReceived(t, 3, 1000)).toBe(0);
      expect(f.dataReceived(s, 1, 1)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(1);
      // The stream is untouched; the connection counted the octet and gave it back (below threshold: not announced yet).
      expect(f.windows(s, 1)).toMatchObject({ recv: 0, held: 1000 });
      expect(f.connection()).toMatchObject({ recv: DEFAULT - 2001, held: 2000 });
      expect(f.connectionIncrement()).toBe(0);
      // Not sticky: the connection and other streams go on.
      expect(f.consumed(t, 3, 1000)).toBe(1000);
      expect(f.close(s, 1)).toBeGreaterThanOrEqual(0);
    });

    it('treats DATA beyond the connection window as a sticky connection error, checked before the stream', async () => {
      const f = await make(MAX);
      const s = f.open(1);
      expect(f.dataReceived(s, 1, DEFAULT - 10)).toBe(0);
      expect(f.dataReceived(s, 1, 11)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(0);
      expect(f.connection().recv).toBe(10);
      for (const rc of [
        f.dataReceived(s, 1, 1), f.dataDiscarded(1), f.consumed(s, 1, 1), f.open(3), f.close(s, 1),
        f.allowance(s, 1, 1, 1), f.sent(s, 1, 0), f.windowUpdate(0, 0, 1), f.windowUpdate(s, 1, 1),
        f.setPeerInitialWindow(1), f.setLocalInitialWindow(1), f.setConnectionTarget(1),
      ]) {
        expect(rc).toBe(ERR_BAD_STATE);
      }
      expect(f.connection().recv).toBe(10); // snapshots still work
    });

    it('accepts an empty DATA frame whatever the window', async () => {
      const f = await make();
      const s = f.open(1);
      expect(f.dataReceived(s, 1, DEFAULT)).toBe(0);
      expect(f.dataReceived(s, 1, 0)).toBe(0);
      expect(f.setLocalInitialWindow(0)).toBe(0);
      expect(f.windows(s, 1).recv).toBe(-DEFAULT);
      expect(f.dataReceived(s, 1, 0)).toBe(0);
      expect(f.dataReceived(s, 1, 1)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(0); // the connection window was exhausted first
    });

    it('counts DATA for closed streams against the connection and gives it straight back', async () => {
      const f = await make();
      expect(f.dataDiscarded(30000)).toBe(0);
      expect(f.connection()).toMatchObject({ recv: DEFAULT - 30000, held: 0 });
      // Unannounced 32767 reaches half of 65535 (32767): announced.
      expect(f.dataDiscarded(2767)).toBe(32767);
      expect(f.connectionIncrement()).toBe(32767);
      expect(f.connection()).toMatchObject({ recv: DEFAULT, held: 0 });
      expect(f.dataDiscarded(DEFAULT + 1)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(0);
      expect(f.dataDiscarded(0)).toBe(ERR_BAD_STATE);
    });

    it('rejects negative lengths', async () => {
      const f = await make();
      const s = f.open(1);
      expect(f.dataReceived(s, 1, -1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.dataDiscarded(-1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.consumed(s, 1, -1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.connection().recv).toBe(DEFAULT);
    });
  });

  describe('replenishing receive windows (WINDOW_UPDATE_DIVISOR = 2)', () => {
    it('replenishes as the application consumes, not as bytes arrive', async () => {
      const f = await make();
      const s = f.open(1);
      for (let i = 0; i < 3; i++) expect(f.dataReceived(s, 1, 16384)).toBe(0);
      expect(f.dataReceived(s, 1, 16383)).toBe(0);
      expect(f.windows(s, 1)).toMatchObject({ recv: 0, held: DEFAULT });
      expect(f.connection()).toMatchObject({ recv: 0, held: DEFAULT });
      expect(f.connectionIncrement()).toBe(0);
      expect(f.consumed(s, 1, DEFAULT)).toBe(DEFAULT);
      expect(f.connectionIncrement()).toBe(DEFAULT);
    });

    it('holds back increments below half the target, then announces all unannounced octets', async () => {
      const f = await make();
      const s = f.open(1);
      expect(f.dataReceived(s, 1, 40000)).toBe(0);
      expect(f.consumed(s, 1, 32766)).toBe(0); // one short of 65535 / 2 = 32767
      expect(f.connectionIncrement()).toBe(0);
      expect(f.consumed(s, 1, 1)).toBe(32767);
      expect(f.connectionIncrement()).toBe(32767);
      expect(f.windows(s, 1)).toMatchObject({ recv: DEFAULT - 40000 + 32767, held: 40000 - 32767 });
      expect(f.connection()).toMatchObject({ recv: DEFAULT - 40000 + 32767, held: 40000 - 32767 });
      expect(f.consumed(s, 1, 40000 - 32767)).toBe(0); // 7233 unannounced: held back
      expect(f.windows(s, 1)).toMatchObject({ recv: DEFAULT - 7233, held: 0 });
    });

    it('never leaves a peer stalled once the application has consumed everything', async () => {
      const f = await make(1000);
      const s = f.open(1);
      let sent = 0;
      // The peer sends as fast as the windows allow; the application reads everything at once.
      for (let round = 0; round < 50; round++) {
        const room = Math.min(f.windows(s, 1).recv, f.connection().recv);
        expect(room).toBeGreaterThan(0);
        expect(f.dataReceived(s, 1, room)).toBe(0);
        sent += room;
        const inc = f.consumed(s, 1, room);
        expect(inc).toBeGreaterThanOrEqual(0);
        // After full consumption, at least half the target is open to the peer.
        expect(f.windows(s, 1).recv).toBeGreaterThanOrEqual(500);
      }
      expect(sent).toBeGreaterThan(50 * 500 - 1);
    });

    it('issues far fewer WINDOW_UPDATEs than DATA frames', async () => {
      const f = await make();
      const s = f.open(1);
      let frames = 0;
      let updates = 0;
      for (let i = 0; i < 1000; i++) {
        expect(f.dataReceived(s, 1, 1000)).toBe(0);
        frames++;
        if (f.consumed(s, 1, 1000) > 0) updates++;
        if (f.connectionIncrement() > 0) updates++;
      }
      expect(frames).toBe(1000);
      expect(updates).toBeLessThanOrEqual(2 * Math.ceil(1000 / 32));
      expect(updates).toBeGreaterThan(0);
    });

    it('rejects consuming more than was received', async () => {
      const f = await make();
      const s = f.open(1);
      expect(f.dataReceived(s, 1, 10)).toBe(0);
      expect(f.consumed(s, 1, 11)).toBe(ERR_BAD_ARGUMENT);
      expect(f.consumed(s, 1, 10)).toBe(0);
      expect(f.consumed(s, 1, 1)).toBe(ERR_BAD_ARGUMENT);
    });

    it('gives a closed stream\'s unconsumed octets back to the connection', async () => {
      const f = await make();
      const s = f.open(1);
      expect(f.dataReceived(s, 1, 50000)).toBe(0);
      expect(f.connection()).toMatchObject({ recv: DEFAULT - 50000, held: 50000 });
      expect(f.close(s, 1)).toBe(50000);
      expect(f.connectionIncrement()).toBe(50000);
      expect(f.connection()).toMatchObject({ recv: DEFAULT, held: 0 });
    });

    it('raises the connection window with the first WINDOW_UPDATE on stream 0', async () => {
      const f = await make();
      const target = 1 << 24;
      expect(f.setConnectionTarget(target)).toBe(target - DEFAULT);
      expect(f.connectionIncrement()).toBe(target - DEFAULT);
      expect(f.connection()).toMatchObject({ recv: target, target });
      expect(f.setConnectionTarget(target)).toBe(0); // nothing more to announce
      const s = f.open(1);
      expect(f.setLocalInitialWindow(MAX)).toBe(0);
      expect(f.dataReceived(s, 1, target)).toBe(0);
      expect(f.dataReceived(s, 1, 1)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(0);
    });

    it('withholds increments while the connection window is above a lowered target', async () => {
      const f = await make(MAX);
      expect(f.setConnectionTarget(200000)).toBe(200000 - DEFAULT);
      expect(f.setConnectionTarget(100000)).toBe(0);
      const s = f.open(1);
      expect(f.dataReceived(s, 1, 150000)).toBe(0);
      expect(f.consumed(s, 1, 100000)).toBe(0);
      // recv 50000 + held 50000 = target: nothing unannounced.
      expect(f.connectionIncrement()).toBe(0);
      expect(f.consumed(s, 1, 49999)).toBe(0); // 49999 unannounced, one short of 100000 / 2
      expect(f.connectionIncrement()).toBe(0);
      expect(f.consumed(s, 1, 1)).toBe(0);
      expect(f.connectionIncrement()).toBe(50000);
      expect(f.connection()).toMatchObject({ recv: 100000, held: 0 });
    });

    it('applies our new initial window size to open streams\' receive windows and targets', async () => {
      const f = await make();
      const s = f.open(1);
      expect(f.dataReceived(s, 1, 10000)).toBe(0);
      expect(f.setLocalInitialWindow(1 << 20)).toBe(0);
      expect(f.windows(s, 1)).toMatchObject({ recv: (1 << 20) - 10000, target: 1 << 20 });
      const t = f.open(3);
      expect(f.windows(t, 3).recv).toBe(1 << 20);
      expect(f.connection().recv).toBe(DEFAULT - 10000); // the connection is not touched
      // The threshold follows the new target: 10000 < 2^19.
      expect(f.consumed(s, 1, 10000)).toBe(0);
      expect(f.setLocalInitialWindow(1000)).toBe(0);
      expect(f.windows(s, 1)).toMatchObject({ recv: 1000 - 10000, held: 0, target: 1000 });
      expect(f.dataReceived(s, 1, 1)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(1);
      expect(f.setLocalInitialWindow(-1)).toBe(ERR_BAD_ARGUMENT);
    });
  });

  describe('sending DATA (RFC 9113 §6.9.1)', () => {
    it('allows min(want, stream window, connection window, max frame size)', async () => {
      const f = await make();
      const s = f.open(1);
      expect(f.allowance(s, 1, 100, DEFAULT_MAX_FRAME_SIZE)).toBe(100);
      expect(f.allowance(s, 1, 100000, DEFAULT_MAX_FRAME_SIZE)).toBe(DEFAULT_MAX_FRAME_SIZE);
      expect(f.allowance(s, 1, 100000, MAX)).toBe(DEFAULT);
      expect(f.windowUpdate(s, 1, 100000)).toBe(0);
      expect(f.allowance(s, 1, MAX, MAX)).toBe(DEFAULT); // the connection bounds it now
      expect(f.windowUpdate(0, 0, 200000)).toBe(0);
      expect(f.allowance(s, 1, MAX, MAX)).toBe(DEFAULT + 100000); // and now the stream
      expect(f.allowance(s, 1, 0, MAX)).toBe(0);
      expect(f.allowance(s, 1, -1, MAX)).toBe(ERR_BAD_ARGUMENT);
      expect(f.allowance(s, 1, 1, -1)).toBe(ERR_BAD_ARGUMENT);
    });

    it('debits both windows and refuses to overrun either', async () => {
      const f = await make();
      const s = f.open(1);
      const t = f.open(3);
      expect(f.sent(s, 1, 60000)).toBe(0);
      expect(f.windows(s, 1).send).toBe(DEFAULT - 60000);
      expect(f.connection().send).toBe(DEFAULT - 60000);
      expect(f.allowance(t, 3, MAX, MAX)).toBe(DEFAULT - 60000);
      expect(f.sent(t, 3, DEFAULT - 60000 + 1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.sent(s, 1, DEFAULT - 60000 + 1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.sent(t, 3, -1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.sent(t, 3, DEFAULT - 60000)).toBe(0);
      expect(f.connection().send).toBe(0);
      expect(f.allowance(t, 3, MAX, MAX)).toBe(0);
      expect(f.sent(t, 3, 0)).toBe(0); // an empty DATA frame (END_STREAM) always fits
      expect(f.windows(t, 3).send).toBe(60000);
    });
  });

  describe('WINDOW_UPDATE received (RFC 9113 §6.9.1)', () => {
    it('lets the connection window reach exactly 2^31-1; one more is a sticky connection error', async () => {
      const f = await make();
      expect(f.windowUpdate(0, 0, MAX - DEFAULT)).toBe(0);
      expect(f.connection().send).toBe(MAX);
      expect(f.windowUpdate(0, 0, 0)).toBe(0); // a no-op here; the frame reader rejects it
      expect(f.windowUpdate(0, 0, 1)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(0);
      expect(f.connection().send).toBe(MAX);
      expect(f.open(1)).toBe(ERR_BAD_STATE);
    });

    it('rejects a single increment of 2^31-1 on a fresh connection window', async () => {
      const f = await make();
      expect(f.windowUpdate(0, 0, MAX)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(0);
    });

    it('lets a stream window reach exactly 2^31-1; one more is a stream error', async () => {
      const f = await make();
      const s = f.open(1);
      const t = f.open(3);
      expect(f.windowUpdate(s, 1, MAX - DEFAULT)).toBe(0);
      expect(f.windows(s, 1).send).toBe(MAX);
      expect(f.windowUpdate(s, 1, 1)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(1);
      expect(f.windows(s, 1).send).toBe(MAX);
      expect(f.windowUpdate(t, 3, MAX)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(3);
      expect(f.windowUpdate(t, 3, MAX - DEFAULT)).toBe(0); // not sticky
      expect(f.windowUpdate(s, 1, -1)).toBe(ERR_BAD_ARGUMENT);
    });

    it('reports windows that went from <= 0 to > 0', async () => {
      const f = await make();
      const s = f.open(1);
      expect(f.sent(s, 1, DEFAULT)).toBe(0);
      expect(f.windowUpdate(s, 1, 10)).toBe(FLOW_WOKEN);
      expect(f.windowUpdate(s, 1, 10)).toBe(0);
      expect(f.windowUpdate(0, 0, 5)).toBe(FLOW_WOKEN);
      expect(f.windowUpdate(0, 0, 5)).toBe(0);
      expect(f.allowance(s, 1, MAX, MAX)).toBe(10);
    });
  });

  describe('SETTINGS_INITIAL_WINDOW_SIZE (RFC 9113 §6.9.2)', () => {
    it('makes a window negative after a decrease, and recovers after WINDOW_UPDATE', async () => {
      const f = await make();
      const s = f.open(1);
      // The RFC's own example: 60 KB sent of 64 KB, then the peer sets 16 KB.
      expect(f.sent(s, 1, 60000)).toBe(0);
      expect(f.setPeerInitialWindow(16384)).toBe(0);
      expect(f.windows(s, 1).send).toBe(16384 - 60000);
      expect(f.connection().send).toBe(DEFAULT - 60000); // the connection is not changed
      expect(f.allowance(s, 1, MAX, MAX)).toBe(0);
      expect(f.sent(s, 1, 1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.sent(s, 1, 0)).toBe(0);
      expect(f.windowUpdate(s, 1, 43616)).toBe(0); // back to exactly 0: still stalled
      expect(f.windows(s, 1).send).toBe(0);
      expect(f.windowUpdate(s, 1, 1)).toBe(FLOW_WOKEN);
      expect(f.allowance(s, 1, MAX, MAX)).toBe(1);
      expect(f.windows(f.open(3), 3).send).toBe(16384); // new streams start at the new size
    });

    it('counts the streams an increase woke', async () => {
      const f = await make();
      const a = f.open(1);
      const b = f.open(3);
      const c = f.open(5);
      expect(f.sent(a, 1, 30000)).toBe(0);
      expect(f.sent(b, 3, 35535)).toBe(0);
      expect(f.setPeerInitialWindow(0)).toBe(0);
      expect([f.windows(a, 1).send, f.windows(b, 3).send, f.windows(c, 5).send]).toEqual([-30000, -35535, 0]);
      expect(f.setPeerInitialWindow(30001)).toBe(2); // a and c: from <= 0 to > 0
      expect([f.windows(a, 1).send, f.windows(b, 3).send, f.windows(c, 5).send]).toEqual([1, -5534, 30001]);
    });

    it('treats a window pushed past 2^31-1 as a connection error, changing nothing', async () => {
      const f = await make();
      const a = f.open(1);
      const b = f.open(3);
      expect(f.windowUpdate(b, 3, MAX - DEFAULT)).toBe(0);
      expect(f.setPeerInitialWindow(DEFAULT + 1)).toBe(ERR_FLOW_CONTROL);
      expect(f.errorStream()).toBe(0);
      expect(f.windows(a, 1).send).toBe(DEFAULT);
      expect(f.windows(b, 3).send).toBe(MAX);
      expect(f.open(5)).toBe(ERR_BAD_STATE);
    });

    it('skips free slots, whatever they hold', async () => {
      const f = await make();
      const slots = [1, 3, 5, 7].map((id) => f.open(id));
      expect(f.close(slots[1], 3)).toBe(0);
      expect(f.close(slots[2], 5)).toBe(0);
      expect(f.setPeerInitialWindow(0)).toBe(0);
      expect(f.setPeerInitialWindow(MAX)).toBe(2);
      expect(f.windows(slots[0], 1).send).toBe(MAX);
      expect(f.windows(slots[3], 7).send).toBe(MAX);
      // The free slots are handed out again, intact, with the new initial window.
      expect([f.open(9), f.open(11)].sort()).toEqual([slots[1], slots[2]].sort());
      expect(f.windows(f.open(13), 13).send).toBe(MAX);
      expect(f.streamCapacity()).toBe(8);
    });

    it('lets a window reach exactly 2^31-1 through a setting', async () => {
      const f = await make();
      const a = f.open(1);
      expect(f.setPeerInitialWindow(MAX)).toBe(0);
      expect(f.windows(a, 1).send).toBe(MAX);
      expect(f.setPeerInitialWindow(0)).toBe(0);
      expect(f.windows(a, 1).send).toBe(0);
    });

    it('treats a value above 2^31-1 as a connection error', async () => {
      const f = await make();
      expect(f.setPeerInitialWindow(0x80000000 | 0)).toBe(ERR_SETTINGS_WINDOW);
      expect(f.errorStream()).toBe(0);
      expect(f.open(1)).toBe(ERR_BAD_STATE);
    });
  });

  describe('flowSnapshot', () => {
    it('writes at a word offset, growing records when needed', async () => {
      const f = await make();
      const s = f.open(1);
      const far = f.binding.records.length + 100;
      expect(f.snapshotRaw(s, 1, far)).toEqual({ send: DEFAULT, recv: DEFAULT, held: 0, target: DEFAULT });
      expect(f.binding.records.length).toBeGreaterThanOrEqual(far + FLOW_SNAPSHOT_WORDS);
      expect(f.snapshotRaw(s, 1, -1)).toBe(ERR_BAD_ARGUMENT);
      expect(f.snapshotRaw(s, 0, 0)).toMatchObject({ send: DEFAULT });
    });
  });
});
