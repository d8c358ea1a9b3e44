import { describe, expect, it } from 'vitest';
import { rankLabelIssues } from './label-review';
import { stratifiedGroupFolds } from './folds';

describe('rankLabelIssues', () => {
  it('uses per-class average self-confidence as thresholds and puts confident disagreements first', () => {
    // Class 0 is easy (self-confidence 0.9), class 1 hard (0.6); item 4 is labelled 1 but looks like 0.
    const rows = [
      [0.9, 0.1, 0],
      [0.95, 0.05, 0],
      [0.85, 0.15, 0],
      [0.3, 0.7, 1],
      [0.95, 0.05, 1],
      [0.4, 0.6, 1],
      [0.45, 0.55, 1],
    ];
    const probs = Float32Array.from(rows.flatMap((r) => r.slice(0, 2)));
    const labels = rows.map((r) => r[2]);
    const items = rows.map((_, i) => ({ contentHash: String(i).repeat(64), rel: `f${i}`, path: `/f${i}` }));
    const r = rankLabelIssues({ probs, labels, items, classes: ['a', 'b'] });
    expect(r.thresholds[0]).toBeCloseTo(0.9, 5);
    expect(r.thresholds[1]).toBeCloseTo((0.7 + 0.05 + 0.6 + 0.55) / 4, 5);
    expect(r.queue[0]).toMatchObject({ rel: 'f4', label: 1, suggested: 0, flagged: true });
    expect(r.flagged).toBe(1);
    // "Keep" hides an image from the queue.
    const kept = rankLabelIssues({ probs, labels, items, classes: ['a', 'b'], kept: [items[4].contentHash] });
    expect(kept.queue.map((q) => q.rel)).not.toContain('f4');
  });
});

describe('stratifiedGroupFolds', () => {
  it('keeps a group in one fold and balances classes', () => {
    const labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
    const keys = ['a', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
    const f = stratifiedGroupFolds(labels, keys, 3, 42);
    expect(f[0]).toBe(f[1]);
    for (let k = 0; k < 3; k++) {
      const ones = labels.filter((l, i) => l === 1 && f[i] === k).length;
      expect(ones).toBe(2);
    }
    expect(stratifiedGroupFolds(labels, keys, 3, 42)).toEqual(f);
  });
});
