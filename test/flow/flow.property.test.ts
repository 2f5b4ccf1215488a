// Property tests of the flow-control core over random sequences of operations:
//  1. the core and the plain-number reference model (model.ts) agree on every
//     result, every window and every error, step by step;
//  2. two cores wired back to back (a sender and a receiver, with frames in
//     flight both ways) never make each other see a flow-control error, agree
//     on every window once the wires are drained, and never stall the sender
//     once the receiving application has consumed everything.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_INITIAL_WINDOW_SIZE as DEFAULT, DEFAULT_MAX_FRAME_SIZE, MAX_WINDOW_SIZE as MAX,
} from '../../assembly/abi.js';
import { CODECS, runs } from '../helpers/codecs.js';
import { FlowDriver } from './driver.js';
import { FlowModel } from './model.js';
import { abs, rel, resolve, type Amount } from './amounts.js';

const RUNS = Number(process.env.FLOW_RUNS ?? runs(500));

/** amount is anything: for operations whose overshoot is harmless or only a stream error. */
const amount: fc.Arbitrary<Amount> = fc.oneof(
  { weight: 4, arbitrary: rel(-2, 2) },
  { weight: 2, arbitrary: abs(fc.integer({ min: 0, max: 70000 })) },
  { weight: 1, arbitrary: abs(fc.constantFrom(0, 1, -1, 16384, DEFAULT, MAX, MAX - DEFAULT, 0x80000000 | 0)) },
  { weight: 1, arbitrary: abs(fc.integer({ min: -1, max: MAX })) },
);
/** gentle mostly stays within the boundary: for operations whose overshoot is a
 *  sticky connection error, so that sequences live long enough to matter. */
const gentle: fc.Arbitrary<Amount> = fc.oneof(
  { weight: 24, arbitrary: rel(-2, 0) },
  { weight: 12, arbitrary: abs(fc.integer({ min: 0, max: 20000 })) },
  { weight: 1, arbitrary: rel(1, 2) },
  { weight: 1, arbitrary: amount },
);

// A stream reference picks an open stream, or now and then any stream ever
// opened (closed ones included); wrong: address it with another slot.
const oneIn = (n: number) => fc.integer({ min: 1, max: n }).map((v) => v === 1);
const pick = fc.record({ i: fc.nat(), anyStream: oneIn(8), wrong: oneIn(10) });
type Pick = { i: number; anyStream: boolean; wrong: boolean };

type Op =
  | { t: 'open'; badId: boolean }
  | { t: 'close'; p: Pick }
  | { t: 'data'; p: Pick; a: Amount; against: 'stream' | 'connection' | 'both' }
  | { t: 'discard'; a: Amount }
  | { t: 'consume'; p: Pick; a: Amount; against: 'held' | 'threshold' }
  | { t: 'allowance'; p: Pick; want: Amount; maxFrame: number }
  | { t: 'sent'; p: Pick; a: Amount }
  | { t: 'windowUpdate'; p: Pick | null; a: Amount }
  | { t: 'peerInitial'; a: Amount }
  | { t: 'localInitial'; a: Amount }
  | { t: 'target'; a: Amount };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('open' as const), badId: oneIn(20) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('close' as const), p: pick }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('data' as const), p: pick, a: amount, against: fc.constant('stream' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('data' as const), p: pick, a: gentle, against: fc.constantFrom('connection' as const, 'both' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('discard' as const), a: gentle }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('consume' as const), p: pick, a: amount, against: fc.constantFrom('held' as const, 'threshold' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('allowance' as const), p: pick, want: amount, maxFrame: fc.constantFrom(0, 1, 16384, 16777215, MAX, -1) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('sent' as const), p: pick, a: amount }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('windowUpdate' as const), p: pick, a: amount }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('windowUpdate' as const), p: fc.constant(null), a: gentle }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('peerInitial' as const), a: gentle }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('localInitial' as const), a: amount }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('target' as const), a: amount }) },
);

