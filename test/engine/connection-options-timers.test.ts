// ServerConnection over an in-memory transport: option clamping and the server
// preface, then the ticker's deadlines (SETTINGS ack, idle close, stream reaper)
// on the fake clock.

import { describe, expect, it } from 'vitest';
import {
  H2_NO_ERROR, H2_SETTINGS_TIMEOUT, H2_CANCEL,
  SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_ENABLE_PUSH, SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_HEADER_TABLE_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE, SETTINGS_NO_RFC7540_PRIORITIES,
} from '../../assembly/abi.js';
import { resolveOptions, DEFAULT_SETTINGS_TIMEOUT } from '../../host/engine/options.js';
import type { EngineOptions } from '../../host/engine/types.js';
import type { SettingsFrame, WindowUpdateFrame } from '../../host/core/frames.js';
import { CODECS } from '../helpers/codecs.js';
import { EngineHarness, type LogLine, useFakeEngineTimers } from '../helpers/engine.js';

useFakeEngineTimers();

function collect(options: Omit<EngineOptions, 'log'>): { logs: LogLine[]; resolved: ReturnType<typeof resolveOptions> } {
  const logs: LogLine[] = [];
  const resolved = resolveOptions({ ...options, log: (level, message, context) => logs.push({ level, message, context }) });
  return { logs, resolved };
}

describe('options', () => {
  it('fill defaults without a warning', () => {
    const { logs, resolved } = collect({});
    expect(logs).toEqual([]);
    const { log: _log, metrics: _metrics, ...values } = resolved;
    expect(values).toEqual({
      maxConcurrentStreams: 128, initialWindowSize: 1 << 20, maxFrameSize: 16384, maxHeaderListSize: 65536,
      headerTableSize: 4096, connectionWindowSize: 16 << 20, maxPendingBytes: 16 << 20,
      settingsTimeout: 10_000, idleTimeout: 300_000, streamIdleTimeout: 30_000, windowStallTimeout: 30_000,
      headersTimeout: 20_000, closeTimeout: 5_000, maxResetsPerSecond: 200, maxStreamsInFlight: 20_000,
    });
  });

  it('clamp every out-of-range value with exactly one warning each', () => {
    const { logs, resolved } = collect({
      settings: {
        maxConcurrentStreams: 0, initialWindowSize: -1, maxFrameSize: 100, maxHeaderListSize: 1 << 30,
        headerTableSize: 1 << 20, connectionWindowSize: 1000,
      },
      maxPendingBytes: 1, settingsTimeout: -5, idleTimeout: 1e12, streamIdleTimeout: -1, maxResetsPerSecond: 0,
      windowStallTimeout: -1, headersTimeout: 1e12, closeTimeout: 0, maxStreamsInFlight: 0,
    });
    const { log: _log, metrics: _metrics, ...values } = resolved;
    expect(values).toEqual({
      maxConcurrentStreams: 1, initialWindowSize: 0, maxFrameSize: 16384, maxHeaderListSize: 1 << 24,
      headerTableSize: 65536, connectionWindowSize: 65535, maxPendingBytes: 64 << 10,
      settingsTimeout: 0, idleTimeout: 86_400_000, streamIdleTimeout: 0, windowStallTimeout: 0,
      headersTimeout: 86_400_000, closeTimeout: 100, maxResetsPerSecond: 1, maxStreamsInFlight: 1,
    });
    expect(logs.every((l) => l.level === 'warn')).toBe(true);
    const named = logs.map((l) => l.context?.option).sort();
    expect(named).toEqual([
      'closeTimeout', 'connectionWindowSize', 'headerTableSize', 'headersTimeout', 'idleTimeout', 'initialWindowSize',
      'maxConcurrentStreams', 'maxFrameSize', 'maxHeaderListSize', 'maxPendingBytes', 'maxResetsPerSecond',
      'maxStreamsInFlight', 'settingsTimeout', 'streamIdleTimeout', 'windowStallTimeout',
    ]);
  });

  it('warn once for a non-number or a fraction, and keep in-range values quietly', () => {
    const { logs, resolved } = collect({
      settings: { maxConcurrentStreams: Number.NaN, initialWindowSize: 1000.4, maxFrameSize: 1 << 20 },
      settingsTimeout: 'soon' as unknown as number,
    });
    expect(resolved.maxConcurrentStreams).toBe(128);
    expect(resolved.initialWindowSize).toBe(1000);
    expect(resolved.maxFrameSize).toBe(1 << 20);
    expect(resolved.settingsTimeout).toBe(DEFAULT_SETTINGS_TIMEOUT);
    expect(logs.map((l) => l.context?.option).sort()).toEqual(['initialWindowSize', 'maxConcurrentStreams', 'settingsTimeout']);
  });
});

