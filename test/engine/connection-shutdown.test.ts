// Graceful shutdown of ServerConnection (Sōzu's double GOAWAY): GOAWAY(2^31-1)
// + PING, then on the PING ACK (or a second later) the final GOAWAY with the
// real last stream id; in-flight streams finish; the transport ends last.

import { describe, expect, it } from 'vitest';
import { H2_NO_ERROR, H2_REFUSED_STREAM } from '../../assembly/abi.js';
import type { PingFrame } from '../../host/core/frames.js';
import type { ServerStream } from '../../host/engine/types.js';
import { MAX_STREAM_ID } from '../../host/engine/connection.js';
import { CODECS } from '../helpers/codecs.js';
import { EngineHarness, type FakeTransport, useFakeEngineTimers } from '../helpers/engine.js';

useFakeEngineTimers();

/** endAfterLastWrite expects end() exactly once, after every write. */
function wantEndLast(t: FakeTransport): void {
  const kinds = t.events.map((e) => e.kind);
  expect(kinds.filter((k) => k === 'end')).toHaveLength(1);
  expect(kinds.lastIndexOf('write')).toBeLessThan(kinds.indexOf('end'));
  expect(t.destroyed).toBe(false);
}

describe.each(CODECS)('graceful shutdown (%s)', (codec) => {
  it('GOAWAY(2^31-1) + PING; the PING ACK brings the final GOAWAY; streams finish; end() comes last', async () => {
    const held = new Map<number, ServerStream>();
    const handled: number[] = [];
    const h = await EngineHarness.open(codec, {
      options: { idleTimeout: 0 },
      handler: (s) => {
        handled.push(s.id);
        held.set(s.id, s);
      },
    });
    h.request(1);
    await h.settle();
    h.take();
    h.conn.shutdown();
    await h.settle();
    const first = h.take();
    expect(first.map((f) => f.type)).toEqual(['GOAWAY', 'PING']);
    expect(first[0]).toMatchObject({ lastStreamId: MAX_STREAM_ID, errorCode: H2_NO_ERROR });
    const ping = first[1] as PingFrame;
    expect(ping.ack).toBe(false);

    // Between the two GOAWAYs a new stream is still served.
    h.request(3);
    await h.settle();
    expect(handled).toEqual([1, 3]);

    h.send({ type: 'PING', ack: true, data: ping.data });
    await h.settle();
    h.wantGoaway(H2_NO_ERROR, 3);
    expect(h.goaways()).toHaveLength(2);

    // Above the last stream id: refused, and the handler never sees it.
    h.request(5);
    await h.settle();
    h.wantRst(5, H2_REFUSED_STREAM);
    expect(handled).toEqual([1, 3]);
    expect(h.transport.ended).toBe(false);

    // In-flight streams finish, then the transport ends.
    await held.get(1)!.end('one');
    await h.settle();
    expect(h.textFor(1)).toBe('one');
    expect(h.transport.ended).toBe(false);
    await held.get(3)!.end('three');
    await h.settle();
    expect(h.textFor(3)).toBe('three');
    expect(h.endedStream(3)).toBe(true);
    expect(h.transport.ended).toBe(true);
    wantEndLast(h.transport);
    h.wantClean();
  });

  it('the final GOAWAY comes within about a second without the PING ACK', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 0, streamIdleTimeout: 0 } });
    h.request(1);
    await h.settle();
    h.conn.shutdown();
    await h.settle();
    await h.advance(750);
    expect(h.goaways().map((g) => g.lastStreamId)).toEqual([MAX_STREAM_ID]);
    await h.advance(500);
    expect(h.goaways().map((g) => g.lastStreamId)).toEqual([MAX_STREAM_ID, 1]);
    h.wantGoaway(H2_NO_ERROR, 1);
    expect(h.transport.ended).toBe(false); // stream 1 is still open
    await h.streams.get(1)!.end();
    await h.settle();
    expect(h.transport.ended).toBe(true);
    wantEndLast(h.transport);
  });

  it('with no stream open, the final GOAWAY is followed by end()', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 0 } });
    h.conn.shutdown();
    await h.settle();
    const ping = h.frames.find((f): f is PingFrame => f.type === 'PING' && !f.ack)!;
    expect(h.transport.ended).toBe(false);
    h.send({ type: 'PING', ack: true, data: ping.data });
    await h.settle();
    h.wantGoaway(H2_NO_ERROR, 0);
    wantEndLast(h.transport);
  });

  it('a PING ACK with other data does not end the wait; shutdown() twice sends one pair', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 0 } });
    h.conn.shutdown();
    h.conn.shutdown();
    await h.settle();
    expect(h.goaways()).toHaveLength(1);
    expect(h.frames.filter((f) => f.type === 'PING')).toHaveLength(1);
    h.send({ type: 'PING', ack: true, data: new Uint8Array(8) });
    await h.settle();
    expect(h.goaways()).toHaveLength(1);
    await h.advance(1250);
    expect(h.goaways()).toHaveLength(2);
    wantEndLast(h.transport);
  });

  it('a stream whose body is held by flow control still completes before end()', async () => {
    const h = await EngineHarness.open(codec, {
      settings: [[0x4, 100]],
      options: { idleTimeout: 0 },
      handler: async (s) => { await s.end(new Uint8Array(1000)); },
    });
    h.request(1);
    await h.settle();
    h.conn.shutdown();
    await h.advance(1250);
    h.wantGoaway(H2_NO_ERROR, 1);
    expect(h.transport.ended).toBe(false);
    h.windowUpdate(1, 900);
    await h.settle();
    expect(h.dataFor(1).length).toBe(1000);
    expect(h.endedStream(1)).toBe(true);
    wantEndLast(h.transport);
  });

  it('destroy() after shutdown drops the transport and fails open streams', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 0 } });
    h.request(1);
    await h.settle();
    const s = h.streams.get(1)!;
    h.conn.shutdown();
    await h.settle();
    h.conn.destroy();
    expect(h.transport.destroyed).toBe(true);
    expect(s.signal.aborted).toBe(true);
    expect(h.conn.isFinished).toBe(true);
    await expect(s.write('x')).rejects.toThrow();
  });
});
