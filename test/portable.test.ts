// The per-target files must stay in step: every primitive exists in both,
// and the shim supplies every AssemblyScript builtin the portable sources use
// as a value (esbuild's inject only covers names the shim exports).
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const exportsOf = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/^export (?:function|const|let) (\w+)/gm)].map((m) => m[1]).sort();

function portableSources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return p.endsWith('portable') ? [] : portableSources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('portable core sources', () => {
  it('export the same primitives from target.ts and target_js.ts', () => {
    expect(exportsOf('assembly/portable/target_js.ts')).toEqual(exportsOf('assembly/portable/target.ts'));
  });

  it('find every builtin they call in the shim of the JS build', () => {
    const shim = new Set(exportsOf('assembly/portable/shim.js'));
    const builtins = ['i8', 'i16', 'i32', 'isize', 'u8', 'u16', 'u32', 'usize', 'bool', 'unchecked', 'min', 'max', 'assert'];
    const used = new Set<string>();
    for (const file of portableSources('assembly')) {
      const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
      for (const b of builtins) if (new RegExp(`(?<![\\w.])${b}\\(`).test(code)) used.add(b);
    }
    expect([...used].filter((b) => !shim.has(b))).toEqual([]);
    expect(used.has('unchecked')).toBe(true); // the scan does see the sources
  });
});

describe('the JS build of the core', () => {
  it('leaves no globals behind when loaded and used', async () => {
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    const { loadCore } = await import('../host/index.js');
    const core = await loadCore({ codec: 'js' });
    const enc = core.hpackEncoder();
    core.hpackDecoder().decode(enc.encode([[':method', 'GET'], ['x-a', 'b']]));
    const added = Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k));
    expect(added).toEqual([]);
  });
});