describe.each(CODECS)('server preface (%s)', (codec) => {
  const preface = (h: EngineHarness) => {
    const frames = h.frames;
    const settings = frames.find((f): f is SettingsFrame => f.type === 'SETTINGS' && !f.ack)!;
    const wu = frames.find((f): f is WindowUpdateFrame => f.type === 'WINDOW_UPDATE' && f.streamId === 0);
    return { first: frames[0], settings, map: new Map(settings.settings), wu };
  };

  it('is SETTINGS with our defaults, then WINDOW_UPDATE(0) opening the connection window to 16 MiB', async () => {
    const h = await EngineHarness.open(codec, { preface: false });
    const { first, settings, map, wu } = preface(h);
    expect(first).toBe(settings);
    expect(settings.streamId).toBe(0);
    expect(map.get(SETTINGS_MAX_CONCURRENT_STREAMS)).toBe(128);
    expect(map.get(SETTINGS_ENABLE_PUSH)).toBe(0);
    expect(map.get(SETTINGS_INITIAL_WINDOW_SIZE)).toBe(1 << 20);
    expect(map.get(SETTINGS_MAX_HEADER_LIST_SIZE)).toBe(65536);
    expect(map.get(SETTINGS_NO_RFC7540_PRIORITIES)).toBe(1);
    // Protocol defaults are left out.
    expect(map.has(SETTINGS_MAX_FRAME_SIZE)).toBe(false);
    expect(map.has(SETTINGS_HEADER_TABLE_SIZE)).toBe(false);
    expect(wu?.increment).toBe((16 << 20) - 65535);
    expect(h.frames).toHaveLength(2);
    expect(h.logs).toEqual([]);
    h.wantClean();
  });

  it('carries clamped values, and no WINDOW_UPDATE when the connection window is the default', async () => {
    const h = await EngineHarness.open(codec, {
      preface: false,
      options: { settings: { maxConcurrentStreams: 0, maxFrameSize: 1 << 30, headerTableSize: 8192, initialWindowSize: 65535, connectionWindowSize: 10 } },
    });
    const { map, wu } = preface(h);
    expect(map.get(SETTINGS_MAX_CONCURRENT_STREAMS)).toBe(1);
    expect(map.get(SETTINGS_MAX_FRAME_SIZE)).toBe(16777215);
    expect(map.get(SETTINGS_HEADER_TABLE_SIZE)).toBe(8192);
    expect(map.has(SETTINGS_INITIAL_WINDOW_SIZE)).toBe(false);
    expect(wu).toBeUndefined();
    expect(h.logsAt('warn').map((l) => l.context?.option).sort()).toEqual(['connectionWindowSize', 'maxConcurrentStreams', 'maxFrameSize']);
  });

  it('answers the client SETTINGS with an ACK', async () => {
    const h = await EngineHarness.open(codec);
    expect(h.frames.filter((f) => f.type === 'SETTINGS' && f.ack)).toHaveLength(1);
    h.wantClean();
  });
});

