// Rapid Reset (CVE-2023-44487): a client opens streams and cancels each at once, in the same write,
// so the server does the work of starting requests that are never finished. The guard is a budget
// of peer resets per second (maxResetsPerSecond, 200): past it, GOAWAY ENHANCE_YOUR_CALM.

import { afterEach, describe, expect, it } from 'vitest';
import { concatBytes } from '../../host/bytes.js';
import { AbuseRun, disposeAllRuns } from '../helpers/abuse-run.js';
import { FloodClient, closeAllFloodClients, headersFrame, preface, repeat, requestBlock, rstStreamFrame } from '../helpers/flood-client.js';
import { CANCEL, ENHANCE_YOUR_CALM, errorName } from '../helpers/raw-h2.js';
import { killAllServers } from '../helpers/server-process.js';

afterEach(() => {
  closeAllFloodClients();
  disposeAllRuns();
  killAllServers();
});

describe('Rapid Reset (CVE-2023-44487): HEADERS then RST_STREAM(CANCEL), in a loop', () => {
  it('ends the attacker with GOAWAY ENHANCE_YOUR_CALM and a close; memory, CPU, other clients and SIGTERM unharmed', async () => {
    const run = await AbuseRun.start('Rapid Reset');
    const attacker = await FloodClient.connect(run.port);
    attacker.send(preface());
    // /slow keeps each stream open until our RST_STREAM arrives: every reset cancels live work.
    const block = requestBlock('GET', '/slow?ms=10000', attacker.authority);
    let id = 1;
    const pair = () => {
      const s = id;
      id += 2;
      return concatBytes([headersFrame(s, block, { endStream: true }), rstStreamFrame(s, CANCEL)]);
    };
    const result = await attacker.pump((i) => {
      if (i === 0) void run.serveDuring();
      return repeat(20, pair);
    }, { maxWrites: 5000, maxMs: 10_000 });
    const closedByServer = await attacker.waitClosed(5000);
    attacker.close();

    await run.finish();
    const goaway = attacker.goaway();
    expect.soft(goaway ? errorName(goaway.code) : 'no GOAWAY',
      `Rapid Reset: the attacker's connection (${result.writes} writes, ${(id - 1) / 2} streams reset, stopped by ${result.stoppedBy}) got ${attacker.summary()}`)
      .toBe(errorName(ENHANCE_YOUR_CALM));
    expect.soft(closedByServer, 'Rapid Reset: the server closes the connection after its GOAWAY').toBe(true);
  }, 60_000);
});
