// A Worker that loads the WebAssembly core the way Workers must (a compiled
// module imported by the bundler, handed to loadCore as { module }) and runs
// the codec on what the test posts. Bundled by test/edge/workerd.test.ts.
// @ts-expect-error: a CompiledWasm module, provided by the Worker's module list
import wasm from './h2core.wasm';
import { loadCore, sensitiveHeaders } from '../../host/index.js';
// The plain-JS build, bundled in: what serves where WebAssembly cannot.
import * as jsCore from '../../build/h2core.js';

interface Job {
  blocks: string[];
  encode: Array<[string, string]>;
  frames: string;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string) => new Uint8Array(s.match(/../g)!.map((h) => parseInt(h, 16)));

export default {
  async fetch(request: Request): Promise<Response> {
    const job = (await request.json()) as Job;
    const codec = new URL(request.url).searchParams.get('codec');
    const core =
      codec === 'js'
        ? await loadCore({ codec: 'js', jsModule: jsCore as never })
        : await loadCore({ module: wasm as WebAssembly.Module });
    const dec = core.hpackDecoder();
    const decoded = job.blocks.map((b) => dec.decode(unhex(b)));
    const enc = core.hpackEncoder({ huffman: 'always' });
    const encoded = hex(enc.encode(job.encode));
    const roundTrip = core.hpackDecoder().decode(unhex(encoded));
    const frames = core.frameDecoder().push(unhex(job.frames)).map((f) => f.type);
    let error = '';
    try {
      dec.decode(unhex('c0')); // index 64: past the static table and the two dynamic entries
    } catch (e) {
      error = `${(e as Error).name}:${(e as { reason: string }).reason}`;
    }
    return Response.json({
      codec: core.codec,
      decoded,
      encoded,
      roundTrip,
      sensitive: roundTrip[sensitiveHeaders] ?? [],
      frames,
      error,
      hasBuffer: typeof (globalThis as { Buffer?: unknown }).Buffer !== 'undefined',
    });
  },
};
