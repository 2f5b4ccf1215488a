// Two cores back to back through the batched calls only: a client and a
// server end, each a FlowControl attached to its frame reader, with the bytes
// each flush writes (DATA headers with zero payloads, owed WINDOW_UPDATEs,
// SETTINGS and their ACKs) in flight both ways and delivered in random
// pieces. Random streams, bodies both ways, consumption, and changes of
// SETTINGS_INITIAL_WINDOW_SIZE and of the connection target. Checked:
//   - neither end ever sees a flow-control error from a compliant peer;
//   - once the wires are drained, each end's send windows equal the other
//     end's receive windows (what one announced is what the other got);
//   - no stall: when the applications consume everything, every body is sent.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_INITIAL_WINDOW_SIZE as DEFAULT, SETTINGS_INITIAL_WINDOW_SIZE,
} from '../../assembly/abi.js';
import type { Core, FlowControl, FlowPosition, FrameDecoder } from '../../host/index.js';
import { concatBytes } from '../../host/bytes.js';
import { CODECS, runs, sharedCore } from '../helpers/codecs.js';

const RUNS = Number(process.env.FLOW_RUNS ?? runs(40));
// FLOW_STATS=1 prints what the runs moved, to keep the generator honest.
const stats = { runs: 0, streams: 0, bodyBytes: 0, dataFrames: 0, updateFrames: 0, drainRounds: 0 };

/** End is one side of the connection: its flow, its reader, and what its application has to do. */
class End {
  readonly flow: FlowControl;
  readonly reader: FrameDecoder;
  /** Bytes written by this end, not yet read by the peer. */
  wire: Uint8Array[] = [];
  /** Body bytes still to send, per stream. */
  toSend = new Map<number, number>();
  /** Body bytes received and not consumed yet, per stream. */
  held = new Map<number, number>();
  /** Streams whose body from the peer has ended. */
  received = new Set<number>();
  /** Streams whose body to the peer has ended. */
  sent = new Set<number>();
  /** A read reported WINDOW_UPDATEs owed: the next flush must run even with no command queued. */
  private owed = false;
  /** SETTINGS_INITIAL_WINDOW_SIZE values to send in the next flush's SETTINGS frames. */
  private settingsToSend: number[] = [];
  /** Response bodies a server sends on the streams its peer opens. */
  responses: number[] = [];

  constructor(readonly core: Core, readonly position: FlowPosition, local: number) {
    this.flow = core.flowControl({ localInitialWindow: local, untracked: true });
    this.reader = core.frameDecoder({ flow: this.flow, position, untracked: true });
  }

  close(): void {
    this.reader.close();
    this.flow.close();
  }

  /** read takes bytes from the peer, as the engine would act on the records. */
  read(bytes: Uint8Array): void {
    for (const f of this.reader.push(bytes)) {
      switch (f.type) {
        case 'WINDOW_UPDATE_OWED':
          this.owed = true;
          break;
        case 'STREAM_ERROR':
          throw new Error(`${this.position}: stream error ${f.reason} on ${f.streamId}`);
        case 'HEADERS':
          if ('flowOpened' in f && f.flowOpened) this.toSend.set(f.streamId, this.responses.shift() ?? 0);
          break;
        case 'DATA':
          if (f.untracked) break;
          this.held.set(f.streamId, (this.held.get(f.streamId) ?? 0) + f.data.length);
          if (f.endStream) this.received.add(f.streamId);
          break;
        case 'SETTINGS':
          // The peer's SETTINGS, and the ACKs of ours, are applied by the read; the ACK is ours to send.
          if (!f.ack) this.wire.push(this.core.encodeFrames([{ type: 'SETTINGS', ack: true, settings: [] }]));
          break;
        default:
          break;
      }
    }
  }

  /** HEADERS of streams opened since the last flush: written by the flush that opens their slots,
   *  so no answer can come before the slot exists (as an engine writes HEADERS in its flush). */
  private opening: number[] = [];

  /** open starts a stream of ours (client) with a body of n bytes. */
  open(id: number, n: number): void {
    this.flow.streamOpened(id);
    this.opening.push(id);
    this.toSend.set(id, n);
  }

  /** consume has the application take up to n bytes of every stream's held body. */
  consume(n: number): void {
    for (const [id, h] of this.held) {
      const k = Math.min(h, n);
      if (k > 0) this.flow.consumed(id, k);
      this.held.set(id, h - k);
    }
  }

  /** settings announces a new initial window of ours (in force at the ACK), in the next flush. */
  settings(v: number): void {
    this.flow.settingsSent(v);
    this.settingsToSend.push(v);
  }

