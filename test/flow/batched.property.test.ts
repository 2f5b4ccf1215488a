// Property test of flow control in the batched calls: random frame sequences
// from the peer, split at random read boundaries, and random flush command
// lists, run in lockstep on the WebAssembly core, the JS core and the
// reference model (BatchedFlowModel in model.ts). After every step:
//   - both cores and the model agree on every report of the read (DATA,
//     WINDOW_UPDATE, SETTINGS, stream errors, owed WINDOW_UPDATEs), on every
//     flush result, on the DATA frame headers and on the WINDOW_UPDATE frames;
//   - the two cores wrote the very same bytes;
//   - every window of both cores equals the model's and none exceeds 2^31-1;
//   - no grant exceeds the stream or the connection send window it came from.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_INITIAL_WINDOW_SIZE as DEFAULT, MAX_WINDOW_SIZE as MAX, SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE,
  FLAG_END_STREAM,
} from '../../assembly/abi.js';
import type { Core, FlowControl, FrameDecoder, FrameInit } from '../../host/index.js';
import { FrameError } from '../../host/index.js';
import type { CodecName } from '../../host/core/binding.js';
import { errorReason } from '../../host/core/errors.js';
import { CODECS, runs, sharedCore } from '../helpers/codecs.js';
import { abs, rel, resolve, type Amount } from './amounts.js';
import { flowReport } from './driver.js';
import { BatchedFlowModel, type ModelCommand, type ModelFlush, type ModelFrame, type Report } from './model.js';

const RUNS = Number(process.env.FLOW_RUNS ?? runs(40));
const MAX_PAYLOAD = 16384; // the readers' SETTINGS_MAX_FRAME_SIZE

const amount: fc.Arbitrary<Amount> = fc.oneof(
  { weight: 4, arbitrary: rel(-2, 2) },
  { weight: 3, arbitrary: abs(fc.integer({ min: 0, max: 20000 })) },
  { weight: 1, arbitrary: abs(fc.constantFrom(0, 1, 16384, DEFAULT, MAX)) },
);
/** gentle mostly stays within the boundary (overshooting it is a connection error that ends the run). */
const gentle: fc.Arbitrary<Amount> = fc.oneof(
  { weight: 20, arbitrary: rel(-3, 0) },
  { weight: 10, arbitrary: abs(fc.integer({ min: 0, max: 5000 })) },
  { weight: 1, arbitrary: rel(1, 2) },
);
/** calm never overshoots (for the connection window, which a run should rarely end on). */
const calm: fc.Arbitrary<Amount> = fc.oneof({ weight: 2, arbitrary: rel(-3, 0) }, { weight: 1, arbitrary: abs(fc.integer({ min: 0, max: 5000 })) });
const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

/** A stream reference: one of the streams ever used (closed ones too), or a fresh id nobody opened. */
const pick = fc.record({ i: fc.nat(), fresh: fc.integer({ min: 1, max: 12 }).map((v) => v === 1) });
type Pick = { i: number; fresh: boolean };

type FrameOp =
  | { t: 'headers'; fresh: boolean; p: Pick; end: boolean }
  | { t: 'push'; fresh: boolean; p: Pick; on: Pick }
  | { t: 'data'; p: Pick; a: Amount; against: 'stream' | 'connection'; pad: number | null; end: boolean }
  | { t: 'windowUpdate'; p: Pick | null; a: Amount }
  | { t: 'settings'; initial: Amount | null; maxFrame: number | null }
  | { t: 'settingsAck' };
type CmdOp =
  | { c: 'open' }
  | { c: 'close'; p: Pick }
  | { c: 'consumed'; p: Pick; a: Amount }
  | { c: 'settingsSent'; a: Amount | null }
  | { c: 'peerMaxFrameSize'; v: number }
  | { c: 'connectionTarget'; a: Amount }
  | { c: 'demand'; p: Pick; want: Amount; end: boolean; cap: number };
type Step = { t: 'read'; frames: FrameOp[]; cuts: number[] } | { t: 'flush'; cmds: CmdOp[] };

