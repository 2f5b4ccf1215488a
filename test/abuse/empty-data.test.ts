// Empty DATA frames (CVE-2019-9518, "Empty Frames Flood"): DATA frames with no payload and no
// END_STREAM carry nothing, cost the server a frame's work each, and never run out. The guard is
// a budget of empty frames per second (MAX_EMPTY_FRAMES_PER_SECOND): GOAWAY ENHANCE_YOUR_CALM.

import { describe, expect, it } from 'vitest';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import { FloodClient, dataFrame, headersFrame, preface, repeat, requestBlock } from '../helpers/flood-client.js';
import { ENHANCE_YOUR_CALM, errorName } from '../helpers/raw-h2.js';

cleanUpAfterEach();

describe('Empty DATA frames flood (CVE-2019-9518)', () => {
  it('empty DATA without END_STREAM on an open /echo upload, 500 per write: GOAWAY ENHANCE_YOUR_CALM, close', async () => {
    const run = await AbuseRun.start('empty DATA flood');
    const attacker = await FloodClient.connect(run.port);
    attacker.send(preface());
    // An upload the handler is waiting to read: every empty frame lands on a live stream.
    attacker.send(headersFrame(1, requestBlock('POST', '/echo', attacker.authority)));
    const empties = repeat(500, () => dataFrame(1));
    const result = await attacker.pump((i) => {
      if (i === 1) void run.serveDuring();
      return empties;
    }, { maxWrites: 10_000, maxMs: 10_000 });
    const closedByServer = await attacker.waitClosed(5000);
    attacker.close();

    await run.finish();
    const goaway = attacker.goaway();
    expect.soft(goaway ? errorName(goaway.code) : 'no GOAWAY',
      `empty DATA flood: the attacker's connection (${result.writes * 500} empty frames, stopped by ${result.stoppedBy}) got ${attacker.summary()}`)
      .toBe(errorName(ENHANCE_YOUR_CALM));
    expect.soft(closedByServer, 'empty DATA flood: the server closes the connection after its GOAWAY').toBe(true);
  }, 60_000);
});
