// Floods from a client that never reads (CVE-2019-9512 "Ping Flood", CVE-2019-9515 "Settings
// Flood", and requests whose responses are never read): every frame owes the server an answer
// (PING ACK, SETTINGS ACK, a response), the answers pile up because the client does not read,
// and the server must neither buffer them without bound nor wedge once its socket is full. The
// flood client really stops reading (its socket is paused, no 'data' listener) and writes until
// its own send blocks: its unsent backlog stays above 1 MiB for 2 s, i.e. the server stopped
// reading too (or until the server cuts the connection off). While it floods, a well-behaved client
// must be served; then the attacker closes, and the server must go back to idle and honour SIGTERM. (Issue 8, finding 1: today the
// server spins at 100% CPU in a microtask loop here, answers nobody and ignores SIGTERM.)

import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../host/bytes.js';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import {
  FloodClient, headersFrame, pingFrame, preface, repeat, requestBlock, settingsFrame, windowUpdateFrame,
} from '../helpers/flood-client.js';
import { SETTINGS_ENABLE_PUSH, SETTINGS_INITIAL_WINDOW_SIZE } from '../helpers/raw-h2.js';

cleanUpAfterEach();

/** MAX_WINDOW is 2^31-1, the largest flow-control window (RFC 9113 §6.9.1). */
const MAX_WINDOW = 0x7fffffff;

/** neverRead connects a client that never reads, writes start, then next(i) until its send blocks
 *  (or the server closes the connection), serves a well-behaved client while it is blocked, closes,
 *  and makes the after-attack checks. */
async function neverRead(label: string, start: Uint8Array, next: (authority: string) => Uint8Array): Promise<void> {
  const run = await AbuseRun.start(label);
  const attacker = await FloodClient.connect(run.port, { read: false });
  attacker.send(start);
  const result = await attacker.floodUntilBlocked(() => next(attacker.authority), {
    backlogBytes: 1 << 20, holdMs: 2000, maxMs: 20_000,
    // A well-behaved client while the attacker's send is blocked (or 1 s into the flood, if the
    // server is still reading then); the blocked connection is held until it is answered.
    during: () => run.serveDuring(), duringAfterMs: 1000,
  });
  attacker.close();

  await run.finish();
  // The attack did what it claims: the server stopped reading us (our send blocked) or cut us off.
  expect.soft(result.blocked || result.closedByServer,
    `${label}: after ${result.bytes} octets in ${result.ms.toFixed(0)} ms (largest unsent backlog ${result.maxBacklog}) the attacker's send neither blocked nor was cut off`)
    .toBe(true);
  console.log(`[abuse] ${label}: ${result.bytes} octets written in ${result.ms.toFixed(0)} ms, ${result.blocked ? 'send blocked' : result.closedByServer ? 'closed by the server' : 'neither'}`);
}

describe('Floods from a client that never reads (CVE-2019-9512, CVE-2019-9515)', () => {
  it('PING flood (CVE-2019-9512), 1024 PINGs per write until the send blocks: others served, CPU idle, SIGTERM honoured', async () => {
    let n = 0;
    await neverRead('PING flood, never read', preface(), () => repeat(1024, () => pingFrame(n++)));
  }, 60_000);

  it('SETTINGS flood (CVE-2019-9515), 1024 SETTINGS per write until the send blocks: others served, CPU idle, SIGTERM honoured', async () => {
    const settings = repeat(1024, () => settingsFrame([[SETTINGS_ENABLE_PUSH, 0]]));
    await neverRead('SETTINGS flood, never read', preface(), () => settings);
  }, 60_000);

  it('GET / requests 64 per write, responses never read, until the send blocks: others served, CPU idle, SIGTERM honoured', async () => {
    // Windows wide open, so flow control does not stop the responses: only the unread socket does.
    const start = concatBytes([preface([[SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW]]), windowUpdateFrame(0, MAX_WINDOW - 65_535)]);
    let id = 1;
    await neverRead('64 GETs per write, never read', start, (authority) => {
      const block = requestBlock('GET', '/', authority);
      return repeat(64, () => {
        const s = id;
        id += 2;
        return headersFrame(s, block, { endStream: true });
      });
    });
  }, 60_000);
});