describe.each(CODECS)('deadlines on the fake clock (%s)', (codec) => {
  it('SETTINGS not acknowledged: GOAWAY SETTINGS_TIMEOUT after settingsTimeout, then end()', async () => {
    const h = await EngineHarness.open(codec, { ack: false, options: { idleTimeout: 0 } });
    await h.advance(DEFAULT_SETTINGS_TIMEOUT - 250);
    h.noGoaway();
    expect(h.transport.ended).toBe(false);
    await h.advance(500);
    h.wantGoaway(H2_SETTINGS_TIMEOUT, 0);
    expect(h.goaways()).toHaveLength(1);
    expect(h.transport.ended).toBe(true);
    const ev = h.transport.events;
    expect(ev.filter((e) => e.kind !== 'pause' && e.kind !== 'resume').pop()?.kind).toBe('end');
    expect(h.logsAt('warn').map((l) => l.context?.code)).toEqual(['SETTINGS_TIMEOUT']);
    h.wantClean();
  });

  it('SETTINGS acknowledged: no SETTINGS_TIMEOUT', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 0, settingsTimeout: 2000 } });
    await h.advance(30_000);
    h.noGoaway();
    expect(h.transport.ended).toBe(false);
    h.wantClean();
  });

  it('a custom settingsTimeout is honoured within a tick; 0 disables it', async () => {
    const a = await EngineHarness.open(codec, { ack: false, options: { idleTimeout: 0, settingsTimeout: 1500 } });
    const b = await EngineHarness.open(codec, { ack: false, options: { idleTimeout: 0, settingsTimeout: 0 } });
    await a.advance(1250);
    a.noGoaway();
    await a.advance(500);
    a.wantGoaway(H2_SETTINGS_TIMEOUT);
    await b.advance(60_000);
    b.noGoaway();
  });

  it('idle connection: GOAWAY NO_ERROR after idleTimeout, then end()', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 5000 } });
    await h.advance(4750);
    h.noGoaway();
    await h.advance(500);
    h.wantGoaway(H2_NO_ERROR, 0);
    expect(h.transport.ended).toBe(true);
    expect(h.transport.events[h.transport.events.length - 1].kind).toBe('end');
    h.wantClean();
  });

  it('idle timeout counts from the last frame received, and after the last stream ends', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 5000 }, handler: (s) => { s.respond(204, {}, true); } });
    for (let i = 0; i < 4; i++) {
      await h.advance(3000);
      h.send({ type: 'PING', data: new Uint8Array(8) });
    }
    h.request(1);
    await h.settle();
    h.wantStatus(1, 204);
    await h.advance(4500);
    h.noGoaway();
    await h.advance(1000);
    h.wantGoaway(H2_NO_ERROR, 1);
    expect(h.transport.ended).toBe(true);
  });

  it('an open stream keeps an idle connection alive', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 5000, streamIdleTimeout: 0 } });
    h.request(1);
    await h.advance(60_000);
    h.noGoaway();
    expect(h.transport.ended).toBe(false);
    expect(h.conn.streamCount).toBe(1);
    h.wantClean();
  });

  it('stream reaper: a handler that never answers gets RST_STREAM CANCEL after streamIdleTimeout, with a log line', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 0, streamIdleTimeout: 8000 } });
    h.request(1);
    await h.settle();
    const s = h.streams.get(1)!;
    await h.advance(7750);
    h.noRst(1);
    await h.advance(8000 / 4 + 500);
    h.wantRst(1, H2_CANCEL);
    expect(s.closed).toBe(true);
    expect(s.signal.aborted).toBe(true);
    await expect(s.write('late')).rejects.toThrow();
    const lines = h.logs.filter((l) => l.message === 'stream idle, reset');
    expect(lines).toHaveLength(1);
    expect(lines[0].context?.stream).toBe(1);
    expect(h.conn.streamCount).toBe(0);
    h.noGoaway();
    h.wantClean();
  });

  it('stream reaper: a stream that keeps writing is not reaped', async () => {
    const h = await EngineHarness.open(codec, { options: { idleTimeout: 0, streamIdleTimeout: 4000 } });
    h.request(1);
    await h.settle();
    const s = h.streams.get(1)!;
    s.respond(200);
    for (let i = 0; i < 20; i++) {
      await s.write(`chunk ${i}\n`);
      await h.advance(1000);
    }
    h.noRst(1);
    await s.end();
    await h.settle();
    expect(h.endedStream(1)).toBe(true);
    expect(h.textFor(1)).toBe(Array.from({ length: 20 }, (_, i) => `chunk ${i}\n`).join(''));
    expect(h.logs.filter((l) => l.message === 'stream idle, reset')).toEqual([]);
    h.wantClean();
  });

  it('stream reaper: a stream stalled on a closed flow-control window is reaped too', async () => {
    const h = await EngineHarness.open(codec, {
      settings: [[SETTINGS_INITIAL_WINDOW_SIZE, 10]], options: { idleTimeout: 0, streamIdleTimeout: 4000 },
    });
    h.request(1);
    await h.settle();
    const s = h.streams.get(1)!;
    void s.end('more than ten bytes').catch(() => {});
    await h.settle();
    expect(h.dataFor(1).length).toBe(10);
    await h.advance(6000);
    h.wantRst(1, H2_CANCEL);
  });
});
