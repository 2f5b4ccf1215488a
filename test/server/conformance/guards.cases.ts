// Guards beyond h2spec: the denial-of-service floods a server must survive,
// and the flow-control window limits at their exact edges. Every attack is a
// bounded loop (a fixed number of frames, writes that wait for the socket to
// drain, a stop as soon as the server gives up on us), and after every attack
// a second, well-behaved connection must still get its response.
//
// What each guard expects (RFC 9113 §7 codes):
//   Rapid Reset (CVE-2023-44487)        HEADERS+RST_STREAM x1000  -> GOAWAY ENHANCE_YOUR_CALM (0xb)
//   CONTINUATION flood, 16 KiB frames   (CVE-2024-27316 class)     -> GOAWAY ENHANCE_YOUR_CALM (0xb)
//   CONTINUATION flood, empty frames    (CVE-2024-28182 class)     -> GOAWAY ENHANCE_YOUR_CALM (0xb)
//   PING flood, 10,000 unread           (CVE-2019-9512)            -> all answered, or GOAWAY ENHANCE_YOUR_CALM
//   SETTINGS flood, 10,000 unread       (CVE-2019-9515)            -> all answered, or GOAWAY ENHANCE_YOUR_CALM
//   empty DATA flood, 10,000 frames     (CVE-2019-9518)            -> still answering, or GOAWAY ENHANCE_YOUR_CALM
//   WINDOW_UPDATE to exactly 2^31-1 on the connection              -> accepted (PING answered)
//   ... and one more octet                                          -> GOAWAY FLOW_CONTROL_ERROR (0x3)
//   stream window over 2^31-1                                       -> RST_STREAM FLOW_CONTROL_ERROR, connection lives
//   SETTINGS_INITIAL_WINDOW_SIZE change pushing a stream over 2^31-1 -> GOAWAY FLOW_CONTROL_ERROR (RFC 9113 §6.9.2)
// A connection error must arrive as a GOAWAY with the code above (a close after
// it is fine); a close without one fails, unless H2SPEC_LENIENT=1 (h2spec's
// rule, which counts a bare close as the connection error), or the connection
// ended while a flood was still being written without reading (floodVerdict:
// the GOAWAY may then be stuck behind the answers we did not read). The request the
// window guards keep open is a POST to /echo, so that a server which answers
// early (the demo app answers POST / with 405 at once) still has the stream open.
// "Answered" means the server worked through the flood: a PING sent after it
// comes back. A server that answers must not have queued the answers without
// bound; we cannot see its memory from here, so the reading side is paused
// during the flood to let its output back up, and the flood is large enough
// (10,000 frames) that a server without a cap would queue every answer.

import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../host/bytes.js';
import {
  bytes, rawFrame, RawH2, describe as describeEvent, H2SPEC_LENIENT,
  CANCEL, ENHANCE_YOUR_CALM, FLOW_CONTROL_ERROR, SETTINGS_INITIAL_WINDOW_SIZE,
  TYPE_CONTINUATION, TYPE_DATA, TYPE_PING, TYPE_SETTINGS,
} from '../../helpers/raw-h2.js';
import { T, handshake } from './suite.js';

/** GUARD_TIMEOUT bounds one guard test: the flood, the verdict and the second connection. */
const GUARD_TIMEOUT = 12 * T + 10_000;
/** FLOOD_FRAMES is the size of the PING, SETTINGS and empty-DATA floods. */
const FLOOD_FRAMES = 10_000;
/** BATCH is how many flood frames go out per write. */
const BATCH = 500;

/** stillServes opens a second connection and wants a normal response on it. */
async function stillServes(): Promise<void> {
  const c = await handshake();
  c.headers(1, c.commonHeaders(), { endStream: true });
  await c.expectResponse(1);
  await c.expectStreamClose(1);
  c.close();
}

