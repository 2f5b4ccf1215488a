// CONTINUATION floods (the 2024 family, e.g. CVE-2024-27316, CVE-2024-27983): HEADERS without
// END_HEADERS, then CONTINUATION frames that never end the block, with content (a server that
// buffers the block until END_HEADERS runs out of memory) or empty (a server that counts only
// bytes spins on them forever). The frame reader caps a block's CONTINUATIONs and bytes
// (MAX_CONTINUATION_FRAMES, maxHeaderBlockBytes): GOAWAY ENHANCE_YOUR_CALM, then the close.

import { describe, expect, it } from 'vitest';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import {
  FloodClient, continuationFrame, headersFrame, literal, preface, repeat, requestBlock,
} from '../helpers/flood-client.js';
import { ENHANCE_YOUR_CALM, errorName } from '../helpers/raw-h2.js';

cleanUpAfterEach();

/** continuationFlood opens stream 1's header block and then writes next(i) until the server ends it. */
async function continuationFlood(label: string, next: () => Uint8Array): Promise<void> {
  const run = await AbuseRun.start(label);
  const attacker = await FloodClient.connect(run.port);
  attacker.send(preface());
  // The block starts as a real request would; END_HEADERS never comes.
  attacker.send(headersFrame(1, requestBlock('GET', '/', attacker.authority), { endStream: true, endHeaders: false }));
  const result = await attacker.pump((i) => {
    if (i === 1) void run.serveDuring();
    return next();
  }, { maxWrites: 20_000, maxMs: 10_000 });
  const closedByServer = await attacker.waitClosed(5000);
  attacker.close();

  await run.finish();
  const goaway = attacker.goaway();
  expect.soft(goaway ? errorName(goaway.code) : 'no GOAWAY',
    `${label}: the attacker's connection (${result.writes} writes, ${result.bytes} octets, stopped by ${result.stoppedBy}) got ${attacker.summary()}`)
    .toBe(errorName(ENHANCE_YOUR_CALM));
  expect.soft(closedByServer, `${label}: the server closes the connection after its GOAWAY`).toBe(true);
  // No request may come out of a block that never ended.
  expect.soft(attacker.responses().length, `${label}: responses on the flooding connection`).toBe(0);
}

describe('CONTINUATION flood (CVE-2024-27316 family): a header block that never ends', () => {
  it('CONTINUATION frames full of fields, one per write: GOAWAY ENHANCE_YOUR_CALM, close, memory bounded', async () => {
    // 16 KiB of valid literal fields (x-flood-N: 1000 × "v") per frame.
    const fields: number[] = [];
    for (let n = 0; fields.length < 16_384 - 1100; n++) fields.push(...literal(`x-flood-${n}`, 'v'.repeat(1000)));
    const fragment = Uint8Array.from(fields);
    await continuationFlood('CONTINUATION flood with content', () => continuationFrame(1, fragment));
  }, 60_000);

  it('empty CONTINUATION frames, 1000 per write: GOAWAY ENHANCE_YOUR_CALM, close, CPU idle after', async () => {
    const empty = repeat(1000, () => continuationFrame(1, new Uint8Array(0)));
    await continuationFlood('CONTINUATION flood, zero-length', () => empty);
  }, 60_000);
});
