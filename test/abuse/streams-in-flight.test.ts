// Process-wide stream admission (Hyperion's admission control): each connection stays within its
// SETTINGS_MAX_CONCURRENT_STREAMS, but together connections can hold more streams than the process
// can serve. With --max-streams-in-flight 40, one attacker holds 30 slow streams and a second asks
// for 30 more: 10 are admitted and the rest refused at once with RST_STREAM REFUSED_STREAM (RFC
// 9113 §8.7: "the request has not been processed"), without a GOAWAY (the peer broke no rule).
// While the cap is full a new client is refused by design, so the well-behaved client is checked
// only after the attackers go.

import { describe, expect, it } from 'vitest';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import { FloodClient, headersFrame, preface, repeat, requestBlock, sleep } from '../helpers/flood-client.js';
import { REFUSED_STREAM, errorName } from '../helpers/raw-h2.js';

cleanUpAfterEach();

const CAP = 40;
const PER_CONNECTION = 30;

describe(`Streams in flight over the process cap (--max-streams-in-flight ${CAP})`, () => {
  it(`two connections × ${PER_CONNECTION} slow streams: ${2 * PER_CONNECTION - CAP} refused with REFUSED_STREAM, no GOAWAY, served again after`, async () => {
    const run = await AbuseRun.start('streams in flight', ['--max-streams-in-flight', String(CAP)]);
    const attackers: FloodClient[] = [];
    for (let k = 0; k < 2; k++) {
      const c = await FloodClient.connect(run.port);
      c.send(preface());
      // /slow holds each stream 5 s: all 60 would be in flight at once.
      const block = requestBlock('GET', '/slow?ms=5000', c.authority);
      c.send(repeat(PER_CONNECTION, (i) => headersFrame(2 * i + 1, block, { endStream: true })));
      attackers.push(c);
      await sleep(300); // the first connection's streams are admitted before the second asks
    }
    await sleep(700);
    const refused = attackers.map((c) => c.resets().filter((r) => r.code === REFUSED_STREAM).length);
    const otherResets = attackers.flatMap((c) => c.resets().filter((r) => r.code !== REFUSED_STREAM).map((r) => errorName(r.code)));
    const goaways = attackers.flatMap((c) => (c.goaway() ? [errorName(c.goaway()!.code)] : []));
    const context = `streams in flight: first connection ${attackers[0].summary()}; second ${attackers[1].summary()}`;
    for (const c of attackers) c.close();

    await run.finish({ noDuring: 'the process-wide cap is full: a new stream is refused by design' });
    expect.soft(refused, context).toEqual([0, 2 * PER_CONNECTION - CAP]);
    expect.soft(otherResets, `${context}: other resets`).toEqual([]);
    expect.soft(goaways, `${context}: GOAWAYs`).toEqual([]);
  }, 60_000);
});
