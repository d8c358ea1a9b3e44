import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@shared/random';
import { DEFAULT_CV_BUDGET, MIN_PER_CLASS, fitVectorsOf, planCv, stratifiedSample } from './cv-budget';

/** Imbalanced labels over 3 classes (60/30/10 %), seeded. */
function labelsOf(n: number): Int32Array {
  const rand = mulberry32(7);
  return Int32Array.from({ length: n }, () => {
    const r = rand();
    return r < 0.6 ? 0 : r < 0.9 ? 1 : 2;
  });
}
const unique = (n: number) => Array.from({ length: n }, (_, i) => `h${i}`);

describe('head auto’s cost bound (plan)', () => {
  it('hymenoptera keeps 5-fold ×2 on every vector (245 images, 12 pooled candidates)', () => {
    expect(planCv(245, 12)).toEqual({ folds: 5, repeats: 2, vectors: 245, fitVectors: 23_520 });
  });

  it('fit-vectors stay within the budget and vectors within the cap, from 100 to a million images', () => {
    let last = planCv(100, 12);
    for (const n of [100, 300, 500, 1_000, 2_500, 10_000, 100_000, 1_000_000]) {
      for (const g of [1, 3, 12, 21]) {
        const p = planCv(n, g);
        expect(p.fitVectors).toBeLessThanOrEqual(DEFAULT_CV_BUDGET.fitVectors);
        expect(p.fitVectors).toBe(fitVectorsOf(g, p.folds, p.repeats, p.vectors));
        expect(p.vectors).toBeLessThanOrEqual(Math.min(n, DEFAULT_CV_BUDGET.maxVectors));
      }
      const p = planCv(n, 12);
      // Steadier schemes give way as n grows; never back.
      expect(p.folds * p.repeats).toBeLessThanOrEqual(last.folds * last.repeats);
      last = p;
    }
    // Past the budget the cost is flat: the same plan at 10k and a million.
    expect(planCv(1_000_000, 12)).toEqual(planCv(10_000, 12));
    expect(planCv(10_000, 12)).toMatchObject({ folds: 3, repeats: 1, vectors: 1_250 });
  });

  it('explicit folds and repeats are kept; the sample shrinks to fit', () => {
    const p = planCv(10_000, 12, DEFAULT_CV_BUDGET, { folds: 5, repeats: 2 });
    expect(p).toMatchObject({ folds: 5, repeats: 2 });
    expect(p.fitVectors).toBeLessThanOrEqual(DEFAULT_CV_BUDGET.fitVectors);
    expect(planCv(200, 12, DEFAULT_CV_BUDGET, { folds: 10 })).toMatchObject({ folds: 10, vectors: 200 });
  });
});

describe('the stratified sample', () => {
  it('is deterministic, about m items, each class in its share (at least MIN_PER_CLASS)', () => {
    const n = 100_000;
    const labels = labelsOf(n);
    const keys = unique(n);
    const s = stratifiedSample(labels, keys, 1_250, 3);
    expect(stratifiedSample(labels, keys, 1_250, 3)).toEqual(s);
    expect(stratifiedSample(labels, keys, 1_250, 4)).not.toEqual(s);
    expect(s).toHaveLength(1_250);
    expect(new Set(s).size).toBe(s.length);
    expect([...s].sort((a, b) => a - b)).toEqual(s);
    const share = (xs: ArrayLike<number>, c: number) =>
      Array.from(xs).filter((l) => l === c).length / xs.length;
    const picked = s.map((i) => labels[i]);
    for (const c of [0, 1, 2]) expect(Math.abs(share(picked, c) - share(labels, c))).toBeLessThan(0.005);
    // A rare class keeps MIN_PER_CLASS even when its share rounds to fewer.
    const rare = Int32Array.from({ length: 10_000 }, (_, i) => (i < 30 ? 1 : 0));
    const r = stratifiedSample(rare, unique(10_000), 500, 1);
    expect(r.filter((i) => rare[i] === 1)).toHaveLength(MIN_PER_CLASS);
  });

  it('takes or leaves a duplicate group whole', () => {
    const n = 5_000;
    const labels = labelsOf(n);
    const keys = Array.from({ length: n }, (_, i) => `g${Math.floor(i / 5)}`); // groups of five
    const list = stratifiedSample(labels, keys, 600, 2);
    // Class 2 is the majority of few groups: MIN_PER_CLASS may add to its share.
    expect(list.length).toBeLessThanOrEqual(600 + MIN_PER_CLASS);
    expect(list.length).toBeGreaterThan(580);
    const s = new Set(list);
    for (let g = 0; g < n / 5; g++) {
      const inside = [0, 1, 2, 3, 4].filter((j) => s.has(g * 5 + j)).length;
      expect([0, 5]).toContain(inside);
    }
  });

  it('returns every item when m ≥ n', () => {
    expect(stratifiedSample([0, 1, 0], ['a', 'b', 'c'], 3, 1)).toEqual([0, 1, 2]);
  });
});
