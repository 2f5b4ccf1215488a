// The WebAssembly core in workerd, through miniflare: the same h2core.wasm
// the Node tests use, compiled by the runtime as a module import, with the
// host's own abort import and no Node APIs (no Buffer, no fs).
import { describe, expect, it, afterAll } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
let mf: Miniflare | undefined;

afterAll(async () => {
  await mf?.dispose();
});

describe('the core in workerd (miniflare)', () => {
  it.each([['wasm'], ['js']])('decodes, encodes and reads frames (%s build)', async (codec) => {
    const bundle = await esbuild.build({
      entryPoints: [here('./worker-entry.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      external: ['./h2core.wasm', 'node:*'],
      logLevel: 'silent',
    });
    await mf?.dispose();
    mf = new Miniflare({
      modules: [
        { type: 'ESModule', path: 'worker.mjs', contents: bundle.outputFiles[0].text },
        { type: 'CompiledWasm', path: 'h2core.wasm', contents: await readFile(here('../../build/h2core.wasm')) },
      ],
      compatibilityDate: '2025-01-01',
    });
    const job = {
      // RFC 7541 C.4.1 and C.4.2: one decoder, in order.
      blocks: ['828684418cf1e3c2e5f23a6ba0ab90f4ff', '828684be5886a8eb10649cbf'],
      encode: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['authorization', 'Bearer x']],
      // SETTINGS, PING, then a DATA frame with END_STREAM.
      frames: '000006040000000000000300000064' + '0000080600000000000102030405060708' + '000001000100000001' + '41',
    };
    const res = await mf.dispatchFetch(`http://localhost/?codec=${codec}`, { method: 'POST', body: JSON.stringify(job) });
    const out = (await res.json()) as Record<string, unknown>;
    expect(out.codec).toBe(codec);
    expect(out.hasBuffer).toBe(false); // the host's non-Node paths are the ones exercised
    expect(out.decoded).toEqual([
      [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
      [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
    ]);
    expect((out.encoded as string).startsWith('828684418cf1e3c2e5f23a6ba0ab90f4ff')).toBe(true);
    expect(out.roundTrip).toEqual(job.encode);
    expect(out.sensitive).toEqual(['authorization']);
    expect(out.frames).toEqual(['SETTINGS', 'PING', 'DATA']);
    expect(out.error).toBe('HpackError:HPACK_INDEX');
  });
});
