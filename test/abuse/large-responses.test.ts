// Internal Data Buffering (CVE-2019-9517): a client asks
// for many large responses with its windows wide open and never reads them, so flow control lets
// the server produce them as fast as it likes and only the unread socket holds them back. The
// server must keep its per-connection output bounded (maxPendingBytes, 16 MiB: writers wait
// beyond it), keep serving others, and go back to idle once the attacker goes.

import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../host/bytes.js';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import {
  FloodClient, headersFrame, preface, repeat, requestBlock, sleep, windowUpdateFrame,
} from '../helpers/flood-client.js';
import { SETTINGS_INITIAL_WINDOW_SIZE } from '../helpers/raw-h2.js';

cleanUpAfterEach();

const MAX_WINDOW = 0x7fffffff;
const STREAMS = 100;
const RESPONSE_BYTES = 1_000_000;

describe('Many large responses never read (CVE-2019-9517)', () => {
  it(`${STREAMS} × GET /bytes?n=${RESPONSE_BYTES} with windows wide open, never read: output bounded, others served, idle after the close`, async () => {
    const run = await AbuseRun.start('large responses never read');
    const attacker = await FloodClient.connect(run.port, { read: false });
    const block = requestBlock('GET', `/bytes?n=${RESPONSE_BYTES}`, attacker.authority);
    attacker.send(concatBytes([
      preface([[SETTINGS_INITIAL_WINDOW_SIZE, MAX_WINDOW]]),
      windowUpdateFrame(0, MAX_WINDOW - 65_535),
      repeat(STREAMS, (i) => headersFrame(2 * i + 1, block, { endStream: true })),
    ]));
    // 100 MB asked for, nothing read: let the server fill every buffer it is willing to fill.
    await sleep(1500);
    await run.serveDuring();
    await sleep(1500);
    const rssHeld = run.peakRssGrowth();
    const alive = !attacker.closed;
    attacker.close();

    await run.finish();
    // The attacker asked for 100 MB; a bounded server holds at most its 16 MiB cap plus socket
    // buffers for it (RSS growth < 64 MiB is checked by finish()).
    expect.soft(rssHeld, `large responses never read: RSS growth while the attacker held ${STREAMS} unread responses`).toBeLessThan(64 << 20);
    console.log(`[abuse] large responses never read: RSS +${(rssHeld / 2 ** 20).toFixed(1)} MiB while held, attacker connection ${alive ? 'still open' : 'closed by the server'} after 3 s`);
  }, 60_000);
});
