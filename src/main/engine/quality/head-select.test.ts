import { describe, expect, it } from 'vitest';
import type { HeadCvRow } from '@shared/quality';
import { selectHead, standardError } from './head-select';

function row(preset: string, lr: number, l2: number, folds: number[], logLoss = 0.3): HeadCvRow {
  const accuracy = folds.reduce((a, b) => a + b, 0) / folds.length;
  return {
    candidate: { id: `${preset} lr=${lr} l2=${l2}`, preset, learningRate: lr, l2, head: { layers: [] } },
    status: 'done',
    accuracy,
    logLoss,
    foldAccuracy: folds,
    ms: 1,
  };
}

describe('head selection (lowest out-of-fold log loss)', () => {
  it('standard error: sd of the fold accuracies over √folds; none for one fold', () => {
    expect(standardError([0.8, 0.9, 0.8, 0.9], 4)).toBeCloseTo(Math.sqrt(1 / 300) / 2, 10);
    expect(standardError([0.8], 5)).toBe(0);
  });

  it('picks the lowest out-of-fold log loss, across presets, even over higher accuracy', () => {
    const rows = [
      row('linear', 1e-2, 0, [0.9, 0.88, 0.86, 0.88, 0.87], 0.337), // the higher accuracy
      row('light', 1e-3, 3e-2, [0.88, 0.86, 0.88, 0.86, 0.87], 0.32),
      row('light', 1e-3, 0, [0.86, 0.86, 0.88, 0.86, 0.87], 0.33),
    ];
    const s = selectHead(rows, 5);
    expect(s.winner.id).toBe('light lr=0.001 l2=0.03');
    expect(s.best).toMatchObject({ id: 'light lr=0.001 l2=0.03', logLoss: 0.32 });
    expect(s.best.accuracy).toBeCloseTo(0.87, 12);
    expect(s.best.standardError).toBeCloseTo(standardError([0.88, 0.86, 0.88, 0.86, 0.87], 5), 12);
  });

  it('ties on log loss go to higher accuracy, then to the stronger L2', () => {
    const acc = [row('light', 1e-3, 0, [0.8, 0.8], 0.3), row('linear', 3e-3, 0, [0.9, 0.9], 0.3)];
    expect(selectHead(acc, 2).winner.id).toBe('linear lr=0.003 l2=0');
    const l2 = [row('light', 1e-3, 0, [0.9, 0.9], 0.3), row('light', 1e-3, 1e-2, [0.9, 0.9], 0.3)];
    expect(selectHead(l2, 2).winner.id).toBe('light lr=0.001 l2=0.01');
    expect(selectHead([...l2].reverse(), 2).winner.id).toBe('light lr=0.001 l2=0.01');
  });

  it('a non-finite log loss (a diverged fit) never wins', () => {
    const rows = [row('light', 1e-2, 0, [0.95, 0.95], Infinity), row('light', 1e-3, 0, [0.7, 0.8], 0.5)];
    expect(selectHead(rows, 2).winner.id).toBe('light lr=0.001 l2=0');
  });

  it('ignores skipped rows and fails clearly when nothing was fitted', () => {
    const skipped: HeadCvRow = {
      ...row('keras', 1e-3, 0, [1, 1]),
      status: 'skipped',
      accuracy: null,
      logLoss: null,
      foldAccuracy: [],
    };
    expect(selectHead([skipped, row('light', 1e-3, 0, [0.7, 0.8])], 2).winner.preset).toBe('light');
    expect(() => selectHead([skipped], 2)).toThrow(/no candidate/);
  });
});
