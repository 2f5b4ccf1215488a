// What wrangler builds, run in workerd: `npx wrangler deploy --dry-run` bundles the gateway from
// wrangler.toml at the top of the repository (one ES module, h2core.wasm beside it as a compiled
// module, nothing from Node), and that very bundle bridges a gRPC-web call to grpc-js; a Worker of
// a user's own that imports 'h2wasm/edge' (the package export, from dist/) bundles and runs too.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Miniflare } from 'miniflare';
import { startGrpcOrigin, startH2cOrigin, type Origin } from './origins.js';
import { parseGrpcWeb, protoString, webFrame } from './grpc-web.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wrangler = join(root, 'node_modules/.bin/wrangler');

function dryRun(cwd: string, out: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(wrangler, ['deploy', '--dry-run', '--outdir', out], { cwd, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } }, (e, stdout, stderr) =>
      e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout + stderr));
  });
}

/** runBundle starts what wrangler wrote to out in workerd. */
async function runBundle(out: string, main: string, bindings: Record<string, string>): Promise<{ mf: Miniflare; url: URL }> {
  const wasm = readdirSync(out).find((f) => f.endsWith('.wasm'))!;
  const mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: main, contents: readFileSync(join(out, main), 'utf8') },
      { type: 'CompiledWasm', path: wasm, contents: readFileSync(join(out, wasm)) },
    ],
    compatibilityDate: '2025-01-01',
    bindings,
    host: '127.0.0.1',
    port: 0,
  });
  return { mf, url: await mf.ready };
}

const running: Array<{ close(): Promise<void> }> = [];
let grpcOrigin: Origin;
let h2c: Origin;

beforeAll(async () => {
  grpcOrigin = await startGrpcOrigin();
  h2c = await startH2cOrigin();
  running.push(grpcOrigin, h2c);
});

afterAll(async () => {
  for (const r of running.reverse()) await r.close().catch(() => {});
});

describe('wrangler', () => {
  it('deploy --dry-run bundles the gateway Worker, and the bundle bridges gRPC-web in workerd', async () => {
    const out = mkdtempSync(join(os.tmpdir(), 'h2wasm-wrangler-'));
    const log = await dryRun(root, out);
    expect(log).toMatch(/env\.ORIGIN/);
    expect(log).not.toMatch(/WARNING|ERROR/);
    const files = readdirSync(out);
    expect(files).toContain('gateway.js');
    const wasm = files.find((f) => f.endsWith('h2core.wasm'));
    expect(wasm).toBeDefined();
    const js = readFileSync(join(out, 'gateway.js'), 'utf8');
    expect(js).toContain(wasm); // imported as a module, not inlined bytes
    expect(js).not.toMatch(/from ["']node:/);

    const { mf, url } = await runBundle(out, 'gateway.js', { ORIGIN: `h2c://127.0.0.1:${grpcOrigin.port}` });
    running.push({ close: () => mf.dispose() });
    const res = await fetch(new URL('/h2wasm.test.Greeter/SayHello', url), {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
      body: webFrame(protoString('wrangler')),
    });
    const body = parseGrpcWeb(new Uint8Array(await res.arrayBuffer()));
    expect(body.messages).toEqual([protoString('hello wrangler')]);
    expect(body.trailers?.['grpc-status']).toBe('0');
  }, 120_000);

  it("bundles a Worker that imports 'h2wasm/edge' (the package export) and runs it", async () => {
    // dist/ is what the package ships: npm test builds it first.
    expect(existsSync(join(root, 'dist/host/edge/index.js')), 'dist/ is missing: run npm run build').toBe(true);
    const app = mkdtempSync(join(os.tmpdir(), 'h2wasm-consumer-'));
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(root, join(app, 'node_modules/h2wasm'), 'dir');
    writeFileSync(join(app, 'worker.js'), `
      import { connect, responseTrailers } from 'h2wasm/edge';
      export default {
        async fetch(request, env) {
          const session = await connect(env.ORIGIN);
          const res = await session.fetch('/trailers');
          const text = await res.text();
          const trailers = {};
          (await responseTrailers(res)).forEach((v, k) => { trailers[k] = v; });
          await session.close();
          return Response.json({ status: res.status, text, trailers });
        },
      };
    `);
    writeFileSync(join(app, 'wrangler.toml'), 'name = "consumer"\nmain = "worker.js"\ncompatibility_date = "2025-01-01"\n');
    const out = join(app, 'out');
    const log = await dryRun(app, out);
    expect(log).not.toMatch(/WARNING|ERROR/);
    const { mf, url } = await runBundle(out, 'worker.js', { ORIGIN: `h2c://127.0.0.1:${h2c.port}` });
    running.push({ close: () => mf.dispose() });
    expect(await (await fetch(url)).json()).toEqual({ status: 200, text: 'with trailers\n', trailers: { 'x-checksum': 'abc123', 'x-count': '2' } });
  }, 120_000);
});
