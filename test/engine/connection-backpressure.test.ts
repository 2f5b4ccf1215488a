// Output backpressure in ServerConnection (CVE-2019-9517; docs/server.md
// invariant 4): a transport that reports full stops the writer, holds the
// handler's write() promises past maxPendingBytes, pauses reading; drained()
// starts it all again.

import { describe, expect, it } from 'vitest';
import { SETTINGS_INITIAL_WINDOW_SIZE } from '../../assembly/abi.js';
import { CODECS } from '../helpers/codecs.js';
import { EngineHarness, bytesOf, wantBytes, cat, useFakeEngineTimers } from '../helpers/engine.js';

useFakeEngineTimers();

const CHUNK = 16 * 1024;
const CHUNKS = 32;
const MAX_PENDING = 64 * 1024;

describe.each(CODECS)('backpressure (%s)', (codec) => {
  it('a full transport holds writers past maxPendingBytes and pauses reading; drained() resumes both', async () => {
    let written = 0;
    let done = false;
    const body = bytesOf(CHUNK * CHUNKS, 9);
    const h = await EngineHarness.open(codec, {
      settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24]],
      options: { maxPendingBytes: MAX_PENDING, idleTimeout: 0, streamIdleTimeout: 0 },
      handler: async (s) => {
        for (let i = 0; i < CHUNKS; i++) {
          await s.write(body.subarray(i * CHUNK, (i + 1) * CHUNK));
          written++;
        }
        await s.end();
        done = true;
      },
    });
    h.windowUpdate(0, 1 << 24);
    await h.settle();
    h.transport.full = true;
    const writesBefore = h.transport.count('write');
    h.request(1);
    await h.settle();
    await h.advance(5000);

    // One write went out and reported full; nothing since.
    expect(h.transport.count('write')).toBe(writesBefore + 1);
    expect(h.transport.events[h.transport.events.length - 1].kind).not.toBe('write');
    // The writer is held once the backlog passed the cap, well before the body is queued.
    expect(done).toBe(false);
    expect(written).toBeLessThan(CHUNKS);
    expect((written + 1) * CHUNK).toBeGreaterThan(MAX_PENDING);
    expect(written * CHUNK).toBeLessThanOrEqual(MAX_PENDING + 2 * CHUNK);
    const held = written;
    expect(h.transport.count('pause')).toBe(1);
    expect(h.transport.paused).toBe(true);
    expect(h.transport.count('resume')).toBe(0);

    // A PING answer is queued, not written, while the transport is full.
    h.send({ type: 'PING', data: bytesOf(8, 1) });
    await h.settle();
    expect(h.transport.count('write')).toBe(writesBefore + 1);
    expect(written).toBe(held);

    // The transport empties.
    h.transport.full = false;
    h.conn.drained();
    await h.settle();
    expect(done).toBe(true);
    expect(written).toBe(CHUNKS);
    expect(h.transport.count('resume')).toBeGreaterThanOrEqual(1);
    expect(h.transport.paused).toBe(false);
    // Pauses and resumes alternate, starting with a pause.
    const pr = h.transport.events.filter((e) => e.kind === 'pause' || e.kind === 'resume').map((e) => e.kind);
    pr.forEach((k, i) => expect(k).toBe(i % 2 === 0 ? 'pause' : 'resume'));
    wantBytes(h.dataFor(1), body);
    expect(h.endedStream(1)).toBe(true);
    expect(h.frames.filter((f) => f.type === 'PING' && f.ack)).toHaveLength(1);
    h.wantClean();
  });

  it('a transport that stays full after drained() keeps the writers held', async () => {
    let written = 0;
    const h = await EngineHarness.open(codec, {
      settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24]],
      options: { maxPendingBytes: MAX_PENDING, idleTimeout: 0, streamIdleTimeout: 0 },
      handler: async (s) => {
        for (let i = 0; i < CHUNKS; i++) {
          await s.write(bytesOf(CHUNK, i));
          written++;
        }
        await s.end();
      },
    });
    h.windowUpdate(0, 1 << 24);
    await h.settle();
    h.transport.full = true;
    h.request(1);
    await h.settle();
    const held = written;
    const writes = h.transport.count('write');
    for (let i = 0; i < 5; i++) {
      h.conn.drained(); // it empties, and the next write fills it again
      await h.settle();
      expect(h.transport.count('write')).toBe(writes + i + 1);
    }
    expect(written).toBeLessThan(CHUNKS);
    expect(written).toBeGreaterThanOrEqual(held);
    expect(h.transport.paused).toBe(true);
    h.transport.full = false;
    h.conn.drained();
    await h.settle();
    expect(written).toBe(CHUNKS);
    expect(h.dataFor(1).length).toBe(CHUNK * CHUNKS);
    h.wantClean();
  });

  it('a stream holding more than 1 MiB unsent waits even when the connection is under its cap', async () => {
    let resolved = false;
    const h = await EngineHarness.open(codec, {
      settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 0]],
      handler: (s) => {
        void s.write(bytesOf((1 << 20) + 1, 1)).then(() => { resolved = true; });
      },
    });
    h.request(1);
    await h.settle();
    expect(resolved).toBe(false);
    expect(h.transport.count('pause')).toBe(0);
    h.windowUpdate(0, 1 << 20);
    h.windowUpdate(1, 1 << 20);
    await h.settle();
    expect(resolved).toBe(true);
    h.wantClean();
  });

  it('bytes delivered after pause() are still handled, and everything arrives once drained', async () => {
    // A transport may deliver a chunk already read before pause() took effect: it is processed normally.
    const h = await EngineHarness.open(codec, {
      settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24]],
      options: { maxPendingBytes: MAX_PENDING },
      handler: async (s) => {
        const body = bytesOf(4 * MAX_PENDING, s.id);
        for (let at = 0; at < body.length; at += CHUNK) await s.write(body.subarray(at, at + CHUNK));
        await s.end();
      },
    });
    h.windowUpdate(0, 1 << 24);
    await h.settle();
    h.transport.full = true;
    h.request(1);
    await h.settle();
    expect(h.transport.paused).toBe(true);
    h.request(3);
    h.send({ type: 'PING', data: bytesOf(8, 2) });
    await h.settle();
    h.transport.full = false;
    h.conn.drained();
    await h.settle();
    wantBytes(h.dataFor(1), bytesOf(4 * MAX_PENDING, 1));
    wantBytes(h.dataFor(3), bytesOf(4 * MAX_PENDING, 3));
    expect(cat(...h.frames.filter((f) => f.type === 'PING' && f.ack).map((f) => (f as { data: Uint8Array }).data))).toEqual(bytesOf(8, 2));
    expect(h.transport.paused).toBe(false);
    h.wantClean();
  });
});

describe.each(CODECS)('backlog held by the peer\'s windows (%s)', (codec) => {
  it('does not stop reading: the WINDOW_UPDATE that frees it is read, and the response completes', async () => {
    const size = 1 << 20;
    const h = await EngineHarness.open(codec, {
      options: { maxPendingBytes: 64 << 10 },
      settings: [[0x4, 0]], // SETTINGS_INITIAL_WINDOW_SIZE 0: every byte waits for a WINDOW_UPDATE
      handler: async (s) => { await s.end(new Uint8Array(size)); },
    });
    h.request(1);
    await h.settle();
    // Over the cap, but the transport takes everything: only the windows hold the bytes back.
    expect(h.transport.paused, 'reading paused while only flow control holds the output').toBe(false);
    h.windowUpdate(0, size);
    h.windowUpdate(1, size);
    await h.settle();
    expect(h.dataFor(1).length).toBe(size);
    expect(h.endedStream(1)).toBe(true);
    h.wantClean();
  });
});
