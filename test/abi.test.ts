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

describe.each(CODECS)('flow-control ABI agreement (%s)', (codec) => {
  it('exports the batched flow calls', async () => {
    const { binding } = await sharedCore(codec);
    for (const name of ['frameReaderAttachFlow', 'flowNew', 'flowFlush', 'flowSnapshot', 'flowFree']) {
      expect(typeof binding.x[name], name).toBe('function');
    }
  });

  it('reads commands and writes results, DATA headers and WINDOW_UPDATEs where abi.ts says', async () => {
    const { binding } = await sharedCore(codec);
    const x = binding.x;
    const h = x.flowNew(abi.DEFAULT_INITIAL_WINDOW_SIZE);
    binding.sync();
    const w = abi.FLOW_CMD_WORDS;
    binding.reserveRecords(4 * w);
    const r = binding.records;
    r.fill(0, 0, 4 * w);
    r[abi.FCMD_TYPE] = abi.FLOW_CMD_OPEN;
    r[abi.FCMD_STREAM] = 1;
    r[w + abi.FCMD_TYPE] = abi.FLOW_CMD_DEMAND;
    r[w + abi.FCMD_STREAM] = 1;
    r[w + abi.FCMD_VALUE] = 20000;
    r[w + abi.FCMD_CAP] = -1;
    r[w + abi.FCMD_FLAGS] = abi.FLOW_DEMAND_END_STREAM;
    r[2 * w + abi.FCMD_TYPE] = abi.FLOW_CMD_CONNECTION_TARGET;
    r[2 * w + abi.FCMD_VALUE] = 100000;
    const bytes = x.flowFlush(h, 3);
    binding.sync();
    const rec = binding.records;
    expect(bytes).toBe(2 * abi.FRAME_HEADER_SIZE + 13);
    expect(rec[abi.FCMD_RESULT]).toBe(0);
    expect([rec[w + abi.FCMD_RESULT], rec[w + abi.FCMD_FRAMES], rec[w + abi.FCMD_OUT]]).toEqual([20000, 2, 0]);
    expect(rec[w + abi.FCMD_FLAGS]).toBe(abi.FLOW_DEMAND_END_STREAM | abi.FLOW_GRANT_END_STREAM);
    expect(binding.statusWord(abi.STATUS_FLUSH_UPDATES)).toBe(2 * abi.FRAME_HEADER_SIZE);
    expect(Array.from(binding.out.subarray(0, bytes))).toEqual([
      0, 0x40, 0, abi.FRAME_DATA, 0, 0, 0, 0, 1,
      0, 0x0e, 0x20, abi.FRAME_DATA, abi.FLAG_END_STREAM, 0, 0, 0, 1,
      0, 0, 4, abi.FRAME_WINDOW_UPDATE, 0, 0, 0, 0, 0, 0, 0, (100000 - 65535) >> 8, (100000 - 65535) & 0xff,
    ]);
    expect(x.flowFree(h)).toBe(0);
  });
});

describe('ABI tables', () => {
  it('lays out flush commands in one record each, every word named once', () => {
    expect(abi.FLOW_CMD_WORDS).toBe(abi.REC_WORDS);
    const words = [abi.FCMD_TYPE, abi.FCMD_STREAM, abi.FCMD_VALUE, abi.FCMD_CAP, abi.FCMD_FLAGS, abi.FCMD_RESULT, abi.FCMD_FRAMES, abi.FCMD_OUT];
    expect([...words].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(abi.STATUS_FLUSH_UPDATES).toBeLessThan(abi.STATUS_WORDS);
    expect(new Set([abi.STATUS_GENERATION, abi.STATUS_OPEN_BLOCK, abi.STATUS_FLUSH_UPDATES]).size).toBe(3);
    const recs = [abi.REC_STREAM_ERROR, abi.REC_UNKNOWN, abi.REC_CONNECTION_ERROR, abi.REC_HEADERS_DECODED, abi.REC_PUSH_PROMISE_DECODED, abi.REC_WINDOW_UPDATE_OWED];
    expect(new Set(recs).size).toBe(recs.length);
    expect(abi.REC_F_FLOW_OPENED & 0xff).toBe(0); // above the frame's flags octet
    const bits = [abi.REC_DATA_FIRST, abi.REC_DATA_LAST, abi.REC_DATA_UNTRACKED];
    expect(bits.reduce((a, b) => a | b)).toBe(bits.reduce((a, b) => a + b));
    const grant = [abi.FLOW_DEMAND_END_STREAM, abi.FLOW_GRANT_END_STREAM, abi.FLOW_GRANT_STREAM_BLOCKED, abi.FLOW_GRANT_CONNECTION_BLOCKED];
    expect(grant.reduce((a, b) => a | b)).toBe(grant.reduce((a, b) => a + b));
  });

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
