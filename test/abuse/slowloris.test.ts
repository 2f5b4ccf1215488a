// Stream slowloris: many streams opened with a request body that never comes (HEADERS without
// END_STREAM against /echo, whose handler waits for the body), each holding a stream slot, a
// handler and its buffers for as long as the client likes. The per-stream idle timeout resets
// them: RST_STREAM CANCEL on every one within --stream-idle-timeout (2 s here) plus the reaper's
// sweep; the connection may stay open.

import { describe, expect, it } from 'vitest';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import { FloodClient, headersFrame, preface, repeat, requestBlock } from '../helpers/flood-client.js';
import { CANCEL, ENHANCE_YOUR_CALM, errorName } from '../helpers/raw-h2.js';

cleanUpAfterEach();

const IDLE_MS = 2000;
/** STREAMS stays under the server's SETTINGS_MAX_CONCURRENT_STREAMS (128): every stream is admitted. */
const STREAMS = 100;

describe('Stream slowloris (Slowloris in HTTP/2 form, no CVE of its own): streams opened without END_STREAM, body never sent', () => {
  it(`${STREAMS} POST /echo streams that never send their body: each reset (CANCEL) after the stream idle timeout`, async () => {
    const run = await AbuseRun.start('stream slowloris', ['--stream-idle-timeout', String(IDLE_MS)]);
    const attacker = await FloodClient.connect(run.port, { ackSettings: true });
    attacker.send(preface([], false));
    const block = requestBlock('POST', '/echo', attacker.authority, [['content-type', 'text/plain']]);
    attacker.send(repeat(STREAMS, (i) => headersFrame(2 * i + 1, block)));
    const start = performance.now();
    void run.serveDuring();
    const reset = () => new Set(attacker.resets().map((r) => r.streamId));
    await attacker.waitUntil(() => reset().size >= STREAMS || attacker.closed, IDLE_MS + 6000);
    const elapsed = performance.now() - start;
    attacker.close();

    await run.finish();
    const context = `stream slowloris: ${elapsed.toFixed(0)} ms after opening ${STREAMS} streams the attacker got ${attacker.summary()}`;
    const missing = Array.from({ length: STREAMS }, (_, i) => 2 * i + 1).filter((id) => !reset().has(id));
    expect.soft(missing.length, `${context}: streams never reset (first: ${missing.slice(0, 5).join(', ')})`).toBe(0);
    expect.soft([...new Set(attacker.resets().map((r) => errorName(r.code)))], context)
      .toSatisfy((codes: string[]) => codes.length > 0 && codes.every((c) => c === errorName(CANCEL) || c === errorName(ENHANCE_YOUR_CALM)));
  }, 60_000);
});
