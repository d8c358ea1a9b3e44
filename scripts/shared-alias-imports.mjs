#!/usr/bin/env node
// Rewrites relative imports of src/shared (from outside it) to the `@shared/…` alias, touching nothing
// but import specifiers: run it after merging branches that still import src/shared relatively.
// src/main/server/renderer-build.ts keeps relative imports: electron.vite.config.ts loads it unbundled.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const { console } = globalThis;
const root = process.cwd();
const shared = path.join(root, 'src', 'shared');
const keep = new Set([path.join(root, 'src', 'main', 'server', 'renderer-build.ts')]);
const SPECIFIER = /((?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"])(\.{1,2}\/[^'"]+)(['"])/g;
const inside = (dir, p) => p === dir || p.startsWith(dir + path.sep);

function* sources(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !inside(shared, p)) yield* sources(p);
    } else if (/\.(ts|tsx|mts)$/.test(e.name) && !keep.has(p)) yield p;
  }
}

let changed = 0;
for (const base of ['src', 'test', 'bench']) {
  for (const file of sources(path.join(root, base))) {
    const code = readFileSync(file, 'utf8');
    const next = code.replace(SPECIFIER, (m, pre, spec, quote) => {
      const target = path.resolve(path.dirname(file), spec);
      if (!inside(shared, target)) return m;
      return `${pre}@shared/${path.relative(shared, target).split(path.sep).join('/')}${quote}`;
    });
    if (next !== code) {
      writeFileSync(file, next);
      changed++;
    }
  }
}
console.log(`${changed} files now import src/shared as @shared/… (run prettier --write on them)`);
