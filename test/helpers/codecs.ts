// Every core test runs against both builds of the core: use `describe.each(CODECS)`.
import { loadCore, type Core } from '../../host/index.js';
import type { CodecName } from '../../host/core/binding.js';

export const CODECS: CodecName[] = ['wasm', 'js'];

const cores = new Map<CodecName, Promise<Core>>();

/** sharedCore returns one Core per codec for a test file (fresh contexts come from it). */
export function sharedCore(codec: CodecName): Promise<Core> {
  let core = cores.get(codec);
  if (!core) {
    core = loadCore({ codec });
    cores.set(codec, core);
  }
  return core;
}

/** hex turns a hex string (spaces allowed) into bytes. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** toHex turns bytes into a lowercase hex string. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** FUZZ_SCALE multiplies every property test's run count: 1 in `npm test`,
 *  more in `npm run fuzz` (H2WASM_FUZZ_SCALE). */
export const FUZZ_SCALE = Math.max(1, Number(process.env.H2WASM_FUZZ_SCALE ?? 1));

/** runs returns a property test's run count at the current FUZZ_SCALE. */
export function runs(n: number): number {
  return Math.round(n * FUZZ_SCALE);
}
