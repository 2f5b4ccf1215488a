// `npx wrangler deploy --dry-run` bundles the gateway from wrangler.toml at the top of the
// repository: one ES module and h2core.wasm beside it as a compiled module, nothing from Node.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

it('wrangler deploy --dry-run bundles the gateway Worker', async () => {
  const out = mkdtempSync(join(os.tmpdir(), 'h2wasm-wrangler-'));
  const log = await new Promise<string>((resolve, reject) => {
    execFile(join(root, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', out], { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } }, (e, stdout, stderr) =>
      e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout + stderr));
  });
  expect(log).toMatch(/env\.ORIGIN/);
  expect(log).not.toMatch(/WARNING|ERROR/);
  const files = readdirSync(out);
  expect(files).toContain('gateway.js');
  const wasm = files.find((f) => f.endsWith('h2core.wasm'));
  expect(wasm).toBeDefined();
  const js = readFileSync(join(out, 'gateway.js'), 'utf8');
  expect(js).toContain(wasm); // imported as a module, not inlined bytes
  expect(js).not.toMatch(/from ["']node:/);
}, 120_000);
