/**
 * `--head auto` (the default head): k-fold cross-validation on the training split over a small grid
 * (head presets × learning rate × L2), cheapest first, repeated with two seeds on small datasets; its
 * cost is bounded (cv-budget.ts: fewer folds and repeats, then a stratified sample, as the dataset
 * grows). Returns the table and the winner: the candidate with the lowest mean out-of-fold log loss
 * (head-select.ts). Each fit is scored as a run is: its held-out fold is also its validation set (early
 * stopping and "restore best" on its loss, as a run does on the val split), so a fast learning rate is
 * not judged by its noisy last epoch, which a run never keeps. The score still comes from the training
 * split alone. Candidates over a counted work limit are skipped and reported; an optional wall-clock
 * budget too.
 */
import { HEAD_PRESETS, HeadSpec, type HeadPresetId } from '@shared/head';
import type { HeadAutoResult, HeadCandidate, HeadCvRow } from '@shared/quality';
import { inferHead } from '@shared/head-shape';
import { repeatedFolds } from './folds';
import { crossValidate, type CvData, type CvTrainSettings } from './cross-val';
import { selectHead } from './head-select';
import { DEFAULT_CV_BUDGET, planCv, stratifiedSample, type CvBudget } from './cv-budget';

export interface GridAxes {
  presets: HeadPresetId[];
  learningRates: number[];
  /** Applied to every hidden Dense layer; a preset without one (`linear`) is tried once per rate. */
  l2: number[];
}

/**
 * Learning rates from 1e-3: ten epochs over a few hundred images is too few steps for less (the linear
 * probe at 3e-4 scored 0.55–0.84 out of fold on hymenoptera, and with fits scored as runs are, 3e-4
 * never won for `light` over seeds 1–6). L2 up to
 * 3e-2: the strongest value was often within one SE of the best (bench/head-auto-grid.bench.ts).
 */
export const DEFAULT_GRID: GridAxes = {
  presets: ['linear', 'light', 'keras'],
  learningRates: [1e-3, 3e-3, 1e-2],
  l2: [0, 1e-2, 3e-2],
};

/**
 * Candidates costing more than this many times the grid's cheapest are skipped by default (and reported).
 * Cost is counted, not clocked, so a busy machine never changes the table. Small heads on pooled vectors
 * cost about the same (per-step overhead dominates: counted as at least OVERHEAD_PARAMS parameters); the
 * Flatten `keras` preset is ~13× that on MobileNet v1-0.25 (one 5-fold pass at its own lr took 60–85 s
 * on 2 busy cores and scored 0.857–0.874 out of fold, no better than `light`'s) and ~64× on
 * MobileNetV2-0.35, so by default it is left out rather than turning seconds into minutes.
 */
export const DEFAULT_MAX_RELATIVE_WORK = 8;
const OVERHEAD_PARAMS = 250_000;

export function headGrid(axes: GridAxes = DEFAULT_GRID): HeadCandidate[] {
  const out: HeadCandidate[] = [];
  for (const preset of axes.presets) {
    const base = HeadSpec.parse(HEAD_PRESETS[preset]);
    const hasDense = base.layers.some((l) => l.type === 'dense');
    for (const learningRate of axes.learningRates)
      for (const l2 of hasDense ? axes.l2 : [0]) {
        const head: HeadSpec = {
          layers: base.layers.map((l) => (l.type === 'dense' ? { ...l, l2: l2 || undefined } : l)),
        };
        out.push({ id: `${preset} lr=${learningRate} l2=${l2}`, preset, learningRate, l2, head });
      }
  }
  return out;
}

export interface AutoHeadOptions {
  data: CvData;
  settings: CvTrainSettings;
  grid?: HeadCandidate[];
  /**
   * Folds and repeats of the k-fold split (other seeds, averaged: steadier, proportionally slower).
   * Default: the steadiest scheme the budget affords (cv-budget.ts; 5 × 2 on a few hundred images).
   */
  folds?: number;
  repeats?: number;
  /** The cost bound (DEFAULT_CV_BUDGET): past it, candidates are ranked on a stratified sample. */
  budget?: Partial<CvBudget>;
  /** Skip candidates over this multiple of the cheapest one's work (DEFAULT_MAX_RELATIVE_WORK). */
  maxRelativeWork?: number;
  /**
   * Score each fit as a run trains (held-out fold as its validation set: early stopping, restore best).
   * Default true; false trains every fit for exactly `epochs` epochs.
   */
  heldOutAsValidation?: boolean;
  /** Wall-clock cap: candidates that no longer fit are stopped and reported skipped. Default: none. */
  budgetMs?: number;
  signal?: AbortSignal;
  onRow?: (row: HeadCvRow, done: number, total: number) => void;
}

/** Trainable parameters (at least OVERHEAD_PARAMS) × training images × epochs × fits. */
export function workOf(c: HeadCandidate, data: CvData, epochs: number, fits: number): number {
  const info = inferHead(c.head, data.featureShape, data.numClasses);
  return Math.max(OVERHEAD_PARAMS, info.trainableParams) * data.items.length * epochs * fits;
}

