/**
 * No import cycles under src/: every module's imports (static, re-exports, dynamic import(), type-only
 * too — a cycle of types is still two modules that cannot be understood apart) form a DAG. Relative
 * specifiers and the `@shared/` alias are resolved the way the bundler does (.ts, .tsx, /index).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');
const ALIASES: Record<string, string> = { '@shared/': path.join(SRC, 'shared') + path.sep };

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (/\.(ts|tsx|mts)$/.test(e.name)) out.push(p);
  }
  return out;
}

const SPECIFIER =
  /(?:\bimport\s+(?:type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?|\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s+from\s+|\bimport\s*\(\s*)['"]([^'"]+)['"]/g;

/** Import specifiers of a module, comments stripped first so commented-out imports do not count. */
export function specifiers(code: string): string[] {
  const bare = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...bare.matchAll(SPECIFIER)].map((m) => m[1]);
}

function resolve(from: string, spec: string): string | null {
  let base: string | null = null;
  if (spec.startsWith('.')) base = path.resolve(path.dirname(from), spec);
  for (const [alias, dir] of Object.entries(ALIASES))
    if (spec.startsWith(alias)) base = dir + spec.slice(alias.length);
  if (!base) return null; // a package
  for (const c of [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    path.join(base, 'index.ts'),
    path.join(base, 'index.tsx'),
  ])
    if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

/** Strongly connected components with more than one module (or a module importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.includes(v)) out.push(scc.map((f) => path.relative(SRC, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import graph', () => {
  const files = sources(SRC);
  const graph = new Map(
    files.map((f) => [
      f,
      specifiers(readFileSync(f, 'utf8'))
        .map((s) => resolve(f, s))
        .filter((t): t is string => t !== null),
    ]),
  );

  it('resolves the imports it finds (the checker sees the real graph)', () => {
    expect(files.length).toBeGreaterThan(100);
    const edges = [...graph.values()].reduce((a, t) => a + t.length, 0);
    expect(edges).toBeGreaterThan(files.length);
    // A known dynamic edge: the job table loads its runners on first use.
    const table = path.join(SRC, 'main/engine-host/job-table.ts');
    expect(graph.get(table)).toContain(path.join(SRC, 'main/engine-host/runners/run-workers.ts'));
  });

  it('finds a cycle when there is one (so an empty answer means something)', () => {
    const a = path.join(SRC, 'a.ts');
    const b = path.join(SRC, 'b.ts');
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts']]);
  });

  it('has no import cycle under src/', () => {
    expect(cycles(graph)).toEqual([]);
  });
});
