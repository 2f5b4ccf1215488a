#!/usr/bin/env node
// Completes package-lock.json with the platform-specific optional packages
// that npm could not describe, so that `npm ci` accepts the lockfile.
//
// Why: the registry mirror of the machines this project is built on serves
// only the Linux x64 builds of packages such as @rollup/rollup-* (vitest ->
// vite -> rollup). npm then writes rollup's optionalDependencies into the
// lockfile without an entry for each platform package, and `npm ci` rejects
// the lockfile as out of sync. Each missing entry is added with the version
// rollup asks for and the os/cpu/libc its name states; npm skips it on any
// other platform, and on a matching one fetches it by name and version.
//
// Usage: after `npm install` changes the lockfile, run
//   node scripts/complete-lockfile.mjs && npm ci --ignore-scripts
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const PLATFORM = /(android|darwin|freebsd|linux|openbsd|openharmony|sunos|aix|netbsd|win32)-(arm64|arm|x64|ia32|loong64|mips64el|ppc64|riscv64|s390x|wasm32)/;

const added = [];
for (const entry of Object.values(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const m = PLATFORM.exec(name);
    if (!m) {
      console.warn(`complete-lockfile: cannot tell the platform of ${name}; left out`);
      continue;
    }
    const [, os, cpu] = m;
    const e = { version, cpu: [cpu], os: [os], optional: true };
    if (entry.dev) e.dev = true;
    if (os === 'linux') e.libc = [name.includes('musl') ? 'musl' : 'glibc'];
    packages[key] = e;
    added.push(`${name}@${version}`);
  }
}

// npm keeps "" (the root) first and the rest in code-point order.
const sorted = {};
for (const k of Object.keys(packages).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0))) sorted[k] = packages[k];
lock.packages = sorted;
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: added ${added.length} entr${added.length === 1 ? 'y' : 'ies'}`);
