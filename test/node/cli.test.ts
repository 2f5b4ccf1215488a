// The h2wasm command line, driven through main() with captured output.
import { describe, expect, it } from 'vitest';
import { main } from '../../host/node/cli.js';

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out, err };
}

describe.each(['wasm', 'js'])('h2wasm CLI (--codec %s)', (codec) => {
  it('decodes a sequence of blocks with one context (RFC 7541 C.4.1, C.4.2)', async () => {
    const r = await run('hpack', 'decode', '--codec', codec, '828684418cf1e3c2e5f23a6ba0ab90f4ff', '828684be5886a8eb10649cbf');
    expect(r.code).toBe(0);
    expect(r.out).toContain('cache-control: no-cache');
    expect(r.out.filter((l) => l === ':authority: www.example.com')).toHaveLength(2);
  });

  it('encodes a list, never indexing authorization', async () => {
    const r = await run('hpack', 'encode', '--codec', codec, '--huffman', 'never', ':method:GET', 'authorization:secret');
    expect(r.code).toBe(0);
    // 82 = :method GET; 1f08 = never indexed, name index 23; 06 "secret"
    expect(r.out).toEqual(['821f0806736563726574']);
    const back = await run('hpack', 'decode', '--codec', codec, r.out[0]);
    expect(back.out).toEqual([':method: GET', 'authorization: secret   (never indexed)']);
  });

  it('reports a malformed block with exit code 1 and the reason', async () => {
    const r = await run('hpack', 'decode', '--codec', codec, '0010');
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/HPACK_STRING_LENGTH/);
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await run('hpack', 'encode', '--codec', codec, 'no-colon')).code).toBe(2);
    expect((await run('bogus', '--codec', codec)).code).toBe(2);
    expect((await run('--codec', 'rust')).code).toBe(2);
  });

  it('names the codec it loaded', async () => {
    const r = await run('info', '--codec', codec);
    expect(r.out[0]).toMatch(new RegExp(`codec ${codec}, ABI \\d+, build/h2core.wasm \\d+ bytes`));
  });
});