/** floodVerdict reads what the server did after a flood that ended with a PING carrying `marker`:
 *  'answered' once that PING's ACK arrives, 'calm' on GOAWAY ENHANCE_YOUR_CALM. A close before
 *  either fails, and so do a GOAWAY with another code and silence; but a close is 'closed' when the
 *  connection ended while the flood was still being written (`endedDuringFlood`): we were not
 *  reading, so the server's answers filled the socket buffers and a GOAWAY queued behind them may
 *  never have left the server (RawH2 reads whatever did reach us). Under H2SPEC_LENIENT any close
 *  is 'closed' (h2spec's rule). */
async function floodVerdict(c: RawH2, marker: Uint8Array, timeoutMs: number, endedDuringFlood: boolean): Promise<'answered' | 'calm' | 'closed'> {
  const deadline = Date.now() + timeoutMs;
  let frames = 0;
  for (;;) {
    const ev = await c.next(Math.max(0, deadline - Date.now()));
    if (ev === undefined) throw new Error(`expected the PING ACK after the flood or GOAWAY ENHANCE_YOUR_CALM; got ${frames} frames, then nothing for ${timeoutMs} ms`);
    if (ev.kind === 'closed') {
      if (H2SPEC_LENIENT || endedDuringFlood) return 'closed';
      throw new Error(`expected the PING ACK after the flood or GOAWAY ENHANCE_YOUR_CALM; got ${frames} frames, then ${describeEvent(ev)} without a GOAWAY`);
    }
    if (ev.kind !== 'frame') throw new Error(`expected the PING ACK after the flood or GOAWAY ENHANCE_YOUR_CALM first; got ${describeEvent(ev)} after ${frames} frames`);
    frames++;
    const f = ev.frame;
    if (f.type === 'GOAWAY') {
      expect(f.errorCode, `GOAWAY after the flood: ${describeEvent(ev)}`).toBe(ENHANCE_YOUR_CALM);
      return 'calm';
    }
    if (f.type === 'PING' && f.ack && Buffer.from(f.data).equals(Buffer.from(marker))) return 'answered';
  }
}

/** flood writes `count` copies of `frame` in batches, reading nothing meanwhile, then a marker PING;
 *  it stops early once the server has gone away, and reports whether the connection ended while
 *  it was writing (see floodVerdict). */
async function flood(c: RawH2, frame: Uint8Array, count: number, marker: Uint8Array): Promise<boolean> {
  c.socket.pause();
  const batch = repeat(frame, BATCH);
  for (let sent = 0; sent < count; sent += BATCH) {
    const n = Math.min(BATCH, count - sent);
    if (!(await c.write(n === BATCH ? batch : batch.subarray(0, n * frame.length)))) break;
  }
  await c.write(rawFrame(TYPE_PING, 0, 0, marker));
  const ended = c.closed;
  c.socket.resume();
  return ended;
}

/** echoRequest is a POST to /echo: a request the server keeps open while its body is coming (the
 *  demo app echoes it; conformanceHandler reads it all), so the guards below act on an open stream. */
function echoRequest(c: RawH2): Array<[string, string]> {
  return c.commonHeaders('POST').map(([n, v]): [string, string] => [n, n === ':path' ? '/echo' : v]);
}

/** repeat returns `count` copies of `frame`, back to back. */
function repeat(frame: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(frame.length * count);
  for (let i = 0; i < count; i++) out.set(frame, i * frame.length);
  return out;
}

/** CONTINUATION_FIELD is one whole literal field (x-flood: 'a' x 1000, not indexed), so a block of them stays decodable. */
const CONTINUATION_FIELD = concatBytes([bytes('\x00\x07x-flood\x7f'), encodeRest(1000 - 127), new Uint8Array(1000).fill(0x61)]);