// FLOW_STATS=1 prints how often each operation gave each result, and how many
// operations ran after a connection error, to keep the generators honest.
const stats = { ops: 0, bad: 0, rc: {} as Record<string, number> };
const initialWindow = fc.constantFrom(0, 1, 1000, DEFAULT, 1 << 20, MAX);

describe.each(CODECS)('flow control against the reference model (%s)', (codec) => {
  it('agrees on every result, window and error', async () => {
    await fc.assert(
      fc.asyncProperty(initialWindow, fc.integer({ min: 0, max: 3 }), fc.array(op, { maxLength: 100, size: 'max' }), async (local, streams, script) => {
        const ops: Op[] = [...Array.from({ length: streams }, () => ({ t: 'open' as const, badId: false })), ...script];
        const core = await FlowDriver.create(codec, local);
        const model = new FlowModel(local);
        const known: { id: number; slot: number }[] = [];
        let nextId = 1;
        try {
          for (const o of ops) {
            const ref = (p: Pick) => {
              const open = known.filter((k) => model.streams.has(k.id));
              const from = p.anyStream || open.length === 0 ? known : open;
              const k = from.length === 0 ? { id: 1, slot: 0 } : from[p.i % from.length];
              // Another slot: the next one along (another stream's, a free one, or out of range).
              return { id: k.id, slot: p.wrong ? k.slot + 1 + (p.i % 3) : k.slot, matches: !p.wrong && known.length > 0 };
            };
            const win = (id: number) => (model.streams.has(id) ? model.streams.get(id)! : { send: 0, recv: 0, held: 0 });
            let got: number;
            let want: number;
            switch (o.t) {
              case 'open': {
                const id = o.badId ? 0 : nextId;
                want = model.open(id);
                got = core.open(id);
                if (want === 0) {
                  expect(got).toBeGreaterThanOrEqual(0);
                  expect(known.filter((k) => model.streams.has(k.id)).map((k) => k.slot)).not.toContain(got);
                  known.push({ id, slot: got });
                  nextId += 2;
                  got = 0;
                }
                break;
              }
              case 'close': {
                const r = ref(o.p);
                want = model.close(r.matches, r.id);
                got = core.close(r.slot, r.id);
                break;
              }
              case 'data': {
                const r = ref(o.p);
                const s = win(r.id).recv;
                const boundary = o.against === 'stream' ? s : o.against === 'connection' ? model.connRecv : Math.min(s, model.connRecv);
                let n = resolve(o.a, boundary);
                // Aimed at the stream window: keep within the connection's, so the stream error is what is tested.
                if (o.against === 'stream') n = Math.min(n, Math.max(model.connRecv, 0));
                want = model.dataReceived(r.matches, r.id, n);
                got = core.dataReceived(r.slot, r.id, n);
                break;
              }
              case 'discard': {
                const n = resolve(o.a, model.connRecv);
                want = model.dataDiscarded(n);
                got = core.dataDiscarded(n);
                break;
              }
              case 'consume': {
                const r = ref(o.p);
                const w = win(r.id);
                // threshold: the amount that brings the unannounced octets exactly to half the target.
                const unannounced = model.localInitial - w.recv - w.held;
                const n = resolve(o.a, o.against === 'held' ? w.held : Math.trunc(model.localInitial / 2) - unannounced);
                want = model.consumed(r.matches, r.id, n);
                got = core.consumed(r.slot, r.id, n);
                break;
              }
              case 'allowance': {
                const r = ref(o.p);
                const w = resolve(o.want, Math.min(win(r.id).send, model.connSend));
                want = model.allowance(r.matches, r.id, w, o.maxFrame);
                got = core.allowance(r.slot, r.id, w, o.maxFrame);
                break;
              }
              case 'sent': {
                const r = ref(o.p);
                const n = resolve(o.a, Math.min(win(r.id).send, model.connSend));
                want = model.sent(r.matches, r.id, n);
                got = core.sent(r.slot, r.id, n);
                break;
              }
              case 'windowUpdate': {
                if (o.p === null) {
                  const n = resolve(o.a, MAX - model.connSend);
                  want = model.windowUpdate(true, 0, n);
                  got = core.windowUpdate(0, 0, n);
                } else {
                  const r = ref(o.p);
                  const n = resolve(o.a, MAX - win(r.id).send);
                  want = model.windowUpdate(r.matches, r.id, n);
                  got = core.windowUpdate(r.slot, r.id, n);
                }
                break;
              }
              case 'peerInitial': {
                // Relative: the value that takes the largest open send window exactly to 2^31-1.
                const largest = Math.max(...[...model.streams.values()].map((s) => s.send), model.peerInitial);
                const v = resolve(o.a, Math.min(MAX, MAX - largest + model.peerInitial));
                want = model.setPeerInitialWindow(v);
                got = core.setPeerInitialWindow(v);
                break;
              }
              case 'localInitial': {
                const v = resolve(o.a, model.localInitial);
                want = model.setLocalInitialWindow(v);
                got = core.setLocalInitialWindow(v);
                break;
              }
              case 'target': {
                const v = resolve(o.a, model.connTarget);
                want = model.setConnectionTarget(v);
                got = core.setConnectionTarget(v);
                break;
              }
            }
            expect(got, JSON.stringify(o)).toBe(want);
            stats.ops++;
            if (model.bad) stats.bad++;
            stats.rc[o.t + ':' + got] = (stats.rc[o.t + ':' + got] ?? 0) + 1;
            expect(core.connectionIncrement(), 'connection increment').toBe(model.connIncrement);
            expect(core.errorStream(), 'error scope').toBe(model.errorStream);
            expect(core.connection(), 'connection windows').toEqual(model.connection());
            for (const k of known) {
              if (model.streams.has(k.id)) expect(core.windows(k.slot, k.id), `stream ${k.id}`).toEqual(model.stream(k.id));
              else expect(core.snapshotRaw(k.slot, k.id), `closed stream ${k.id}`).toBeTypeOf('number');
            }
          }
        } finally {
          core.free();
        }
      }),
      { numRuns: RUNS },
    );
    if (process.env.FLOW_STATS) console.log(JSON.stringify(stats));
  });
});

