/**
 * Which cross-validated head to train: the candidate with the lowest mean out-of-fold log loss (ties:
 * higher accuracy, then the stronger L2). Log loss is a proper scoring rule and what a run itself
 * early-stops on; accuracy on a few hundred held-out images moves in steps of one image and ties often.
 * It replaced "the best preset by accuracy, at its most regularised setting within one standard error",
 * which on hymenoptera with MobileNet v1-0.25 at seed 42 picked `linear lr=0.01` (CV accuracy 0.878 vs
 * 0.873 for `light lr=0.01 l2=0.03`, but log loss 0.337 vs 0.320) and scored 0.817 on val, against
 * 0.850 now. Mean val accuracy, old → new (README): v1-0.25 given split (7 seeds) 0.859 → 0.866,
 * resplits (seeds 42, 1) 0.861 → 0.874 and 0.867 → 0.875; v2-0.35, level within noise: 0.901 → 0.904,
 * 0.905 → 0.907 and 0.914 → 0.905.
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
  /** The winner's scores: mean out-of-fold log loss, accuracy and the accuracy's standard error. */
  best: { id: string; accuracy: number; standardError: number; logLoss: number };
}

const EPS = 1e-9;

export function selectHead(rows: readonly HeadCvRow[], folds: number): Selection {
  const done = rows.filter(
    (r): r is HeadCvRow & { accuracy: number; logLoss: number } =>
      r.status === 'done' && r.accuracy !== null && r.logLoss !== null && Number.isFinite(r.logLoss),
  );
  if (done.length === 0) throw new Error('head auto: no candidate fitted in the budget');
  const better = (a: (typeof done)[number], b: (typeof done)[number]): boolean =>
    a.logLoss < b.logLoss - EPS ||
    (Math.abs(a.logLoss - b.logLoss) <= EPS &&
      (a.accuracy > b.accuracy + EPS ||
        (Math.abs(a.accuracy - b.accuracy) <= EPS && a.candidate.l2 > b.candidate.l2)));
  const top = done.reduce((a, b) => (better(b, a) ? b : a));
  return {
    winner: top.candidate,
    best: {
      id: top.candidate.id,
      accuracy: top.accuracy,
      standardError: standardError(top.foldAccuracy, folds),
      logLoss: top.logLoss,
    },
  };
}
