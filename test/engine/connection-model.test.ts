// docs/server.md invariant 1 (the stream map) and the state table under random
// frame sequences: whatever a client sends, ServerConnection never throws,
// writes only valid frames, answers errors with RFC 9113 codes, keeps in
// `streams` exactly the open and half-closed streams, and after a GOAWAY for
// an error writes nothing more: the transport end() follows.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OPEN, HALF_CLOSED_REMOTE, HALF_CLOSED_LOCAL, STATE_NAMES } from '../../host/engine/stream-state.js';
import type { FrameInit } from '../../host/core/frames.js';
import type { ServerStream } from '../../host/engine/types.js';
import { CODECS, runs } from '../helpers/codecs.js';
import { EngineHarness, bytesOf, FC_SEED, useFakeEngineTimers } from '../helpers/engine.js';
import type { StreamTable } from '../../host/engine/stream-table.js';

useFakeEngineTimers();

type Step =
  | { kind: 'HEADERS'; id: number; endStream: boolean; post: boolean }
  | { kind: 'DATA'; id: number; length: number; endStream: boolean }
  | { kind: 'RST_STREAM'; id: number; code: number }
  | { kind: 'WINDOW_UPDATE'; id: number; increment: number }
  | { kind: 'PRIORITY'; id: number; dependency: number; weight: number };

const ids = fc.integer({ min: 1, max: 9 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('HEADERS' as const), id: ids, endStream: fc.boolean(), post: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('DATA' as const), id: ids, length: fc.integer({ min: 0, max: 300 }), endStream: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('RST_STREAM' as const), id: ids, code: fc.integer({ min: 0, max: 15 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('WINDOW_UPDATE' as const), id: fc.integer({ min: 0, max: 9 }), increment: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100_000 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('PRIORITY' as const), id: ids, dependency: fc.integer({ min: 0, max: 9 }), weight: fc.integer({ min: 1, max: 256 }) }) },
);

/** handler answers in one of three ways by stream id, so streams close from either side in any order. */
async function handler(s: ServerStream): Promise<void> {
  switch (s.id % 3) {
    case 0:
      s.respond(204, {}, true);
      return;
    case 1: {
      let n = 0;
      for await (const chunk of s) n += chunk.length;
      await s.end(`read ${n}`);
      return;
    }
    default:
      s.respond(200);
      await s.write('x');
      while ((await s.read()) !== null) { /* drain */ }
      await s.end('y', { 'x-done': '1' });
  }
}

interface Internals {
  streams: StreamTable<{ state: number; id: number }>;
  peerActive: number;
  lastPeerStreamId: number;
}

describe.each(CODECS)('random frame sequences (%s)', (codec) => {
  it('keep the stream map and the output valid, and close cleanly after a GOAWAY', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(stepArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 30 }), async (reads) => {
        const h = await EngineHarness.open(codec, {
          handler: (s) => handler(s).catch(() => {}),
          options: { idleTimeout: 0, streamIdleTimeout: 0 },
        });
        try {
          const conn = h.conn as unknown as Internals;
          const usedIds = new Set<number>([0]);
          h.take();
          for (const read of reads) {
            const frames: FrameInit[] = read.map((st) => {
              usedIds.add(st.id);
              switch (st.kind) {
                case 'HEADERS':
                  return h.headersFrame(st.id, [
                    [':method', st.post ? 'POST' : 'GET'], [':scheme', 'https'], [':path', `/${st.id}`], [':authority', 'example.com'],
                  ], st.endStream);
                case 'DATA':
                  return { type: 'DATA', streamId: st.id, data: bytesOf(st.length, st.id), endStream: st.endStream };
                case 'RST_STREAM':
                  return { type: 'RST_STREAM', streamId: st.id, errorCode: st.code };
                case 'WINDOW_UPDATE':
                  return { type: 'WINDOW_UPDATE', streamId: st.id, increment: st.increment };
                case 'PRIORITY':
                  return { type: 'PRIORITY', streamId: st.id, exclusive: false, dependency: st.dependency, weight: st.weight };
              }
            });
            h.sendBytes(h.encode(frames));
            await h.settle();

            // The engine never throws, never fails internally, and writes only frames a client can decode.
            h.wantClean();
            // Invariant 1: the map holds exactly the open and half-closed streams; peerActive is its size (a server opens none).
            for (const s of conn.streams.values()) {
              const id = s.id;
              expect([OPEN, HALF_CLOSED_REMOTE, HALF_CLOSED_LOCAL], `stream ${id} in the map is ${STATE_NAMES[s.state]}`).toContain(s.state);
              expect(conn.streams.get(id)).toBe(s);
              expect(id % 2).toBe(1);
              expect(id).toBeLessThanOrEqual(conn.lastPeerStreamId);
            }
            expect(conn.peerActive).toBe(conn.streams.size);
            expect(h.conn.streamCount).toBe(conn.streams.size);
          }

          // Every frame: on a stream the client used, with an RFC 9113 error code where it has one.
          for (const f of h.frames) {
            expect(usedIds.has(f.streamId), `${f.type} on stream ${f.streamId}, never used by the client`).toBe(true);
            if (f.type === 'RST_STREAM' || f.type === 'GOAWAY') expect(f.errorCode, `${f.type} code`).toBeLessThanOrEqual(0xd);
            if (f.type === 'GOAWAY') expect(f.lastStreamId).toBeLessThanOrEqual(conn.lastPeerStreamId);
          }
          // After a GOAWAY: nothing written, and the transport ends.
          const events = h.transport.events;
          const at = events.findIndex((e) => e.kind === 'write' && e.frames.some((f) => f.type === 'GOAWAY'));
          if (at >= 0) {
            const w = events[at] as { frames: Array<{ type: string }> };
            expect(w.frames[w.frames.length - 1].type, 'the GOAWAY is the last frame of its write').toBe('GOAWAY');
            // After the GOAWAY only end(); reading may pause and resume (stopped after a connection error, on again once ended).
            expect(events.slice(at + 1).map((e) => e.kind).filter((k) => k !== 'pause' && k !== 'resume')).toEqual(['end']);
            expect(h.goaways()).toHaveLength(1);
          } else {
            expect(h.transport.ended).toBe(false);
          }
        } finally {
          h.dispose();
        }
      }),
      { numRuns: runs(150), seed: FC_SEED },
    );
  });
});