export async function autoHead(o: AutoHeadOptions): Promise<HeadAutoResult> {
  const t0 = Date.now();
  const grid = o.grid ?? headGrid();
  if (grid.length === 0) throw new Error('head auto: empty grid');
  const n = o.data.items.length;
  // Cheapest first: when the budget runs out, what is left is what would have taken longest.
  const order = grid
    .map((c, i) => ({ c, i, work: workOf(c, o.data, o.settings.epochs, 1) }))
    .sort((a, b) => a.work - b.work || a.i - b.i);
  const limit = o.maxRelativeWork ?? DEFAULT_MAX_RELATIVE_WORK;
  const skip = (c: HeadCandidate, work: number): string | null =>
    !o.data.supports(c.head)
      ? 'needs full feature maps (only pooled vectors are stored)'
      : work > order[0].work * limit
        ? `${(work / order[0].work).toFixed(0)}× the work of the cheapest candidate (limit ${limit}×)`
        : null;
  const relativeWork = order.reduce((a, { c, work }) => a + (skip(c, work) ? 0 : work / order[0].work), 0);
  const budget = { ...DEFAULT_CV_BUDGET, ...o.budget };
  const plan = planCv(n, relativeWork, budget, { folds: o.folds, repeats: o.repeats });
  // Past the budget: rank on a sample (the run then trains the winner on every vector).
  const sample =
    plan.vectors < n
      ? stratifiedSample(o.data.labels, o.data.groupKeys, plan.vectors, o.settings.seed)
      : null;
  const data = sample ? o.data.subset(sample) : o.data;
  const splits = repeatedFolds(data.labels, data.groupKeys, plan.folds, plan.repeats, o.settings.seed);
  const k = Math.max(...splits[0]) + 1;
  const budgetMs = o.budgetMs ?? Infinity;
  const rows: HeadCvRow[] = new Array(grid.length);
  let done = 0;
  const fits = { count: 0 };
  for (const { c, i, work } of order) {
    const reason = skip(c, work);
    rows[i] = reason
      ? skippedRow(c, reason)
      : await runCandidate({ ...o, data }, c, splits, budgetMs - (Date.now() - t0), fits);
    o.onRow?.(rows[i], ++done, grid.length);
  }
  const pick = selectHead(rows, k);
  return {
    folds: k,
    repeats: plan.repeats,
    rows,
    winner: pick.winner,
    best: pick.best,
    sample: { vectors: data.items.length, of: n, fits: fits.count },
    ms: Date.now() - t0,
  };
}

function skippedRow(c: HeadCandidate, reason: string): HeadCvRow {
  return { candidate: c, status: 'skipped', reason, accuracy: null, logLoss: null, foldAccuracy: [], ms: 0 };
}

/** The run configuration that trains the winner (same settings otherwise). */
export function withWinner<T extends object>(
  config: T,
  winner: HeadCandidate,
): T & { head: HeadSpec; learningRate: number } {
  return { ...config, head: winner.head, learningRate: winner.learningRate };
}

/**
 * Cross-validate one candidate within the remaining budget: it stops (between batches) when the budget
 * is spent, or after its first fold when the projected total would not fit, and is reported skipped.
 */
async function runCandidate(
  o: AutoHeadOptions,
  c: HeadCandidate,
  splits: Int32Array[],
  remainingMs: number,
  fits: { count: number },
): Promise<HeadCvRow> {
  const skipped = (reason: string) => skippedRow(c, reason);
  if (remainingMs <= 0) return skipped('the time budget was spent');
  const stop = new AbortController();
  const onOuter = () => stop.abort();
  o.signal?.addEventListener('abort', onOuter);
  const timer = Number.isFinite(remainingMs) ? setTimeout(() => stop.abort(), remainingMs) : null;
  const t = Date.now();
  let projected = 0;
  const totalFolds = splits.reduce((a, f) => a + Math.max(...f) + 1, 0);
  let foldsDone = 0;
  try {
    let accuracy = 0;
    let logLoss = 0;
    const foldAccuracy: number[] = [];
    for (const fold of splits) {
      const r = await crossValidate({
        data: o.data,
        head: c.head,
        settings: { ...o.settings, learningRate: c.learningRate },
        folds: Math.max(...fold) + 1,
        fold,
        heldOutAsValidation: o.heldOutAsValidation ?? true,
        signal: stop.signal,
        onFold: () => {
          fits.count++;
          projected = ((Date.now() - t) / ++foldsDone) * totalFolds;
          if (projected > remainingMs) stop.abort();
        },
      });
      accuracy += r.accuracy / splits.length;
      logLoss += r.logLoss / splits.length;
      foldAccuracy.push(...r.foldAccuracy);
    }
    return { candidate: c, status: 'done', accuracy, logLoss, foldAccuracy, ms: Date.now() - t };
  } catch (e) {
    if (o.signal?.aborted || !stop.signal.aborted) throw e;
    return skipped(
      projected
        ? `projected ${(projected / 1000).toFixed(0)} s, over the remaining ${(remainingMs / 1000).toFixed(0)} s of the budget`
        : `over the remaining ${(remainingMs / 1000).toFixed(0)} s of the budget`,
    );
  } finally {
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', onOuter);
  }
}

/** The lowest-log-loss choice among the done rows (head-select.ts). */
export function pickWinner(rows: HeadCvRow[], folds = 5): HeadCandidate {
  return selectHead(rows, folds).winner;
}
