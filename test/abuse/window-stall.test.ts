// Window stall with +1 drips (CVE-2019-9511, "Data Dribble"): the client asks for a large response
// with a one-octet window and then opens it by one octet at a time, so the stream never stalls
// outright (a plain idle timer sees progress every 100 ms) yet costs the server a DATA frame, a
// timer and a stream slot per octet, for as long as the client likes. The guard is a window-stall
// deadline that only a window of at least one full frame, or 16 KiB of cumulative progress,
// clears (Sōzu's rule): the stream is reset (CANCEL or ENHANCE_YOUR_CALM) within
// --window-stall-timeout (2 s here; issue 8 measured such a stream held well past 40 s).

import { describe, expect, it } from 'vitest';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import {
  FloodClient, headersFrame, preface, requestBlock, sleep, windowUpdateFrame,
} from '../helpers/flood-client.js';
import { CANCEL, ENHANCE_YOUR_CALM, SETTINGS_INITIAL_WINDOW_SIZE, errorName } from '../helpers/raw-h2.js';

cleanUpAfterEach();

const STALL_MS = 2000;
/** DRIP_LIMIT_MS bounds the drip loop: the deadline plus the reaper's sweep and slack, no more. */
const DRIP_LIMIT_MS = STALL_MS + 6000;

describe('Window stall with +1 WINDOW_UPDATE drips (CVE-2019-9511)', () => {
  it('GET /bytes with a 1-octet window opened by +1 every 100 ms: RST_STREAM (CANCEL or ENHANCE_YOUR_CALM) within the stall deadline', async () => {
    const run = await AbuseRun.start('window stall, +1 drips', ['--window-stall-timeout', String(STALL_MS)]);
    const attacker = await FloodClient.connect(run.port, { ackSettings: true });
    attacker.send(preface([[SETTINGS_INITIAL_WINDOW_SIZE, 1]], false));
    attacker.send(headersFrame(1, requestBlock('GET', '/bytes?n=10000000', attacker.authority), { endStream: true }));
    const start = performance.now();
    const resetOn1 = () => attacker.resets().some((r) => r.streamId === 1);
    let drips = 0;
    while (!resetOn1() && !attacker.closed && attacker.goaway() === undefined && performance.now() - start < DRIP_LIMIT_MS) {
      await sleep(100);
      attacker.send(windowUpdateFrame(1, 1));
      if (++drips === 5) void run.serveDuring();
    }
    const elapsed = performance.now() - start;
    await sleep(200); // a reset in flight at the loop's end
    attacker.close();

    await run.finish();
    const dribbled = attacker.events.filter((e) => e.kind === 'data' && e.streamId === 1).reduce((n, e) => n + (e.kind === 'data' ? e.length : 0), 0);
    const context = `window stall: after ${drips} drips in ${elapsed.toFixed(0)} ms the attacker got ${attacker.summary()}`;
    // The drip worked: the server sent the response octet by octet before it gave up.
    expect.soft(attacker.responses().filter((r) => r.streamId === 1).map((r) => r.status), context).toEqual(['200']);
    expect.soft(dribbled, `${context}: response octets dribbled`).toBeGreaterThanOrEqual(3);
    const reset = attacker.resets().find((r) => r.streamId === 1);
    expect.soft(reset ? errorName(reset.code) : `no RST_STREAM on stream 1 within ${DRIP_LIMIT_MS} ms`, context)
      .toBeOneOf([errorName(CANCEL), errorName(ENHANCE_YOUR_CALM)]);
  }, 60_000);
});
