import { describe, expect, it } from 'vitest';
import { BestWeights } from './best-weights';

const config = (patience: number, restoreBest: boolean) => ({ earlyStopping: { patience, restoreBest } });

describe('BestWeights (early stopping and restore-best for both training loops)', () => {
  it('keeps the lowest monitored value, releases replaced snapshots and runs out of patience', () => {
    const released: string[] = [];
    const t = new BestWeights<string>(config(2, true), null, (w) => released.push(w));
    expect(t.observe(1, 0.5, () => 'w1')).toBe(true);
    expect(t.observe(2, 0.4, () => 'w2')).toBe(true);
    expect(released).toEqual(['w1']);
    expect(t.observe(3, 0.4, () => 'w3')).toBe(false); // equal is not better
    expect(t.exhausted).toBe(false);
    expect(t.observe(4, 0.6, () => 'w4')).toBe(false);
    expect(t.exhausted).toBe(true);
    expect(t.best).toEqual({ epoch: 2, valLoss: 0.4, weights: 'w2' });
    t.dispose();
    expect(released).toEqual(['w1', 'w2']);
  });

  it.each([
    // stopped, earlyStopped, restoreBest → restores?
    [true, false, false, true],
    [false, true, true, true],
    [false, true, false, false],
    [false, false, true, true],
    [false, false, false, false],
  ])('stopped %s, early-stopped %s, restoreBest %s: restores the best weights: %s', (s, e, r, want) => {
    const t = new BestWeights<string>(config(5, r), null);
    t.observe(1, 0.3, () => 'best');
    t.observe(2, 0.9, () => 'last');
    expect(t.toRestore(s, e)).toBe(want ? 'best' : null);
  });

  it('continues from a checkpoint: its best and patience count carry on', () => {
    const t = new BestWeights<string>(config(3, true), {
      best: { epoch: 4, valLoss: 0.2, weights: 'ckpt' },
      sinceBest: 2,
    });
    expect(t.exhausted).toBe(false);
    expect(t.observe(7, 0.25, () => 'w7')).toBe(false);
    expect(t.exhausted).toBe(true);
    expect(t.toRestore(false, true)).toBe('ckpt');
  });

  it('without early stopping never runs out of patience', () => {
    const t = new BestWeights<string>({ earlyStopping: null }, null);
    for (let e = 1; e <= 50; e++) t.observe(e, e, () => `w${e}`);
    expect(t.exhausted).toBe(false);
    expect(t.toRestore(false, false)).toBe(null);
    expect(t.toRestore(true, false)).toBe('w1');
  });
});
