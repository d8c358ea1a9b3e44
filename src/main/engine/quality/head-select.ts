/**
 * Which cross-validated head to train. The preset is the one with the best mean out-of-fold accuracy
 * (ties: lower log loss); within it, the one-standard-error rule picks the hyperparameters: among that
 * preset's candidates within one standard error of its best, the most regularised (larger L2), then the
 * most accurate, then the lower log loss. On a few hundred images neighbouring grid points differ by
 * less than their fold-to-fold noise, so the stronger L2 is the safer bet. The rule is not applied across
 * presets: "the simplest preset within one SE" chose the linear probe on MobileNet v1-0.25 (CV 0.853 vs
 * light's 0.869, SE 0.026), which then scored 0.797 on val against light's 0.837.
 */
import type { HeadCandidate, HeadCvRow } from '@shared/quality';

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
  /** The best mean accuracy (its preset is the winner's) and the bar (best − its SE) the winner cleared. */
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
  const band = done.filter((r) => r.candidate.preset === top.candidate.preset && r.accuracy! >= bar);
  band.sort(
    (a, b) => b.candidate.l2 - a.candidate.l2 || b.accuracy! - a.accuracy! || a.logLoss! - b.logLoss!,
  );
  return {
    winner: band[0].candidate,
    best: { id: top.candidate.id, accuracy: top.accuracy!, standardError: se },
    bar,
  };
}
