// Header slowloris: a request's field block begun and never finished, kept alive with a small
// CONTINUATION now and then. While a block is open nothing else may be sent on the connection
// (RFC 9113 §6.2: "A HEADERS frame without the END_HEADERS flag set MUST be followed by a
// CONTINUATION frame for the same stream"), so the drips keep the connection busy without ever
// making a request, and stay under the CONTINUATION-count cap. The request-header timeout ends
// it: GOAWAY ENHANCE_YOUR_CALM and a close, within --headers-timeout (2 s here) plus slack.

import { describe, expect, it } from 'vitest';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import {
  FloodClient, continuationFrame, headersFrame, literal, preface, requestBlock, sleep,
} from '../helpers/flood-client.js';
import { ENHANCE_YOUR_CALM, errorName } from '../helpers/raw-h2.js';

cleanUpAfterEach();

const HEADERS_TIMEOUT_MS = 2000;
/** DRIP_LIMIT_MS bounds the drips: the timeout plus slack (at 300 ms a drip, 26 CONTINUATIONs:
 *  under the reader's cap of 64, so only the timeout can end this). */
const DRIP_LIMIT_MS = HEADERS_TIMEOUT_MS + 6000;

describe('Header slowloris: a field block kept open by a CONTINUATION drip', () => {
  it('one small CONTINUATION every 300 ms, never END_HEADERS: GOAWAY ENHANCE_YOUR_CALM and a close after the headers timeout', async () => {
    const run = await AbuseRun.start('header slowloris', ['--headers-timeout', String(HEADERS_TIMEOUT_MS)]);
    const attacker = await FloodClient.connect(run.port);
    attacker.send(preface());
    attacker.send(headersFrame(1, requestBlock('GET', '/', attacker.authority), { endStream: true, endHeaders: false }));
    const start = performance.now();
    let drips = 0;
    while (!attacker.closed && attacker.goaway() === undefined && performance.now() - start < DRIP_LIMIT_MS) {
      await sleep(300);
      attacker.send(continuationFrame(1, Uint8Array.from(literal(`x-drip-${drips}`, 'd'))));
      if (++drips === 3) void run.serveDuring();
    }
    const elapsed = performance.now() - start;
    const closedByServer = await attacker.waitClosed(5000);
    attacker.close();

    await run.finish();
    const context = `header slowloris: after ${drips} CONTINUATIONs in ${elapsed.toFixed(0)} ms the attacker got ${attacker.summary()}`;
    const goaway = attacker.goaway();
    expect.soft(goaway ? errorName(goaway.code) : `no GOAWAY within ${DRIP_LIMIT_MS} ms`, context).toBe(errorName(ENHANCE_YOUR_CALM));
    expect.soft(closedByServer, `${context}: the server closes the connection after its GOAWAY`).toBe(true);
    expect.soft(attacker.responses().length, `${context}: responses`).toBe(0);
  }, 60_000);
});