/** guardCases defines the guards (floods, windows at the edge) against the file's target (useTarget). */
export function guardCases(): void {
  describe('guards: floods (beyond h2spec)', () => {
    it('Rapid Reset (CVE-2023-44487): 1000 streams opened and reset at once -> GOAWAY ENHANCE_YOUR_CALM', async () => {
      const c = await handshake();
      const STREAMS = Number(process.env.RAPID_RESET_STREAMS ?? 1000);
      // Batches of 50 HEADERS+RST_STREAM pairs, one write each; stop once the server gives up.
      for (let id = 1, sent = 0; sent < STREAMS && !c.closed && !c.sawGoaway(); ) {
        const parts: Uint8Array[] = [];
        for (let k = 0; k < 50 && sent < STREAMS; k++, sent++, id += 2) {
          parts.push(c.core.encodeFrames([
            { type: 'HEADERS', streamId: id, endStream: true, endHeaders: true, fragment: c.encodeHeaders(c.commonHeaders()) },
            { type: 'RST_STREAM', streamId: id, errorCode: CANCEL },
          ]));
        }
        if (!(await c.write(concatBytes(parts)))) break;
      }
      const f = await c.waitFor((ev) => ev.kind === 'frame' && ev.frame.type === 'GOAWAY', {
        timeoutMs: 3 * T, expected: 'GOAWAY ENHANCE_YOUR_CALM after the rapid resets',
      });
      expect(f.type === 'GOAWAY' && f.errorCode, 'GOAWAY error code').toBe(ENHANCE_YOUR_CALM);
      c.close();
      await stillServes();
    }, GUARD_TIMEOUT);

    // Each case: a HEADERS without END_HEADERS on stream 1, then `chunk` (CONTINUATIONs on stream 1, none with END_HEADERS)
    // written up to `writes` times, stopping once the server gives up; GOAWAY ENHANCE_YOUR_CALM wanted.
    it.each<[name: string, chunk: Uint8Array, writes: number]>([
      // 16 KiB frames of whole fields, so the block stays decodable and only its size is wrong;
      // 2000 frames (32 MiB) is far past any sane limit.
      [
        'CONTINUATION flood: 16 KiB CONTINUATIONs without END_HEADERS -> GOAWAY ENHANCE_YOUR_CALM (no unbounded buffering)',
        rawFrame(TYPE_CONTINUATION, 0, 1, repeat(CONTINUATION_FIELD, Math.floor(16384 / CONTINUATION_FIELD.length))),
        2000,
      ],
      // Empty frames, 1000 per write.
      ['CONTINUATION flood: empty CONTINUATIONs without END_HEADERS -> GOAWAY ENHANCE_YOUR_CALM', repeat(rawFrame(TYPE_CONTINUATION, 0, 1), 1000), 100],
    ])('%s', async (_name, chunk, writes) => {
      const c = await handshake();
      c.headers(1, c.commonHeaders(), { endStream: true, endHeaders: false });
      for (let i = 0; i < writes && !c.closed && !c.sawGoaway(); i++) {
        if (!(await c.write(chunk))) break;
      }
      await c.expectGoaway([ENHANCE_YOUR_CALM], 3 * T);
      c.close();
      await stillServes();
    }, GUARD_TIMEOUT);

    // Each case: FLOOD_FRAMES copies of a connection-level frame while not reading, then a PING carrying `marker`.
    it.each<[name: string, frame: Uint8Array, marker: string]>([
      ['PING flood: 10,000 PINGs while not reading -> answered, or GOAWAY ENHANCE_YOUR_CALM', rawFrame(TYPE_PING, 0, 0, new Uint8Array(8)), 'pingmark'],
      ['SETTINGS flood: 10,000 SETTINGS while not reading -> answered, or GOAWAY ENHANCE_YOUR_CALM', rawFrame(TYPE_SETTINGS, 0, 0), 'settmark'],
    ])('%s', async (_name, frame, markerText) => {
      const c = await handshake({ autoWindowUpdate: false });
      const marker = bytes(markerText);
      const ended = await flood(c, frame, FLOOD_FRAMES, marker);
      await floodVerdict(c, marker, 4 * T, ended);
      c.close();
      await stillServes();
    }, GUARD_TIMEOUT);

    it('empty DATA flood: 10,000 zero-length DATA frames on an open request -> still answering, or GOAWAY ENHANCE_YOUR_CALM', async () => {
      const c = await handshake({ autoWindowUpdate: false });
      c.headers(1, echoRequest(c), { endStream: false });
      const marker = bytes('datamark');
      const ended = await flood(c, rawFrame(TYPE_DATA, 0, 1), FLOOD_FRAMES, marker);
      const verdict = await floodVerdict(c, marker, 4 * T, ended);
      if (verdict === 'answered') {
        // The request is still whole: end it and get the response.
        c.data(1, '', true);
        await c.expectResponse(1);
      }
      c.close();
      await stillServes();
    }, GUARD_TIMEOUT);
  });

  describe('guards: flow-control windows at the edge (beyond h2spec)', () => {
    it('connection window raised to exactly 2^31-1 is accepted; one more octet -> GOAWAY FLOW_CONTROL_ERROR', async () => {
      const c = await handshake();
      // Nothing was sent to us yet, so the server's send window is the initial 65,535.
      c.windowUpdate(0, 2 ** 31 - 1 - 65535);
      const ping = c.ping('edge-max');
      await c.expectPingAck(ping);
      c.windowUpdate(0, 1);
      const f = await c.waitFor((ev) => ev.kind === 'frame' && ev.frame.type === 'GOAWAY', { expected: 'GOAWAY FLOW_CONTROL_ERROR' });
      expect(f.type === 'GOAWAY' && f.errorCode, 'GOAWAY error code').toBe(FLOW_CONTROL_ERROR);
      c.close();
      await stillServes();
    }, GUARD_TIMEOUT);

    it('stream window over 2^31-1 -> RST_STREAM FLOW_CONTROL_ERROR on that stream, and the connection lives on', async () => {
      const c = await handshake();
      c.headers(1, echoRequest(c), { endStream: false });
      c.windowUpdate(1, 2 ** 31 - 1);
      c.windowUpdate(1, 2 ** 31 - 1);
      const f = await c.waitFor((ev) => ev.kind === 'frame' && ev.frame.type === 'RST_STREAM' && ev.frame.streamId === 1, {
        expected: 'RST_STREAM FLOW_CONTROL_ERROR on stream 1',
        failOn: (ev) => ev.kind === 'frame' && ev.frame.type === 'GOAWAY',
      });
      expect(f.type === 'RST_STREAM' && f.errorCode, 'RST_STREAM error code').toBe(FLOW_CONTROL_ERROR);
      // A stream error leaves the connection usable (RFC 9113 §5.4.2).
      c.headers(3, c.commonHeaders(), { endStream: true });
      await c.expectResponse(3);
    }, GUARD_TIMEOUT);

    it('SETTINGS_INITIAL_WINDOW_SIZE change that pushes an open stream over 2^31-1 -> GOAWAY FLOW_CONTROL_ERROR', async () => {
      const c = await handshake();
      c.headers(1, echoRequest(c), { endStream: false });
      // Stream 1's send window: 65,535 (our initial window) raised to 2^31-1 (less what the server sent, if anything).
      c.windowUpdate(1, 2 ** 31 - 1 - 65535);
      const ping = c.ping('edge-stm');
      await c.expectPingAck(ping);
      // RFC 9113 §6.9.2: a change that makes any window exceed the maximum is a connection error FLOW_CONTROL_ERROR.
      c.settings([[SETTINGS_INITIAL_WINDOW_SIZE, 65535 + 1000]]);
      await c.expectGoaway([FLOW_CONTROL_ERROR]);
      c.close();
      await stillServes();
    }, GUARD_TIMEOUT);
  });
}

/** encodeRest is the continuation octets of an HPACK prefix integer whose prefix is full (RFC 7541 §5.1). */
function encodeRest(rest: number): Uint8Array {
  const out: number[] = [];
  while (rest >= 128) {
    out.push(0x80 | (rest & 0x7f));
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Uint8Array.from(out);
}
