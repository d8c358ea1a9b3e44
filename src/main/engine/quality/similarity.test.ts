import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@shared/random';
import { centredUnitRows } from './embed';
import { dot, rowsForSearch, similarPairs } from './similarity';

/** Rows with a decaying spectrum (as CNN embeddings have), plus planted near-copies. */
function data(n: number, dim: number, planted: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n - planted; i++)
    for (let c = 0; c < dim; c++) x[i * dim + c] = Math.abs(gauss() / Math.sqrt(1 + c / 8) + 0.3);
  for (let p = 0; p < planted; p++) {
    const src = p * 3;
    const dst = n - planted + p;
    const noise = 0.05 + (p / planted) * 0.6;
    for (let c = 0; c < dim; c++)
      x[dst * dim + c] = x[src * dim + c] + (noise * gauss()) / Math.sqrt(1 + c / 8);
  }
  return x;
}

async function check(n: number, dim: number, threshold: number, reducedDim?: number, simd = false) {
  let x = centredUnitRows(data(n, dim, 30, dim), dim);
  const { rows, arena } = rowsForSearch(n, dim);
  if (simd) {
    rows.set(x);
    x = rows;
  }
  const found = new Map<string, number>();
  const stats = await similarPairs(x, dim, {
    threshold,
    reducedDim,
    arena: simd ? arena : null,
    blockRows: 128,
    blockCols: 256,
    onPair: (i, j, s) => found.set(`${i},${j}`, s),
  });
  const expected = new Map<string, number>();
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const s = dot(x, i * dim, j * dim, dim);
      if (s >= threshold) expected.set(`${i},${j}`, s);
    }
  expect([...found.keys()].sort()).toEqual([...expected.keys()].sort());
  // The same similarities (float64 dots of the same rows), not just the same pairs.
  for (const [key, s] of found) expect(s).toBe(expected.get(key));
  return { stats, pairs: expected.size };
}

describe('similarPairs', () => {
  it('small dimension: the exact blocked product finds every pair above the threshold', async () => {
    const { stats, pairs } = await check(700, 64, 0.7);
    expect(stats.reducedDim).toBe(64);
    expect(pairs).toBeGreaterThan(5);
  });

  it('reduced dimensions: the filter with its residual bound misses nothing', async () => {
    const { stats, pairs } = await check(800, 384, 0.7, 64);
    expect(stats.reducedDim).toBe(64);
    expect(pairs).toBeGreaterThan(5);
    // The filter is a superset, yet far smaller than all pairs.
    expect(stats.candidates).toBeGreaterThanOrEqual(pairs);
    expect(stats.candidates).toBeLessThan((800 * 799) / 2 / 10);
  });

  it('a forced tiny reduction still misses nothing (only more candidates)', async () => {
    const { stats } = await check(400, 256, 0.6, 8);
    expect(stats.reducedDim).toBe(8);
  });

  it('screened with WebAssembly SIMD in the arena: the same pairs and similarities as brute force', async () => {
    for (const r of [8, 32, 64]) {
      const { stats, pairs } = await check(800, 384, 0.6, r, true);
      expect(stats.method).toMatch(/WebAssembly SIMD/);
      expect(stats.fineDim).toBe(128);
      expect(stats.screened).toBeLessThanOrEqual(stats.candidates);
      expect(pairs).toBeGreaterThan(5);
    }
    const full = await check(600, 64, 0.7, undefined, true);
    expect(full.stats.reducedDim).toBe(64);
  });

  it('a search in the arena leaves it as it was: a second search on the same rows finds the same', async () => {
    const n = 500;
    const dim = 256;
    const { rows, arena } = rowsForSearch(n, dim);
    rows.set(centredUnitRows(data(n, dim, 30, 5), dim));
    const run = async () => {
      const out: string[] = [];
      await similarPairs(rows, dim, {
        threshold: 0.6,
        reducedDim: 16,
        arena,
        onPair: (i, j, s) => out.push(`${i},${j},${s}`),
      });
      return out;
    };
    const a = await run();
    expect(a.length).toBeGreaterThan(5);
    expect(await run()).toEqual(a);
  });
});
