/**
 * Which cross-validated head to train: the one-standard-error rule. On a few hundred images the CV
 * accuracies of neighbouring grid points differ by less than their own fold-to-fold noise, so "highest
 * mean" picks noise (on hymenoptera it picked a 0.869 light head where its val accuracy was the
 * preset's). Among the candidates whose mean accuracy is within one standard error of the best, take
 * the simplest (fewest hidden layers: linear < light < keras), then the most regularised (larger L2),
 * then the most accurate, then the lower log loss.
 */
import type { HeadCandidate, HeadCvRow } from '@shared/quality';

/** Simpler first; a preset not listed ranks after these. */
const SIMPLICITY = ['linear', 'light', 'keras'];

const simplicity = (c: HeadCandidate) => {
  const i = SIMPLICITY.indexOf(c.preset);
  return i < 0 ? SIMPLICITY.length : i;
};

/** Standard error of a candidate's mean accuracy: sd over its folds / √(folds of one k-fold). */
export function standardError(foldAccuracy: readonly number[], folds: number): number {
  const n = foldAccuracy.length;
  if (n < 2) return 0;
  const m = foldAccuracy.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(foldAccuracy.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
  return sd / Math.sqrt(Math.max(1, Math.min(folds, n)));
}

export interface Selection {
  winner: HeadCandidate;
  /** The best mean accuracy and the bar (best − its standard error) the winner cleared. */
  best: { id: string; accuracy: number; standardError: number };
  bar: number;
}

export function selectHead(rows: readonly HeadCvRow[], folds: number): Selection {
  const done = rows.filter((r) => r.status === 'done' && r.accuracy !== null && r.logLoss !== null);
  if (done.length === 0) throw new Error('head auto: no candidate fitted in the budget');
  const top = done.reduce((a, b) =>
    b.accuracy! > a.accuracy! + 1e-9 ||
    (Math.abs(b.accuracy! - a.accuracy!) <= 1e-9 && b.logLoss! < a.logLoss!)
      ? b
      : a,
  );
  const se = standardError(top.foldAccuracy, folds);
  const bar = top.accuracy! - se - 1e-9;
  const band = done.filter((r) => r.accuracy! >= bar);
  band.sort(
    (a, b) =>
      simplicity(a.candidate) - simplicity(b.candidate) ||
      b.candidate.l2 - a.candidate.l2 ||
      b.accuracy! - a.accuracy! ||
      a.logLoss! - b.logLoss!,
  );
  return {
    winner: band[0].candidate,
    best: { id: top.candidate.id, accuracy: top.accuracy!, standardError: se },
    bar,
  };
}
