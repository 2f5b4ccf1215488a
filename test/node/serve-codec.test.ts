// Choosing the codec: WebAssembly by default, the JS build on request, and the
// JS build with one warning where WebAssembly is missing.

import { afterEach, describe, expect, it } from 'vitest';
import { loadServerCore } from '../../host/node/serve.js';
import type { Log } from '../../host/engine/types.js';

function collector(): { log: Log; lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  return { lines, log: (level, message) => lines.push({ level, message }) };
}

describe('loadServerCore', () => {
  const realWebAssembly = globalThis.WebAssembly;
  afterEach(() => {
    globalThis.WebAssembly = realWebAssembly;
  });

  it('loads the WebAssembly core by default, quietly', async () => {
    const { log, lines } = collector();
    const core = await loadServerCore('wasm', log);
    expect(core.codec).toBe('wasm');
    expect(lines).toEqual([]);
  });

  it('loads the JS build when asked', async () => {
    const { log, lines } = collector();
    expect((await loadServerCore('js', log)).codec).toBe('js');
    expect(lines).toEqual([]);
  });

  it('falls back to the JS build with one warning where WebAssembly is missing', async () => {
    const { log, lines } = collector();
    (globalThis as { WebAssembly?: unknown }).WebAssembly = undefined;
    const core = await loadServerCore('wasm', log);
    expect(core.codec).toBe('js');
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe('warn');
    expect(lines[0].message).toMatch(/WebAssembly is not available/);
    // The JS build works: encode and decode a block.
    const block = core.hpackEncoder().encode([[':status', '200']]);
    expect(core.hpackDecoder().decode(block)).toEqual([[':status', '200']]);
  });
});