const oneIn = (n: number) => fc.integer({ min: 1, max: n }).map((v) => v === 1);
const frameOp: fc.Arbitrary<FrameOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('headers' as const), fresh: fc.boolean(), p: pick, end: oneIn(4) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('push' as const), fresh: fc.boolean(), p: pick, on: pick }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('data' as const), p: pick, a: amount, against: fc.constant('stream' as const), pad: fc.option(fc.integer({ min: 0, max: 255 }), { freq: 3 }), end: oneIn(8) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('data' as const), p: pick, a: gentle, against: fc.constant('connection' as const), pad: fc.option(fc.integer({ min: 0, max: 255 }), { freq: 3 }), end: oneIn(8) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('windowUpdate' as const), p: pick, a: amount }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('windowUpdate' as const), p: fc.constant(null), a: fc.oneof({ weight: 80, arbitrary: calm }, { weight: 1, arbitrary: rel(1, 2) }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('settingsAck' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('settings' as const), initial: fc.option(gentle, { freq: 4 }), maxFrame: fc.option(fc.constantFrom(16384, 16385, 20000, 65535), { freq: 2 }) }) },
);
const cmdOp: fc.Arbitrary<CmdOp> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ c: fc.constant('open' as const) }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('close' as const), p: pick }) },
  { weight: 5, arbitrary: fc.record({ c: fc.constant('consumed' as const), p: pick, a: amount }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('settingsSent' as const), a: fc.option(fc.oneof({ weight: 8, arbitrary: rel(-2, 2) }, { weight: 8, arbitrary: abs(fc.integer({ min: 0, max: 100000 })) }, { weight: 1, arbitrary: amount }), { freq: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('peerMaxFrameSize' as const), v: fc.constantFrom(16383, 16384, 30000, 16777216) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('connectionTarget' as const), a: amount }) },
  { weight: 6, arbitrary: fc.record({ c: fc.constant('demand' as const), p: pick, want: amount, end: fc.boolean(), cap: fc.constantFrom(-1, -1, 0, 1, 20000) }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('read' as const), frames: fc.array(frameOp, { minLength: 1, maxLength: 8 }), cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('flush' as const), cmds: fc.array(cmdOp, { maxLength: 8 }) }) },
);

/** Side is one core under test: its flow, its reader on that flow. */
interface Side {
  core: Core;
  flow: FlowControl;
  reader: FrameDecoder;
}

/** sortOwed sorts each run of WINDOW_UPDATE_OWED reports: a cut of our initial window owes every
 *  stream at once, in the core's slot order, which the model does not know. */
function sortOwed(reports: Report[]): Report[] {
  const out = [...reports];
  for (let i = 0; i < out.length; ) {
    let j = i;
    while (j < out.length && out[j].type === 'WINDOW_UPDATE_OWED') j++;
    if (j - i > 1) {
      const run = out.slice(i, j).sort((a, b) => (a.streamId as number) - (b.streamId as number) || (a.increment as number) - (b.increment as number));
      out.splice(i, j - i, ...run);
    }
    i = j + 1;
  }
  return out;
}

/** readOn pushes bytes in pieces cut at cuts; the reports, and the connection error's reason if one ended it. */
function readOn(side: Side, bytes: Uint8Array, cuts: number[]): { reports: Report[]; error: string | null } {
  const reports: Report[] = [];
  let prev = 0;
  try {
    for (const cut of [...cuts, bytes.length]) {
      reports.push(...side.reader.push(bytes.subarray(prev, cut)).map(flowReport));
      prev = cut;
    }
    return { reports, error: null };
  } catch (e) {
    if (!(e instanceof FrameError)) throw e;
    return { reports: [...reports, ...e.frames.map(flowReport)], error: e.reason };
  }
}

