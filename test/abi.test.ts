// The ABI is one file read by both sides; this checks a built core agrees
// with the host about it, for both builds, so a stale build/ is caught.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import * as abi from '../assembly/abi.js';
import { CODECS, sharedCore } from './helpers/codecs.js';

describe.each(CODECS)('ABI agreement (%s)', (codec) => {
  it('reports the host ABI version and exchange buffers of the documented kinds', async () => {
    const { binding } = await sharedCore(codec);
    expect(binding.x.abiVersion()).toBe(abi.ABI_VERSION);
    expect(binding.in).toBeInstanceOf(Uint8Array);
    expect(binding.out).toBeInstanceOf(Uint8Array);
    expect(binding.strings).toBeInstanceOf(Uint8Array);
    expect(binding.records).toBeInstanceOf(Int32Array);
    expect(binding.fields).toBeInstanceOf(Int32Array);
    expect(binding.x.ioLength(abi.IO_IN)).toBe(binding.in.length);
    expect(binding.x.ioLength(abi.IO_RECORDS)).toBe(binding.records.length);
  });

  it('re-reads its views after the core replaced a buffer', async () => {
    const { binding } = await sharedCore(codec);
    const before = binding.x.ioGeneration();
    binding.reserveIn(binding.in.length * 2);
    expect(binding.x.ioGeneration()).toBeGreaterThan(before);
    expect(binding.in.length).toBe(binding.x.ioLength(abi.IO_IN));
    binding.in[binding.in.length - 1] = 7;
  });
});

describe('ABI tables', () => {
  it('names and maps every ERR_* code', () => {
    const codes = Object.entries(abi).filter(([k]) => k.startsWith('ERR_') && k !== 'ERR_LAST');
    expect(abi.ERROR_NAMES.length).toBe(-abi.ERR_LAST + 1);
    expect(abi.ERROR_H2_CODES.length).toBe(-abi.ERR_LAST + 1);
    for (const [name, value] of codes) {
      expect(abi.ERROR_NAMES[-(value as number)]).toBe(name.slice(4));
    }
  });

  it('keeps AssemblyScript-only casts out of portable core sources', () => {
    // esbuild erases `<i32>x` and `x as i32`, so in code built to both targets
    // they would silently change meaning on the JS path. Use i32(x) instead.
    const files = execSync('git ls-files assembly ; git ls-files --others --exclude-standard assembly', { encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.ts') && !f.endsWith('portable/target.ts'));
    const bad: string[] = [];
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      src.split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/<(?:[iu](?:8|16|32|64)|[fiu]size|usize|isize|bool|f32|f64)>\s*[\w(]/.test(code) || /\bas\s+(?:[iu](?:8|16|32|64)|usize|isize|f32|f64)\b/.test(code)) {
          bad.push(`${f}:${i + 1}: ${line.trim()}`);
        }
      });
    }
    expect(bad).toEqual([]);
  });
});
