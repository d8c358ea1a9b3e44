import type { HeadSpec } from '@shared/head';
import type { LabelReview, LabelSuspect } from '@shared/quality';
import { crossValidate, type CvData, type CvTrainSettings } from './cross-val';
import { repeatSeed, repeatedFolds } from './folds';

export interface RankInput {
  /** Out-of-sample probabilities, row-major [n × classes]. */
  probs: Float32Array;
  labels: ArrayLike<number>;
  items: readonly { contentHash: string; rel: string; path: string }[];
  classes: readonly string[];
  /** Content hashes the user confirmed (left out of the queue). */
  kept?: Iterable<string>;
  /** Longest queue returned (default: every image). */
  limit?: number;
}

/**
 * Confident-learning ranking (Northcutt et al., "Confident Learning", 2021): class j's threshold t_j is
 * the average self-confidence p_j(x) over the images labelled j. An image is flagged when its label's
 * probability is under its class's threshold while another class reaches its own (the confident joint's
 * off-diagonal). The queue ranks every image by the threshold-normalised margin
 * p_y/t_y − max_{k≠y} p_k/t_k, lowest (most likely wrong) first; normalising by t keeps a class the model
 * is generally unsure about from filling the queue.
 */
export function rankLabelIssues(o: RankInput): Omit<LabelReview, 'cv'> {
  const n = o.labels.length;
  const C = o.classes.length;
  if (o.probs.length !== n * C) throw new Error(`probabilities: expected ${n} × ${C}`);
  const sum = new Float64Array(C);
  const count = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    sum[o.labels[i]] += o.probs[i * C + o.labels[i]];
    count[o.labels[i]]++;
  }
  // A class with no images gets threshold 1: nothing can be confidently predicted into it.
  const thresholds = Array.from(sum, (s, j) => (count[j] ? s / count[j] : 1));
  const kept = new Set(o.kept ?? []);
  const queue: LabelSuspect[] = [];
  let flagged = 0;
  for (let i = 0; i < n; i++) {
    const row = o.probs.subarray(i * C, (i + 1) * C);
    const y = o.labels[i];
    let suggested = -1;
    let bestOther = -Infinity;
    let confident = -1;
    for (let k = 0; k < C; k++) {
      const r = row[k] / Math.max(thresholds[k], 1e-6);
      if (k !== y && r > bestOther) {
        bestOther = r;
        suggested = k;
      }
      if (row[k] >= thresholds[k] && (confident < 0 || row[k] > row[confident])) confident = k;
    }
    const isFlagged = confident >= 0 && confident !== y;
    if (isFlagged) flagged++;
    if (kept.has(o.items[i].contentHash)) continue;
    queue.push({
      contentHash: o.items[i].contentHash,
      rel: o.items[i].rel,
      path: o.items[i].path,
      label: y,
      suggested,
      probabilities: Array.from(row),
      score: row[y] / Math.max(thresholds[y], 1e-6) - bestOther,
      flagged: isFlagged,
    });
  }
  queue.sort((a, b) => a.score - b.score || (a.rel < b.rel ? -1 : 1));
  return {
    classes: [...o.classes],
    thresholds,
    queue: o.limit !== undefined ? queue.slice(0, o.limit) : queue,
    flagged,
  };
}

export interface ReviewOptions {
  /** Training images only: held-out images must not vouch for their own labels. */
  data: CvData;
  classes: readonly string[];
  head: HeadSpec;
  settings: CvTrainSettings;
  folds?: number;
  /** k-fold passes with different splits and seeds, probabilities averaged (default: REVIEW_REPEATS up
   * to REVIEW_REPEAT_MAX_N training images, else 1). */
  repeats?: number;
  kept?: Iterable<string>;
  limit?: number;
  signal?: AbortSignal;
  onFold?: (done: number, total: number) => void;
}

/**
 * One k-fold split of ~200 images moves a borderline image's out-of-fold probability by a lot (its fold's
 * model saw different neighbours): averaging three splits keeps the queue's order from hanging on one draw.
 * Larger sets train steadier fold models and each pass costs more: one split beyond REVIEW_REPEAT_MAX_N.
 */
export const REVIEW_REPEATS = 3;
export const REVIEW_REPEAT_MAX_N = 2000;

/** "Review labels": out-of-fold probabilities for every training image, then the ranked queue. */
export async function reviewLabels(o: ReviewOptions): Promise<LabelReview> {
  const folds = o.folds ?? 5;
  const n = o.data.labels.length;
  const repeats = o.repeats ?? (n <= REVIEW_REPEAT_MAX_N ? REVIEW_REPEATS : 1);
  const probs = new Float32Array(n * o.classes.length);
  let accuracy = 0;
  let logLoss = 0;
  let ms = 0;
  const splits = repeatedFolds(o.data.labels, o.data.groupKeys, folds, repeats, o.settings.seed);
  for (const [r, fold] of splits.entries()) {
    // The first pass is the plain k-fold of the run's seed; later ones re-split and re-initialise.
    const k = Math.max(...fold) + 1;
    const cv = await crossValidate({
      data: o.data,
      head: o.head,
      settings: { ...o.settings, seed: repeatSeed(o.settings.seed, r) },
      folds: k,
      fold,
      signal: o.signal,
      onFold: o.onFold && ((done) => o.onFold!(r * k + done, repeats * k)),
    });
    for (let i = 0; i < probs.length; i++) probs[i] += cv.probs[i] / repeats;
    accuracy += cv.accuracy / repeats;
    logLoss += cv.logLoss / repeats;
    ms += cv.ms;
  }
  const ranked = rankLabelIssues({
    probs,
    labels: o.data.labels,
    items: o.data.items.map((it) => ({ contentHash: it.hash, rel: it.file.rel, path: it.file.path })),
    classes: o.classes,
    kept: o.kept,
    limit: o.limit,
  });
  return { ...ranked, cv: { folds, repeats, accuracy, logLoss, ms } };
}
