// MadeYouReset (CVE-2025-8671): the client never sends RST_STREAM itself; it sends frames that make
// the SERVER reset the stream (a zero WINDOW_UPDATE on an open stream, DATA on a stream it already
// half-closed), so a budget that counts only the peer's RST_STREAM never fires. Provoked resets
// count against the same per-second budget: past it, GOAWAY ENHANCE_YOUR_CALM.

import { describe, expect, it } from 'vitest';
import { AbuseRun, openAndFollow, cleanUpAfterEach } from '../helpers/abuse-run.js';
import { dataFrame, windowUpdateFrame } from '../helpers/flood-client.js';
import { ENHANCE_YOUR_CALM, PROTOCOL_ERROR, STREAM_CLOSED, errorName } from '../helpers/raw-h2.js';

cleanUpAfterEach();

/** madeYouReset runs one provoked-reset loop (openAndFollow): each stream opened and provoked in the same write. */
async function madeYouReset(label: string, provoke: (streamId: number) => Uint8Array, resetCode: number): Promise<void> {
  const run = await AbuseRun.start(label);
  const { attacker, result } = await openAndFollow(run, provoke);

  await run.finish();
  const context = `${label}: the attacker's connection (${result.writes} writes, ${result.streams} streams provoked, stopped by ${result.stoppedBy}) got ${attacker.summary()}`;
  // The provocation works: the first streams, within the budget, are reset by the server.
  const resets = attacker.resets();
  expect.soft(resets.length, `${context}: resets provoked before the GOAWAY`).toBeGreaterThan(0);
  expect.soft([...new Set(resets.map((r) => errorName(r.code)))], context).toEqual([errorName(resetCode)]);
  const goaway = attacker.goaway();
  expect.soft(goaway ? errorName(goaway.code) : 'no GOAWAY', context).toBe(errorName(ENHANCE_YOUR_CALM));
  expect.soft(result.closedByServer, `${label}: the server closes the connection after its GOAWAY`).toBe(true);
}

describe('MadeYouReset (CVE-2025-8671): frames that make the server reset streams, in a loop', () => {
  it('WINDOW_UPDATE with a 0 increment on an open stream (RST_STREAM PROTOCOL_ERROR each): GOAWAY ENHANCE_YOUR_CALM', async () => {
    // RFC 9113 §6.9: "A receiver MUST treat the receipt of a WINDOW_UPDATE frame with a
    // flow-control window increment of 0 as a stream error of type PROTOCOL_ERROR".
    await madeYouReset('MadeYouReset, zero WINDOW_UPDATE', (s) => windowUpdateFrame(s, 0), PROTOCOL_ERROR);
  }, 60_000);

  it('DATA on a half-closed (remote) stream (RST_STREAM STREAM_CLOSED each): GOAWAY ENHANCE_YOUR_CALM', async () => {
    // RFC 9113 §5.1 half-closed (remote): "If an endpoint receives additional frames, other than
    // WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is in this state, it MUST respond
    // with a stream error of type STREAM_CLOSED."
    await madeYouReset('MadeYouReset, DATA after END_STREAM', (s) => dataFrame(s, new Uint8Array([0x78])), STREAM_CLOSED);
  }, 60_000);
});
