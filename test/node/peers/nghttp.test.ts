// nghttp (nghttp2's client) against the demo app: the frames it logs with -v
// for GET / and /trailers, and an upload with -d.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoApp } from '../../../host/node/demo-app.js';
import { defer, hashStream, pseudoRandom, runOk, sha256, startServer } from '../../helpers/peers.js';

/** frameLines keeps nghttp -v's "recv/send <TYPE> frame" lines, in order, without timestamps. */
function frameLines(out: string): string[] {
  return [...out.matchAll(/\] ((?:recv|send) [A-Z_]+ frame <[^>]*>)/g)].map((m) => m[1]);
}

describe('nghttp', () => {
  it('-nv GET /: SETTINGS exchanged, one response HEADERS and DATA with END_STREAM, no RST_STREAM or error GOAWAY', async () => {
    const server = await startServer({ stream: demoApp() });
    const out = await runOk('nghttp', ['-nv', `${server.origin}/`]);
    const frames = frameLines(out);
    expect(frames).toContainEqual(expect.stringMatching(/^recv SETTINGS frame <length=\d+, flags=0x00, stream_id=0>$/));
    expect(frames).toContainEqual('recv SETTINGS frame <length=0, flags=0x01, stream_id=0>');
    expect(out).toMatch(/recv \(stream_id=\d+\) :status: 200/);
    const data = frames.filter((f) => f.startsWith('recv DATA'));
    expect(data.length).toBeGreaterThan(0);
    expect(data.at(-1)).toMatch(/flags=0x01/); // END_STREAM on the last DATA
    expect(frames.some((f) => f.startsWith('recv RST_STREAM') || f.startsWith('recv GOAWAY'))).toBe(false);
    // Without -n the body goes to stdout.
    expect(await runOk('nghttp', [`${server.origin}/`])).toBe('hello world\n');
  });

  it('-nv /trailers: DATA, then a HEADERS frame with END_STREAM carrying x-checksum = sha256(body)', async () => {
    const server = await startServer({ stream: demoApp() });
    const out = await runOk('nghttp', ['-nv', `${server.origin}/trailers`]);
    const frames = frameLines(out);
    const headers = frames.filter((f) => f.startsWith('recv HEADERS'));
    expect(headers).toHaveLength(2);
    expect(headers[0]).toMatch(/flags=0x04,/); // END_HEADERS: the response head
    expect(headers[1]).toMatch(/flags=0x05,/); // END_STREAM | END_HEADERS: the trailers
    const lastData = frames.map((f, i) => [f, i] as const).filter(([f]) => f.startsWith('recv DATA')).at(-1)![1];
    expect(lastData).toBeLessThan(frames.indexOf(headers[1]));
    expect(frames[lastData]).toMatch(/flags=0x00/); // END_STREAM is on the trailers, not the DATA
    expect(out).toMatch(/; END_STREAM \| END_HEADERS/);
    const m = out.match(/recv \(stream_id=\d+\) x-checksum: ([0-9a-f]{64})/);
    expect(m).not.toBeNull();
    const body = Buffer.from(await runOk('nghttp', [`${server.origin}/trailers`]), 'latin1');
    expect(m![1]).toBe(sha256(body));
  });

  it('-d FILE uploads to /echo and gets the same bytes back', async () => {
    const server = await startServer({ stream: demoApp() });
    const dir = mkdtempSync(join(tmpdir(), 'h2wasm-nghttp-'));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'upload.bin');
    const chunks: Buffer[] = [];
    for await (const c of pseudoRandom(3, 3 << 20)) chunks.push(c as Buffer);
    writeFileSync(file, Buffer.concat(chunks));
    const out = Buffer.from(await runOk('nghttp', ['-d', file, `${server.origin}/echo`]), 'latin1');
    expect(out.length).toBe(3 << 20);
    expect(sha256(out)).toBe((await hashStream(pseudoRandom(3, 3 << 20))).sha256);
  });
});
