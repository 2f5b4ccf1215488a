// Bad prefaces, many times over: connections that open with garbage instead of the client preface
// (RFC 9113 §3.4: "Clients and servers MUST treat an invalid connection preface as a connection
// error of type PROTOCOL_ERROR"), and connections that send a valid preface and then HEADERS on an
// even stream id, which only the server may use (RFC 9113 §5.1.1: "Streams initiated by a client
// MUST use odd-numbered stream identifiers ... the endpoint MUST respond with a connection error
// of type PROTOCOL_ERROR"). Each must be closed (a GOAWAY, if any, says PROTOCOL_ERROR), and
// none may cost the server memory or CPU, or keep it from serving others.

import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../host/bytes.js';
import { AbuseRun, cleanUpAfterEach } from '../helpers/abuse-run.js';
import { FloodClient, headersFrame, preface, requestBlock } from '../helpers/flood-client.js';
import { PROTOCOL_ERROR, errorName } from '../helpers/raw-h2.js';

cleanUpAfterEach();

/** CONNECTIONS bad connections per attack, BATCH at a time. */
const CONNECTIONS = 60;
const BATCH = 10;

interface Verdict {
  closed: boolean;
  goaway: number | null;
  summary: string;
  head: string;
}

/** attackMany opens CONNECTIONS connections, BATCH at a time; each writes what open() makes (one
 *  element per write) and waits up to 5 s for the server to close it. */
async function attackMany(run: AbuseRun, open: (authority: string) => Uint8Array[]): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (let b = 0; b < CONNECTIONS; b += BATCH) {
    if (b === BATCH) void run.serveDuring();
    verdicts.push(...await Promise.all(Array.from({ length: BATCH }, async () => {
      const c = await FloodClient.connect(run.port);
      for (const chunk of open(c.authority)) await c.write(chunk);
      const closed = await c.waitClosed(5000);
      const goaway = c.goaway();
      c.close();
      return { closed, goaway: goaway?.code ?? null, summary: c.summary(), head: Buffer.from(c.head.subarray(0, 40)).toString('latin1') };
    })));
  }
  return verdicts;
}

describe('Invalid connection prefaces, 60 connections (RFC 9113 §3.4)', () => {
  it('a corrupted preface and binary garbage: every connection closed by the server, GOAWAY (if any) PROTOCOL_ERROR', async () => {
    const run = await AbuseRun.start('invalid preface');
    let n = 0;
    const verdicts = await attackMany(run, () => {
      // Alternately: the preface with its last line wrong (the server has committed to HTTP/2 by
      // then), and 64 octets of binary garbage.
      const bad = n++ % 2 === 0
        ? new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n')
        : Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 0x80) & 0xff);
      return [bad];
    });
    await run.finish();
    const stayedOpen = verdicts.filter((v) => !v.closed);
    expect.soft(stayedOpen.length, `invalid preface: connections still open 5 s after their garbage: ${stayedOpen.slice(0, 3).map((v) => v.summary).join('; ')}`).toBe(0);
    const wrongGoaway = verdicts.filter((v) => v.goaway !== null && v.goaway !== PROTOCOL_ERROR);
    expect.soft(wrongGoaway.map((v) => errorName(v.goaway!)), 'invalid preface: GOAWAY codes other than PROTOCOL_ERROR').toEqual([]);
    console.log(`[abuse] invalid preface: what the attackers read: ${[...new Set(verdicts.map((v) => (v.goaway !== null ? `GOAWAY ${errorName(v.goaway)}` : JSON.stringify(v.head))))].join(' | ')}`);
  }, 60_000);
});

describe('HEADERS on an even stream id after a valid preface, 60 connections (RFC 9113 §5.1.1)', () => {
  it('every connection gets GOAWAY PROTOCOL_ERROR and is closed', async () => {
    const run = await AbuseRun.start('even stream id');
    // The preface and SETTINGS, then HEADERS on stream 2 in a separate write, as a client sends them.
    const verdicts = await attackMany(run, (authority) => [
      preface(),
      concatBytes([headersFrame(2, requestBlock('GET', '/', authority), { endStream: true })]),
    ]);
    await run.finish();
    const wrong = verdicts.filter((v) => v.goaway !== PROTOCOL_ERROR || !v.closed);
    expect.soft(wrong.length, `even stream id: connections without GOAWAY PROTOCOL_ERROR and a close, e.g. ${wrong.slice(0, 3).map((v) => v.summary).join('; ')}`).toBe(0);
  }, 60_000);
});