/** flushOn runs commands on one side; what it granted and wrote, the raw bytes, or the error's reason. */
function flushOn(side: Side, cmds: ModelCommand[]): { got: ModelFlush | string; bytes: Uint8Array } {
  const f = side.flow;
  const demanded = new Map<number, number>();
  for (const c of cmds) {
    if (c.c === 'open') f.streamOpened(c.id);
    else if (c.c === 'close') f.streamClosed(c.id);
    else if (c.c === 'consumed') f.consumed(c.id, c.n);
    else if (c.c === 'settingsSent') f.settingsSent(c.v);
    else if (c.c === 'peerMaxFrameSize') f.peerMaxFrameSize(c.v);
    else if (c.c === 'connectionTarget') f.connectionTarget(c.v);
    else if (c.c === 'demand') demanded.set(f.demand(c.id, c.want, c.end, c.cap), c.id);
  }
  let r;
  try {
    r = f.flush();
  } catch (e) {
    return { got: (e as Error).message, bytes: new Uint8Array(0) };
  }
  const out = side.core.binding.out;
  const bytes = out.slice(0, r.bytes);
  const results: number[] = [];
  const grants: ModelFlush['grants'] = [];
  let headers = 0;
  for (let i = 0; i < cmds.length; i++) {
    results.push(r.result(i));
    const id = demanded.get(i);
    if (id === undefined || r.result(i) < 0) {
      grants.push(null);
      continue;
    }
    const lengths: number[] = [];
    for (let k = 0; k < r.frames(i); k++) {
      // A DATA frame header on the demand's stream, END_STREAM on the last frame only (checked
      // without expect() in this loop: vitest's assertions cost more than the core here).
      const h = r.frameHeader(i, k);
      const last = k === r.frames(i) - 1;
      const ok = h[3] === 0 && new DataView(h.buffer, h.byteOffset, 9).getUint32(5) === id && h[4] === (last && r.endStream(i) ? FLAG_END_STREAM : 0);
      if (!ok) throw new Error(`bad DATA header ${Array.from(h)} for demand ${i} on stream ${id}`);
      lengths.push(r.frameLength(i, k));
      headers++;
    }
    grants.push({
      result: r.result(i), frames: r.frames(i), end: r.endStream(i),
      streamBlocked: r.streamBlocked(i), connectionBlocked: r.connectionBlocked(i), lengths,
    });
  }
  expect(r.updatesAt).toBe(headers * 9);
  const wu = r.windowUpdates();
  const updates: Array<[number, number]> = [];
  const v = new DataView(wu.buffer, wu.byteOffset, wu.byteLength);
  for (let p = 0; p < wu.length; p += 13) {
    if (v.getUint32(p) >>> 8 !== 4 || wu[p + 3] !== 8 || wu[p + 4] !== 0) throw new Error(`bad WINDOW_UPDATE frame at ${p}`);
    updates.push([v.getUint32(p + 5), v.getUint32(p + 9)]);
  }
  updates.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { got: { results, grants, updates }, bytes };
}

/** encode writes model frames as wire bytes (the peer's). */
function encode(core: Core, frames: ModelFrame[]): Uint8Array {
  const inits: FrameInit[] = frames.map((f): FrameInit => {
    switch (f.t) {
      case 'headers': return { type: 'HEADERS', streamId: f.id, endHeaders: true, endStream: f.end === true, fragment: new Uint8Array(0) };
      case 'push': return { type: 'PUSH_PROMISE', streamId: f.id, endHeaders: true, promisedStreamId: f.promised, fragment: new Uint8Array(0) };
      case 'data': return f.pad === undefined
        ? { type: 'DATA', streamId: f.id, endStream: f.end === true, data: new Uint8Array(f.n) }
        : { type: 'DATA', streamId: f.id, endStream: f.end === true, data: new Uint8Array(f.n), padLength: f.pad };
      case 'windowUpdate': return { type: 'WINDOW_UPDATE', streamId: f.id, increment: f.inc };
      case 'settingsAck': return { type: 'SETTINGS', ack: true, settings: [] };
      case 'settings': {
        const settings: Array<[number, number]> = [];
        if (f.initialWindow !== undefined) settings.push([SETTINGS_INITIAL_WINDOW_SIZE, f.initialWindow]);
        if (f.maxFrameSize !== undefined) settings.push([SETTINGS_MAX_FRAME_SIZE, f.maxFrameSize]);
        return { type: 'SETTINGS', settings };
      }
    }
  });
  return core.encodeFrames(inits);
}

const stats = { steps: 0, failed: 0, reports: {} as Record<string, number>, grants: 0, blocked: 0, updates: 0 };