// ---------------------------------------------------------------------------
// Two cores back to back. A sends DATA on streams 1 and 3; B receives it, its
// application consumes, and B's WINDOW_UPDATEs and SETTINGS travel back. Each
// direction is an ordered wire (TCP), and frames may sit on it while the
// other side acts. B applies a new initial window size of its own when A's
// SETTINGS ACK arrives (RFC 9113 §6.5.3), A when B's SETTINGS arrives.

type AtoB = { t: 'data'; stream: number; n: number } | { t: 'ack' };
type BtoA = { t: 'windowUpdate'; stream: number; n: number } | { t: 'settings'; initialWindow: number };

type PairOp =
  | { t: 'send'; stream: number; want: number }
  | { t: 'deliverAB' }
  | { t: 'deliverBA' }
  | { t: 'consume'; stream: number; n: number }
  | { t: 'settings'; initialWindow: number };

const pairOp: fc.Arbitrary<PairOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('send' as const), stream: fc.constantFrom(1, 3), want: fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.constant(MAX)) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('deliverAB' as const) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('deliverBA' as const) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('consume' as const), stream: fc.constantFrom(1, 3), n: fc.oneof(fc.integer({ min: 0, max: 40000 }), fc.constant(MAX)) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('settings' as const), initialWindow: fc.oneof(fc.constantFrom(0, 1, 100, DEFAULT, MAX), fc.integer({ min: 0, max: 1 << 20 })) }) },
);

