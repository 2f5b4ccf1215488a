// Rapid Reset (CVE-2023-44487): a client opens streams and cancels each at once, in the same write,
// so the server does the work of starting requests that are never finished. The guard is a budget
// of peer resets per second (maxResetsPerSecond, 200): past it, GOAWAY ENHANCE_YOUR_CALM.

import { describe, expect, it } from 'vitest';
import { AbuseRun, openAndFollow, cleanUpAfterEach } from '../helpers/abuse-run.js';
import { rstStreamFrame } from '../helpers/flood-client.js';
import { CANCEL, ENHANCE_YOUR_CALM, errorName } from '../helpers/raw-h2.js';

cleanUpAfterEach();

describe('Rapid Reset (CVE-2023-44487): HEADERS then RST_STREAM(CANCEL), in a loop', () => {
  it('ends the attacker with GOAWAY ENHANCE_YOUR_CALM and a close; memory, CPU, other clients and SIGTERM unharmed', async () => {
    const run = await AbuseRun.start('Rapid Reset');
    // /slow keeps each stream open until our RST_STREAM arrives: every reset cancels live work.
    const { attacker, result } = await openAndFollow(run, (s) => rstStreamFrame(s, CANCEL));
    await run.finish();
    const goaway = attacker.goaway();
    expect.soft(goaway ? errorName(goaway.code) : 'no GOAWAY',
      `Rapid Reset: the attacker's connection (${result.writes} writes, ${result.streams} streams reset, stopped by ${result.stoppedBy}) got ${attacker.summary()}`)
      .toBe(errorName(ENHANCE_YOUR_CALM));
    expect.soft(result.closedByServer, 'Rapid Reset: the server closes the connection after its GOAWAY').toBe(true);
  }, 60_000);
});