describe('flow control in the batched calls against the reference model, on both cores', () => {
  it('agrees on every report, grant, frame and window, for any split of the reads', async () => {
    const cores = await Promise.all(CODECS.map((c: CodecName) => sharedCore(c)));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1, 100, 1000, 16384, DEFAULT, 1 << 20),
        fc.constantFrom('server' as const, 'client' as const),
        fc.array(step, { maxLength: 30, size: 'max' }),
        async (local, position, script) => {
          const model = new BatchedFlowModel(local, position);
          const sides: Side[] = cores.map((core) => {
            const flow = core.flowControl({ localInitialWindow: local, untracked: true });
            const reader = core.frameDecoder({ flow, position, untracked: true });
            return { core, flow, reader };
          });
          const used: number[] = [];
          let nextPeer = position === 'server' ? 1 : 2;
          let nextOwn = position === 'server' ? 2 : 1;
          let unknown = 1001;
          const ref = (p: Pick): number => (p.fresh || used.length === 0 ? (unknown += 2) : used[p.i % used.length]);
          const win = (id: number) => model.m.streams.get(id) ?? { send: 0, recv: 0, held: 0 };
          try {
            for (const s of script) {
              stats.steps++;
              if (s.t === 'read') {
                const frames: ModelFrame[] = [];
                const expected: Report[] = [];
                let failed: string | null = null;
                for (const o of s.frames) {
                  let f: ModelFrame;
                  if (o.t === 'headers') {
                    const id = o.fresh ? nextPeer : ref(o.p);
                    if (o.fresh) nextPeer += 2;
                    if (!used.includes(id)) used.push(id);
                    f = { t: 'headers', id, end: o.end };
                  } else if (o.t === 'push') {
                    const promised = o.fresh ? nextPeer : ref(o.p);
                    if (o.fresh) nextPeer += 2;
                    if (!used.includes(promised)) used.push(promised);
                    f = { t: 'push', id: ref(o.on), promised };
                  } else if (o.t === 'data') {
                    const id = ref(o.p);
                    const boundary = o.against === 'stream' ? win(id).recv : model.m.connRecv;
                    // Aimed at the stream window: kept within the connection's, so the stream error is what is tested.
                    const room = Math.min(MAX_PAYLOAD, o.against === 'stream' ? Math.max(0, model.m.connRecv) : MAX_PAYLOAD);
                    const pad = o.pad !== null && 1 + o.pad <= room ? o.pad : null;
                    const over = pad === null ? 0 : 1 + pad;
                    const n = clamp(resolve(o.a, boundary) - over, 0, room - over);
                    f = pad === null ? { t: 'data', id, n, end: o.end } : { t: 'data', id, n, pad, end: o.end };
                  } else if (o.t === 'windowUpdate') {
                    let id = o.p === null ? 0 : ref(o.p);
                    // A connection window already at 2^31-1 takes no more: aim at a stream nobody opened instead.
                    if (id === 0 && model.m.connSend === MAX && !(o.a.rel && o.a.delta > 0)) id = unknown += 2;
                    const room = MAX - (id === 0 ? model.m.connSend : win(id).send);
                    // On the connection only a relative amount overshoots (a connection error ends the run).
                    const inc = id === 0 && !o.a.rel ? Math.min(o.a.n, room) : resolve(o.a, room);
                    f = { t: 'windowUpdate', id, inc: clamp(inc, 1, MAX) };
                  } else if (o.t === 'settingsAck') {
                    f = { t: 'settingsAck' };
                  } else {
                    const largest = Math.max(model.m.peerInitial, ...[...model.m.streams.values()].map((x) => x.send));
                    const f2: ModelFrame = { t: 'settings' };
                    if (o.initial !== null) f2.initialWindow = clamp(resolve(o.initial, MAX - largest + model.m.peerInitial), 0, MAX);
                    if (o.maxFrame !== null) f2.maxFrameSize = o.maxFrame;
                    f = f2;
                  }
                  frames.push(f);
                  if (failed === null) {
                    expected.push(...model.read(f));
                    if (model.failed !== null) {
                      failed = errorReason(model.failed);
                      stats.reports[`error on ${f.t}${f.t === 'windowUpdate' && f.id === 0 ? ' 0' : ''}`] = (stats.reports[`error on ${f.t}${f.t === 'windowUpdate' && f.id === 0 ? ' 0' : ''}`] ?? 0) + 1;
                    }
                  }
                }
                const bytes = encode(cores[0], frames);
                const cuts = [...new Set(s.cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
                for (const side of sides) {
                  const got = readOn(side, bytes, cuts);
                  expect(sortOwed(got.reports)).toEqual(sortOwed(expected));
                  expect(got.error).toBe(failed);
                }
                for (const r of expected) stats.reports[String(r.type)] = (stats.reports[String(r.type)] ?? 0) + 1;
                if (failed !== null) {
                  stats.failed++;
                  stats.reports[`error ${failed}`] = (stats.reports[`error ${failed}`] ?? 0) + 1;
                  return;
                }
              } else {
                const cmds: ModelCommand[] = s.cmds.map((o): ModelCommand => {
                  switch (o.c) {
                    case 'open': {
                      const id = nextOwn;
                      nextOwn += 2;
                      used.push(id);
                      return { c: 'open', id };
                    }
                    case 'close': return { c: 'close', id: ref(o.p) };
                    case 'consumed': {
                      const id = ref(o.p);
                      return { c: 'consumed', id, n: resolve(o.a, win(id).held) };
                    }
                    case 'settingsSent': return { c: 'settingsSent', v: o.a === null ? -1 : resolve(o.a, model.m.localInitial) };
                    case 'peerMaxFrameSize': return { c: 'peerMaxFrameSize', v: o.v };
                    case 'connectionTarget': return { c: 'connectionTarget', v: resolve(o.a, model.m.connTarget) };
                    case 'demand': {
                      const id = ref(o.p);
                      return { c: 'demand', id, want: resolve(o.want, Math.min(win(id).send, model.m.connSend)), end: o.end, cap: o.cap };
                    }
                  }
                });
                // Windows before, to check grants against them independently of the model.
                const before = new Map<number, number>();
                // (A stream opened by this flush starts at the peer's initial window.)
                for (const c of cmds) if (c.c === 'demand') before.set(c.id, sides[0].flow.windows(c.id)?.send ?? model.m.peerInitial);
                const connBefore = sides[0].flow.windows(0)!.send;
                const want = model.flush(cmds);
                const got = sides.map((side) => flushOn(side, cmds));
                expect(got[1].bytes).toEqual(got[0].bytes);
                for (const g of got) {
                  if (typeof want === 'number') expect(g.got).toMatch(errorReason(want));
                  else expect(g.got).toEqual(want);
                }
                if (typeof want === 'number') {
                  stats.failed++;
                  stats.reports['flush error'] = (stats.reports['flush error'] ?? 0) + 1;
                  return;
                }
                let spent = 0;
                const spentOn = new Map<number, number>();
                want.grants.forEach((g, i) => {
                  const c = cmds[i];
                  if (g === null || c.c !== 'demand') return;
                  spentOn.set(c.id, (spentOn.get(c.id) ?? 0) + g.result);
                  expect(spentOn.get(c.id)).toBeLessThanOrEqual(Math.max(0, before.get(c.id)!));
                  spent += g.result;
                  stats.grants++;
                  if (g.streamBlocked || g.connectionBlocked) stats.blocked++;
                });
                expect(spent).toBeLessThanOrEqual(Math.max(0, connBefore));
                stats.updates += want.updates.length;
              }
              // Every window, on both cores, equals the model's and stays within 2^31-1.
              const wanted: Record<number, unknown> = { 0: model.m.connection() };
              for (const id of used) wanted[id] = model.m.streams.has(id) ? model.m.stream(id) : null;
              for (const side of sides) {
                const seen: Record<number, unknown> = {};
                let largest = -Infinity;
                for (const id of [0, ...used]) {
                  const w = side.flow.windows(id);
                  seen[id] = w;
                  if (w) largest = Math.max(largest, w.send, w.recv);
                }
                expect(seen).toEqual(wanted);
                expect(largest).toBeLessThanOrEqual(MAX);
              }
            }
          } finally {
            for (const side of sides) {
              side.reader.close();
              side.flow.close();
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
    if (process.env.FLOW_STATS) console.log(JSON.stringify(stats));
  }, 600_000);
});