describe.each(CODECS)('flow control between two cores (%s)', (codec) => {
  it('never overruns the peer, agrees once drained, and never stalls the sender', async () => {
    await fc.assert(
      fc.asyncProperty(
        initialWindow,
        fc.constantFrom(DEFAULT, 1 << 20, MAX),
        fc.array(pairOp, { maxLength: 120 }),
        async (bInitial, bTarget, ops) => {
          // A starts with B's initial window as if B's first SETTINGS had been applied.
          const a = await FlowDriver.create(codec);
          const b = await FlowDriver.create(codec, bInitial);
          try {
            const ab: AtoB[] = [];
            const ba: BtoA[] = [];
            const pendingSettings: number[] = [];
            expect(a.setPeerInitialWindow(bInitial)).toBeGreaterThanOrEqual(0);
            const raise = b.setConnectionTarget(bTarget);
            if (raise > 0) ba.push({ t: 'windowUpdate', stream: 0, n: raise });
            const slotA = new Map([1, 3].map((id) => [id, a.open(id)]));
            const slotB = new Map([1, 3].map((id) => [id, b.open(id)]));

            const consume = (id: number, n: number) => {
              const take = Math.min(n, b.windows(slotB.get(id)!, id).held);
              const inc = b.consumed(slotB.get(id)!, id, take);
              expect(inc).toBeGreaterThanOrEqual(0);
              if (inc > 0) ba.push({ t: 'windowUpdate', stream: id, n: inc });
              const conn = b.connectionIncrement();
              if (conn > 0) ba.push({ t: 'windowUpdate', stream: 0, n: conn });
            };
            const deliverAB = () => {
              const f = ab.shift()!;
              if (f.t === 'data') expect(b.dataReceived(slotB.get(f.stream)!, f.stream, f.n)).toBe(0);
              else expect(b.setLocalInitialWindow(pendingSettings.shift()!)).toBe(0);
            };
            const deliverBA = () => {
              const f = ba.shift()!;
              if (f.t === 'windowUpdate') {
                expect(a.windowUpdate(f.stream === 0 ? 0 : slotA.get(f.stream)!, f.stream, f.n)).toBeGreaterThanOrEqual(0);
              } else {
                expect(a.setPeerInitialWindow(f.initialWindow)).toBeGreaterThanOrEqual(0);
                ab.push({ t: 'ack' }); // applied, then acknowledged at once
              }
            };

            for (const o of ops) {
              switch (o.t) {
                case 'send': {
                  const n = a.allowance(slotA.get(o.stream)!, o.stream, o.want, DEFAULT_MAX_FRAME_SIZE);
                  expect(n).toBeGreaterThanOrEqual(0);
                  expect(n).toBeLessThanOrEqual(Math.min(o.want, DEFAULT_MAX_FRAME_SIZE));
                  expect(a.sent(slotA.get(o.stream)!, o.stream, n)).toBe(0);
                  ab.push({ t: 'data', stream: o.stream, n });
                  break;
                }
                case 'deliverAB':
                  if (ab.length > 0) deliverAB();
                  break;
                case 'deliverBA':
                  if (ba.length > 0) deliverBA();
                  break;
                case 'consume':
                  consume(o.stream, o.n);
                  break;
                case 'settings':
                  pendingSettings.push(o.initialWindow);
                  ba.push({ t: 'settings', initialWindow: o.initialWindow });
                  break;
              }
            }

            // Drain: deliver everything, let the application read everything, repeat until quiet.
            do {
              while (ab.length > 0) deliverAB();
              for (const id of [1, 3]) consume(id, MAX);
              while (ba.length > 0) deliverBA();
            } while (ab.length > 0);
            // Both sides see the same windows.
            expect(a.connection().send).toBe(b.connection().recv);
            for (const id of [1, 3]) {
              const bw = b.windows(slotB.get(id)!, id);
              expect(a.windows(slotA.get(id)!, id).send).toBe(bw.recv);
              expect(bw.held).toBe(0);
              // No stall: at least half of B's stream target is open to A...
              expect(bw.recv).toBeGreaterThanOrEqual(Math.ceil(bw.target / 2));
            }
            // ...and at least half of B's connection target.
            const bc = b.connection();
            expect(bc.recv).toBeGreaterThanOrEqual(Math.ceil(bc.target / 2));
          } finally {
            a.free();
            b.free();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
