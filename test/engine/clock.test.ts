// The engine's clock (host/engine/clock.ts) is read once per socket read and
// per tick, and everything else takes the last reading. With no connection
// open no ticker runs, so that reading can be as old as the process's last
// activity: a connection that starts must not date its first stream from it.
import { describe, expect, it, vi } from 'vitest';
import { ClientConnection } from '../../host/engine/client.js';
import { coarseNow } from '../../host/engine/clock.js';
import { resolveOptions } from '../../host/engine/options.js';
import type { Transport } from '../../host/engine/types.js';
import { cat } from '../helpers/frames.js';
import { sharedCore, CODECS } from '../helpers/codecs.js';
import { useFakeEngineTimers } from '../helpers/engine.js';

const FRAME_RST_STREAM = 0x3;
const PREFACE_LENGTH = 24;

/** RecordingTransport keeps what the connection wrote. */
class RecordingTransport implements Transport {
  readonly remote = '192.0.2.1:443';
  readonly unsentBytes = 0;
  private readonly written: Uint8Array[] = [];
  write(chunks: Uint8Array[]): boolean {
    this.written.push(...chunks.map((c) => c.slice()));
    return true;
  }
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {}

  /** frameTypes lists the types of the frames written after the client preface. */
  frameTypes(): number[] {
    const bytes = cat(...this.written);
    const types: number[] = [];
    for (let at = PREFACE_LENGTH; at + 9 <= bytes.length; at += 9 + ((bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2])) types.push(bytes[at + 3]);
    return types;
  }
}

useFakeEngineTimers();

describe.each(CODECS)('engine clock (%s)', (codec) => {
  it('a client connection opened after the process sat idle for an hour: its upload is not reaped as idle', async () => {
    const core = await sharedCore(codec);
    // No connection is open, so no ticker reads the clock while the hour passes.
    vi.setSystemTime(Math.max(Date.now(), coarseNow()) + 3_600_000);
    const transport = new RecordingTransport();
    const conn = new ClientConnection(core, transport, resolveOptions({ streamIdleTimeout: 8000, idleTimeout: 0 }), { pingInterval: 0 });
    try {
      const stream = await conn.request({ fields: [[':method', 'POST'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '/']], endStream: false });
      // Writing the body stamps the stream's progress with the clock.
      void stream.write('a request body');
      // Well inside streamIdleTimeout, a few sweeps of the reaper.
      for (let i = 0; i < 8; i++) {
        vi.advanceTimersByTime(250);
        for (let k = 0; k < 10; k++) await Promise.resolve();
      }
      expect(transport.frameTypes()).not.toContain(FRAME_RST_STREAM);
      expect(stream.resetError).toBeNull();
    } finally {
      conn.destroy();
    }
  });
});
