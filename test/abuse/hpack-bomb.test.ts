// HPACK bombs and header floods: field blocks that are small on the wire and huge once decoded
// (CVE-2016-6581: one large field inserted into the dynamic table, then referenced by one-octet
// indexes thousands of times), or that carry tens of thousands of zero-length or one-octet fields,
// each of which costs the decoder an allocation (CVE-2019-9516). The decoder counts the decoded
// list against SETTINGS_MAX_HEADER_LIST_SIZE (64 KiB) as it goes: the request gets 431 (or its
// stream is reset, or the connection ends with GOAWAY), and memory stays bounded.

import { describe, expect, it } from 'vitest';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import {
  FloodClient, continuationFrame, headersFrame, indexed, literal, literalIndexed, preface, requestBlock,
} from '../helpers/flood-client.js';
import { COMPRESSION_ERROR, ENHANCE_YOUR_CALM, PROTOCOL_ERROR, errorName } from '../helpers/raw-h2.js';
import { concatBytes } from '../../host/bytes.js';

cleanUpAfterEach();

/** MAX_PAYLOAD is the server's SETTINGS_MAX_FRAME_SIZE (the default, 16384). */
const MAX_PAYLOAD = 16_384;
/** STREAMS is how many bombs one connection sends. */
const STREAMS = 200;

/** fill repeats unit after head until the block is as large as one frame allows. */
function fill(head: Uint8Array, unit: number[]): Uint8Array {
  const n = Math.floor((MAX_PAYLOAD - head.length) / unit.length);
  const out = new Uint8Array(head.length + n * unit.length);
  out.set(head);
  for (let i = 0; i < n; i++) out.set(unit, head.length + i * unit.length);
  return out;
}

/** headerFlood sends STREAMS requests whose field blocks framesFor(streamId) makes (HEADERS, then
 *  CONTINUATIONs), one request per write, and checks that each is refused: a 431 response or a
 *  RST_STREAM on its stream, unless a GOAWAY ended the connection first. */
async function headerFlood(codec: string, label: string, framesFor: (streamId: number, authority: string) => Uint8Array[], options: {
  resetCodes: number[]; goawayCodes: number[];
}): Promise<void> {
  const run = await AbuseRun.start(`${label} (--codec ${codec})`, ['--codec', codec]);
  const attacker = await FloodClient.connect(run.port);
  attacker.send(preface());
  const result = await attacker.pump((i) => {
    if (i === STREAMS) return null;
    if (i === 10) void run.serveDuring();
    return concatBytes(framesFor(2 * i + 1, attacker.authority));
  }, { maxWrites: STREAMS + 1, maxMs: 20_000 });
  const sent = Array.from({ length: result.writes }, (_, i) => 2 * i + 1);
  const answered = () => {
    const done = new Set<number>();
    for (const r of attacker.responses()) done.add(r.streamId);
    for (const r of attacker.resets()) done.add(r.streamId);
    return done;
  };
  const goawayOrAll = () => attacker.goaway() !== undefined || attacker.closed || sent.every((s) => answered().has(s));
  await attacker.waitUntil(goawayOrAll, 10_000);
  attacker.close();

  await run.finish();
  const context = `${label} (--codec ${codec}): the attacker's connection (${result.writes} requests, ${result.bytes} octets, stopped by ${result.stoppedBy}) got ${attacker.summary()}`;
  const goaway = attacker.goaway();
  if (goaway !== undefined) {
    expect.soft(options.goawayCodes.map(errorName), `${context}: GOAWAY code`).toContain(errorName(goaway.code));
  } else {
    expect.soft(sent.filter((s) => !answered().has(s)).length, `${context}: requests neither answered nor reset`).toBe(0);
  }
  // No bomb may reach the application: every response is 431, every reset has an expected code.
  expect.soft([...new Set(attacker.responses().map((r) => r.status))].filter((s) => s !== '431'), `${context}: statuses other than 431`).toEqual([]);
  expect.soft(attacker.resets().map((r) => errorName(r.code)).filter((c) => !options.resetCodes.map(errorName).includes(c)),
    `${context}: RST_STREAM codes`).toEqual([]);
  expect.soft(attacker.responses().length + attacker.resets().length + (goaway ? 1 : 0), `${context}: a reaction`).toBeGreaterThan(0);
}

// Both builds of the core decode field blocks: each is attacked.
for (const codec of ['wasm', 'js']) {
  describe(`HPACK bomb (CVE-2016-6581), --codec ${codec}: one 4 KB field in the dynamic table, referenced thousands of times`, () => {
    it('each request gets 431 (or a reset, or GOAWAY); RSS bounded, CPU idle, others served, SIGTERM honoured', async () => {
      const bomb = 'b'.repeat(4000); // 6 + 4000 + 32 = 4038 octets: fits the default 4096-octet table
      await headerFlood(codec, 'HPACK bomb', (streamId, authority) => {
        const head = requestBlock('GET', '/', authority);
        // The first block inserts the field (it becomes dynamic index 62); every block then names it
        // about 12,000–16,000 times: 50–65 MB of fields from 16 KB on the wire, 200 times over.
        const first = streamId === 1 ? concatBytes([head, Uint8Array.from(literalIndexed('x-bomb', bomb))]) : head;
        return [headersFrame(streamId, fill(first, indexed(62)), { endStream: true })];
      }, { resetCodes: [PROTOCOL_ERROR, ENHANCE_YOUR_CALM], goawayCodes: [ENHANCE_YOUR_CALM, COMPRESSION_ERROR] });
    }, 60_000);
  });

  describe(`Header floods (CVE-2019-9516), --codec ${codec}: tens of thousands of tiny fields per request`, () => {
    it('zero-length name and value, inserted into the dynamic table (HEADERS + 15 CONTINUATIONs): refused, memory bounded', async () => {
      await headerFlood(codec, 'zero-length header flood', (streamId, authority) => {
        const empty = fill(new Uint8Array(0), [0x40, 0x00, 0x00]); // literal with incremental indexing, "" : ""
        return [
          headersFrame(streamId, fill(requestBlock('GET', '/', authority), [0x40, 0x00, 0x00]), { endStream: true, endHeaders: false }),
          ...Array.from({ length: 15 }, (_, k) => continuationFrame(streamId, empty, k === 14)),
        ];
      }, { resetCodes: [PROTOCOL_ERROR, ENHANCE_YOUR_CALM], goawayCodes: [ENHANCE_YOUR_CALM, COMPRESSION_ERROR, PROTOCOL_ERROR] });
    }, 60_000);

    it('one-octet names with empty values (HEADERS + 15 CONTINUATIONs): 431, memory bounded', async () => {
      await headerFlood(codec, '1-octet-name header flood', (streamId, authority) => {
        const tiny = fill(new Uint8Array(0), literal('a', '')); // literal without indexing, "a" : ""
        return [
          headersFrame(streamId, fill(requestBlock('GET', '/', authority), literal('a', '')), { endStream: true, endHeaders: false }),
          ...Array.from({ length: 15 }, (_, k) => continuationFrame(streamId, tiny, k === 14)),
        ];
      }, { resetCodes: [PROTOCOL_ERROR, ENHANCE_YOUR_CALM], goawayCodes: [ENHANCE_YOUR_CALM, COMPRESSION_ERROR] });
    }, 60_000);
  });
}
