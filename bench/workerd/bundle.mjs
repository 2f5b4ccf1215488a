// Bundling the benchmark Worker with esbuild: the entry (h2wasm, runtime-
// neutral, no Node APIs) and, separately, the npm peers (hpack.js, hpack),
// which are CommonJS written for Node and need workerd's nodejs_compat.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** bundleEntry returns the Worker's main module (ESM text). */
export async function bundleEntry() {
  const out = await esbuild.build({
    entryPoints: [here('./entry.mjs')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    external: ['./h2core.wasm', './peers.mjs', 'node:*'],
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

/**
 * bundlePeers returns hpack.js and hpack as one ESM module for workerd. Their
 * require()s of Node built-ins ('buffer', 'events', 'util', 'stream', …)
 * become module-scope bindings imported from workerd's node:* modules (a
 * CommonJS require() of an external cannot run in an ES module), and their
 * free Buffer/process come from ./node-globals.mjs.
 */
export async function bundlePeers() {
  const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));
  const used = new Set();
  const nodeBuiltins = {
    name: 'node-builtins',
    setup(build) {
      build.onResolve({ filter: /^[a-z_/]+$/ }, (args) => {
        if (!builtins.has(args.path)) return undefined;
        used.add(args.path);
        return { path: args.path, namespace: 'node-builtin' };
      });
      build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
        contents: `module.exports = __nodeBuiltins[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
  const out = await esbuild.build({
    entryPoints: [here('./peers.mjs')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    external: ['node:*'],
    inject: [here('./node-globals.mjs')],
    plugins: [nodeBuiltins],
    logLevel: 'silent',
  });
  const names = [...used].sort();
  // workerd's util.debuglog() logs whatever NODE_DEBUG says (readable-stream
  // would print a line per read); Node's is silent unless NODE_DEBUG names
  // the section, so the peers get a silent one, as in Node.
  const prelude =
    names.map((n, i) => `import * as __nb${i} from 'node:${n}';`).join('\n') +
    `\nconst __nodeBuiltins = { ${names.map((n, i) => `${JSON.stringify(n)}: __nb${i}.default ?? __nb${i}`).join(', ')} };\n` +
    (used.has('util')
      ? `__nodeBuiltins.util = Object.create(__nodeBuiltins.util, { debuglog: { value: () => Object.assign(() => {}, { enabled: false }) } });\n`
      : '');
  return { text: prelude + out.outputFiles[0].text, builtins: names };
}