  /** flush asks for every body in scheduler order (by stream id), writes what the grants allow. */
  flush(cap: number): boolean {
    const demands: Array<[number, number]> = [];
    for (const [id, left] of this.toSend) if (!this.sent.has(id)) demands.push([id, this.flow.demand(id, left, true, cap)]);
    // Streams done both ways free their slots.
    for (const id of [...this.sent]) {
      if (this.received.has(id) && (this.held.get(id) ?? 0) === 0 && this.toSend.has(id)) {
        this.flow.streamClosed(id);
        this.toSend.delete(id);
      }
    }
    if (this.flow.queued === 0 && !this.owed && this.settingsToSend.length === 0 && this.opening.length === 0) return false;
    this.owed = false;
    // The HEADERS are encoded first: encodeFrames is a core call, and the flush's results live in
    // the core's buffers only until the next one.
    const headers = this.core.encodeFrames([
      ...this.settingsToSend.map((v) => ({ type: 'SETTINGS' as const, settings: [[SETTINGS_INITIAL_WINDOW_SIZE, v] as [number, number]] })),
      ...this.opening.map((id) => ({ type: 'HEADERS' as const, streamId: id, endHeaders: true, fragment: new Uint8Array(0) })),
    ]);
    this.opening = [];
    this.settingsToSend = [];
    const r = this.flow.flush();
    const parts: Uint8Array[] = [r.windowUpdates().slice(), headers];
    let moved = r.bytes > r.updatesAt;
    stats.updateFrames += (r.bytes - r.updatesAt) / 13;
    for (const [id, i] of demands) {
      for (let k = 0; k < r.frames(i); k++) parts.push(r.frameHeader(i, k).slice(), new Uint8Array(r.frameLength(i, k)));
      const left = this.toSend.get(id)! - r.granted(i);
      this.toSend.set(id, left);
      if (r.endStream(i)) this.sent.add(id);
      stats.bodyBytes += r.granted(i);
      stats.dataFrames += r.frames(i);
      if (r.frames(i) > 0) moved = true;
    }
    this.wire.push(concatBytes(parts));
    return moved;
  }

  /** deliver passes up to n bytes of this end's wire to the peer. */
  deliver(peer: End, n: number): boolean {
    const all = concatBytes(this.wire);
    if (all.length === 0) return false;
    const k = Math.min(n, all.length);
    this.wire = k < all.length ? [all.subarray(k)] : [];
    peer.read(all.subarray(0, k));
    return true;
  }
}

type Op =
  | { t: 'open'; req: number; resp: number }
  | { t: 'flush' | 'deliver' | 'consume' | 'settings' | 'target'; client: boolean; n: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('open' as const), req: fc.integer({ min: 0, max: 70000 }), resp: fc.integer({ min: 0, max: 70000 }) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('flush' as const), client: fc.boolean(), n: fc.constantFrom(-1, 1000, 16384) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('deliver' as const), client: fc.boolean(), n: fc.integer({ min: 1, max: 40000 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('consume' as const), client: fc.boolean(), n: fc.integer({ min: 0, max: 40000 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('settings' as const), client: fc.boolean(), n: fc.constantFrom(100, 16384, DEFAULT, 1 << 20) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('target' as const), client: fc.boolean(), n: fc.constantFrom(1000, DEFAULT, 1 << 20) }) },
);

describe.each(CODECS)('flow control between two cores, batched calls only (%s)', (codec) => {
  it('never overruns the peer, agrees on every window once drained, and never stalls a sender', async () => {
    const core = await sharedCore(codec);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(100, 16384, DEFAULT, 1 << 20), fc.constantFrom(100, 16384, DEFAULT, 1 << 20), fc.array(op, { maxLength: 60, size: 'max' }),
        async (clientLocal, serverLocal, ops) => {
          // Each end's first SETTINGS states its initial window; until the ACK, 65535 is in force.
          const client = new End(core, 'client', DEFAULT);
          const server = new End(core, 'server', DEFAULT);
          client.settings(clientLocal);
          server.settings(serverLocal);
          let nextId = 1;
          try {
            for (const o of ops) {
              if (o.t === 'open') {
                server.responses.push(o.resp);
                client.open(nextId, o.req);
                nextId += 2;
                continue;
              }
              const [me, peer] = o.client ? [client, server] : [server, client];
              if (o.t === 'flush') me.flush(o.n);
              else if (o.t === 'deliver') me.deliver(peer, o.n);
              else if (o.t === 'consume') me.consume(o.n);
              else if (o.t === 'settings') me.settings(o.n);
              else me.flow.connectionTarget(o.n);
            }
            // Drain: the applications consume everything, both ends flush and deliver until nothing moves.
            for (let round = 0; round < 100000; round++) {
              client.consume(Infinity);
              server.consume(Infinity);
              const moved = [client.flush(-1), server.flush(-1), client.deliver(server, Infinity), server.deliver(client, Infinity)];
              stats.drainRounds++;
              if (!moved.includes(true)) break;
            }
            stats.runs++;
            stats.streams += (nextId - 1) / 2;
            for (const end of [client, server]) {
              for (const [id, left] of end.toSend) expect(left, `${end.position} stream ${id} stalled`).toBe(0);
            }
            // What one end may send is what the other end announced, on the connection and every open stream.
            expect(client.flow.windows(0)!.send).toBe(server.flow.windows(0)!.recv);
            expect(server.flow.windows(0)!.send).toBe(client.flow.windows(0)!.recv);
            for (let id = 1; id < nextId; id += 2) {
              const c = client.flow.windows(id);
              const s = server.flow.windows(id);
              if (c && s) {
                expect(c.send, `stream ${id}`).toBe(s.recv);
                expect(s.send, `stream ${id}`).toBe(c.recv);
              }
            }
          } finally {
            client.close();
            server.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
    if (process.env.FLOW_STATS) console.log(JSON.stringify(stats));
  }, 600_000);
});
