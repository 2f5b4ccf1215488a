// Bundles a Worker for the miniflare tests the way wrangler does: one ES
// module, 'cloudflare:*' left to the runtime, and h2core.wasm imported as a
// compiled module (a CompiledWasm module next to the script).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { Miniflare, type MiniflareOptions } from 'miniflare';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** workerModules bundles entry (a path from the repository's top) into miniflare's module list. */
export async function workerModules(entry: string): Promise<NonNullable<MiniflareOptions['modules']>> {
  const bundle = await esbuild.build({
    entryPoints: [root(entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['cloudflare:*'],
    logLevel: 'silent',
    plugins: [{
      name: 'compiled-wasm',
      setup(build) {
        build.onResolve({ filter: /\.wasm$/ }, () => ({ path: './h2core.wasm', external: true }));
      },
    }],
  });
  return [
    { type: 'ESModule', path: 'worker.mjs', contents: bundle.outputFiles[0].text },
    { type: 'CompiledWasm', path: 'h2core.wasm', contents: await readFile(root('build/h2core.wasm')) },
  ] as never;
}

/** startWorker runs a bundled Worker in workerd with these variables, on a local port. */
export async function startWorker(entry: string, bindings: Record<string, string>, extra: Partial<MiniflareOptions> = {}): Promise<{ mf: Miniflare; url: URL }> {
  const mf = new Miniflare({
    ...(extra as object),
    modules: await workerModules(entry),
    compatibilityDate: '2025-01-01',
    bindings,
    host: '127.0.0.1',
    port: 0,
  });
  const url = await mf.ready;
  return { mf, url };
}
