// Loading the wire core: WebAssembly by default, the plain-JS build on request
// or where WebAssembly is missing.

import { CoreBinding, type CodecName, type CoreExports } from './binding.js';

export interface LoadCoreOptions {
  /** Which build of the core to run: 'wasm' (default) or 'js'. */
  codec?: CodecName;
  /** A compiled h2core.wasm, for runtimes that cannot compile bytes at run time (Workers). */
  module?: WebAssembly.Module;
  /** The plain-JS build's module namespace, for runtimes that cannot import it by path. */
  jsModule?: CoreExports;
}

let compiled: Promise<WebAssembly.Module> | null = null;
let jsInstances = 0;

/** coreFileUrl returns the URL of a file in the package's build/ folder. */
export function coreFileUrl(name: string): URL {
  // Compiled, this file is dist/host/core/load.js; run from source (tests), host/core/load.ts.
  const depth = import.meta.url.includes('/dist/host/') ? '../../../' : '../../';
  return new URL(`${depth}build/${name}`, import.meta.url);
}

async function compileCore(): Promise<WebAssembly.Module> {
  if (compiled === null) {
    compiled = (async () => {
      // Named through a variable so Worker bundlers leave it alone: a Worker passes { module } and never gets here.
      const fsModule = 'node:fs/promises';
      const { readFile } = (await import(fsModule)) as typeof import('node:fs/promises');
      return WebAssembly.compile(await readFile(coreFileUrl('h2core.wasm')));
    })();
    compiled.catch(() => {
      compiled = null;
    });
  }
  return compiled;
}

/** wasmImports are everything h2core.wasm imports: only AssemblyScript's abort. */
function wasmImports(memoryRef: { memory: WebAssembly.Memory | null }): WebAssembly.Imports {
  return {
    env: {
      abort(messagePtr: number, filePtr: number, line: number, column: number): never {
        const text = (ptr: number) => {
          if (!ptr || memoryRef.memory === null) return '?';
          const u32 = new Uint32Array(memoryRef.memory.buffer, ptr - 4, 1);
          return String.fromCharCode(...new Uint16Array(memoryRef.memory.buffer, ptr, u32[0] >>> 1));
        };
        throw new CoreTrap(`${text(messagePtr)} at ${text(filePtr)}:${line}:${column}`);
      },
    },
  };
}

/** CoreTrap is thrown when the core aborts: always a bug in h2wasm, never a peer's doing. */
export class CoreTrap extends Error {
  override name = 'CoreTrap';
}

/** instantiateWasm makes a fresh instance of the WebAssembly core. */
export async function instantiateWasm(module?: WebAssembly.Module): Promise<CoreBinding> {
  const mod = module ?? (await compileCore());
  const memoryRef: { memory: WebAssembly.Memory | null } = { memory: null };
  const instance = await WebAssembly.instantiate(mod, wasmImports(memoryRef));
  const memory = instance.exports.memory as WebAssembly.Memory;
  memoryRef.memory = memory;
  return new CoreBinding('wasm', instance.exports as unknown as CoreExports, memory);
}

/** instantiateJs makes a fresh instance of the plain-JS core (a new module evaluation, so no state is shared). */
export async function instantiateJs(jsModule?: CoreExports): Promise<CoreBinding> {
  const x = jsModule ?? ((await import(`${coreFileUrl('h2core.js').href}?instance=${++jsInstances}`)) as CoreExports);
  return new CoreBinding('js', x, null);
}

/** instantiateCore makes a binding for the codec asked for. */
export async function instantiateCore(options: LoadCoreOptions = {}): Promise<CoreBinding> {
  const codec = options.codec ?? (options.jsModule && !options.module ? 'js' : 'wasm');
  if (codec === 'js') return instantiateJs(options.jsModule);
  if (codec !== 'wasm') throw new TypeError(`h2wasm: unknown codec '${String(codec)}' (use 'wasm' or 'js')`);
  return instantiateWasm(options.module);
}
