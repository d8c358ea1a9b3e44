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

describe('head selection (best preset; one-standard-error rule within it)', () => {
  it('standard error: sd of the fold accuracies over √folds; none for one fold', () => {
    expect(standardError([0.8, 0.9, 0.8, 0.9], 4)).toBeCloseTo(Math.sqrt(1 / 300) / 2, 10);
    expect(standardError([0.8], 5)).toBe(0);
  });

  it('keeps the best preset even when another is within one standard error', () => {
    const rows = [
      row('light', 1e-3, 0, [0.95, 0.85, 0.9, 0.8, 0.95]), // 0.89, SE ≈ 0.029
      row('linear', 1e-3, 0, [0.9, 0.85, 0.85, 0.85, 0.9]), // 0.87: within, but another preset
    ];
    const s = selectHead(rows, 5);
    expect(s.best.id).toBe('light lr=0.001 l2=0');
    expect(s.winner.id).toBe('light lr=0.001 l2=0');
    expect(s.bar).toBeCloseTo(0.89 - s.best.standardError, 6);
  });

  it('a more regularised candidate of the best preset outside one SE is not chosen', () => {
    const rows = [
      row('light', 1e-3, 0, [0.9, 0.9, 0.91, 0.9, 0.89]),
      row('light', 1e-3, 1e-2, [0.8, 0.82, 0.8, 0.81, 0.8]),
    ];
    expect(selectHead(rows, 5).winner.id).toBe('light lr=0.001 l2=0');
  });

  it('within one preset prefers the stronger L2, then higher accuracy, then lower log loss', () => {
    const rows = [
      row('light', 1e-3, 0, [0.95, 0.85, 0.92, 0.88, 0.9]), // 0.90, SE ≈ 0.017
      row('light', 3e-3, 1e-2, [0.88, 0.86, 0.9, 0.88, 0.9]),
      row('light', 1e-3, 1e-2, [0.9, 0.86, 0.9, 0.88, 0.9]),
    ];
    expect(selectHead(rows, 5).winner.id).toBe('light lr=0.001 l2=0.01');
    const tie = [row('light', 1e-3, 0, [0.9, 0.9], 0.4), row('light', 3e-3, 0, [0.9, 0.9], 0.3)];
    expect(selectHead(tie, 2).winner.id).toBe('light lr=0.003 l2=0');
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
