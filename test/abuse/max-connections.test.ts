// Connection-count bound: an attacker opens far more idle connections than the process should hold
// (each costs a socket, an engine, HPACK tables, buffers). With --max-connections 50 and 200 idle
// HTTP/2 connections (preface and SETTINGS sent, then nothing), the server must refuse or close
// the extras, keep at most 50 open, and serve new clients once the attacker's connections go.
// While the attacker holds all 50 slots a new client is refused by design, so the well-behaved
// client is checked only after.

import { describe, expect, it } from 'vitest';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import { FloodClient, preface, sleep } from '../helpers/flood-client.js';

cleanUpAfterEach();

const LIMIT = 50;
const ATTEMPTS = 200;

describe(`Connection flood: ${ATTEMPTS} idle connections against --max-connections ${LIMIT}`, () => {
  it(`keeps at most ${LIMIT} open, closes or refuses the rest, and serves again once they go`, async () => {
    const run = await AbuseRun.start('connection flood', ['--max-connections', String(LIMIT)]);
    const attackers: FloodClient[] = [];
    let refused = 0;
    for (let i = 0; i < ATTEMPTS; i++) {
      try {
        const c = await FloodClient.connect(run.port, { ackSettings: true });
        c.send(preface([], false));
        attackers.push(c);
      } catch {
        refused++; // a refused TCP connection is a fine answer too
      }
    }
    // Let the server settle: extras closed, the admitted ones past their handshake.
    await sleep(2000);
    const open = attackers.filter((c) => !c.closed);
    const served = open.filter((c) => c.events.some((e) => e.kind === 'settings' && !e.ack));
    const counts = `${attackers.length} connected, ${refused} refused, ${open.length} still open (${served.length} of them got the server's SETTINGS)`;
    for (const c of attackers) c.close();

    await run.finish({ noDuring: 'every slot is taken by the attacker: new clients are refused by design' });
    expect.soft(open.length, `connection flood: ${counts}`).toBeLessThanOrEqual(LIMIT);
    // The bound admits up to the limit: the connections it kept are real HTTP/2 connections.
    expect.soft(served.length, `connection flood: ${counts}`).toBeGreaterThan(0);
    expect.soft(served.length, `connection flood: every connection left open was served (${counts})`).toBe(open.length);
    console.log(`[abuse] connection flood: ${counts}`);
  }, 60_000);
});
