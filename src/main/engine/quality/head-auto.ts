/**
 * `--head auto`: k-fold cross-validation on the training split over a small grid (head presets ×
 * learning rate × L2), cheapest first, under a time budget; returns the table and the winner.
 */
import { HEAD_PRESETS, HeadSpec, type HeadPresetId } from '../../../shared/head';
import type { HeadAutoResult, HeadCandidate, HeadCvRow } from '../../../shared/quality';
import { inferHead } from '../../../shared/head-shape';
import { stratifiedGroupFolds } from './folds';
import { crossValidate, type CvData, type CvTrainSettings } from './cross-val';

export interface GridAxes {
  presets: HeadPresetId[];
  learningRates: number[];
  /** Applied to every hidden Dense layer; a preset without one (`linear`) is tried once per rate. */
  l2: number[];
}

export const DEFAULT_GRID: GridAxes = {
  presets: ['linear', 'light', 'keras'],
  learningRates: [1e-3, 3e-3, 1e-2],
  l2: [0, 1e-2],
};

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
  folds?: number;
  heldOutAsValidation?: boolean;
  /** Candidates whose estimated cost no longer fits are skipped (reported, never silently dropped). */
  budgetMs?: number;
  signal?: AbortSignal;
  onRow?: (row: HeadCvRow, done: number, total: number) => void;
}

/** Trainable parameters × training images: what one epoch of a head costs, up to a constant. */
function workOf(c: HeadCandidate, data: CvData): number {
  const info = inferHead(c.head, data.featureShape, data.numClasses);
  return Math.max(1, info.trainableParams) * data.items.length;
}

export async function autoHead(o: AutoHeadOptions): Promise<HeadAutoResult> {
  const t0 = Date.now();
  const grid = o.grid ?? headGrid();
  if (grid.length === 0) throw new Error('head auto: empty grid');
  const folds = o.folds ?? 5;
  const fold = stratifiedGroupFolds(o.data.labels, o.data.groupKeys, folds, o.settings.seed);
  const k = Math.max(...fold) + 1;
  const budget = o.budgetMs ?? Infinity;
  // Cheapest first: when the budget runs out, what is left is what would have taken longest.
  const order = grid
    .map((c, i) => ({ c, i, work: workOf(c, o.data) }))
    .sort((a, b) => a.work - b.work || a.i - b.i);
  const rows: HeadCvRow[] = new Array(grid.length);
  let done = 0;
  for (const { c, i } of order) {
    rows[i] = await runCandidate(o, c, fold, k, budget - (Date.now() - t0));
    o.onRow?.(rows[i], ++done, grid.length);
  }
  return { folds: k, rows, winner: pickWinner(rows), ms: Date.now() - t0 };
}

/**
 * Cross-validate one candidate within the remaining budget: it stops (between batches) when the budget
 * is spent, or after its first fold when the projected total would not fit, and is reported skipped.
 */
async function runCandidate(
  o: AutoHeadOptions,
  c: HeadCandidate,
  fold: Int32Array,
  k: number,
  remainingMs: number,
): Promise<HeadCvRow> {
  const skipped = (reason: string): HeadCvRow => ({
    candidate: c,
    status: 'skipped',
    reason,
    accuracy: null,
    logLoss: null,
    foldAccuracy: [],
    ms: 0,
  });
  if (remainingMs <= 0) return skipped('the time budget was spent');
  const stop = new AbortController();
  const onOuter = () => stop.abort();
  o.signal?.addEventListener('abort', onOuter);
  const timer = Number.isFinite(remainingMs) ? setTimeout(() => stop.abort(), remainingMs) : null;
  const t = Date.now();
  let projected = 0;
  try {
    const r = await crossValidate({
      data: o.data,
      head: c.head,
      settings: { ...o.settings, learningRate: c.learningRate },
      folds: k,
      fold,
      heldOutAsValidation: o.heldOutAsValidation,
      signal: stop.signal,
      onFold: (d, total) => {
        projected = ((Date.now() - t) / d) * total;
        if (projected > remainingMs) stop.abort();
      },
    });
    return {
      candidate: c,
      status: 'done',
      accuracy: r.accuracy,
      logLoss: r.logLoss,
      foldAccuracy: r.foldAccuracy,
      ms: r.ms,
    };
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

/** Highest cross-validated accuracy; ties to the lower log loss, then to the earlier (simpler) candidate. */
export function pickWinner(rows: HeadCvRow[]): HeadCandidate {
  let best: HeadCvRow | null = null;
  for (const r of rows) {
    if (r.status !== 'done' || r.accuracy === null) continue;
    if (
      !best ||
      r.accuracy > best.accuracy! + 1e-9 ||
      (Math.abs(r.accuracy - best.accuracy!) <= 1e-9 && r.logLoss! < best.logLoss!)
    )
      best = r;
  }
  if (!best) throw new Error('head auto: no candidate fitted in the budget');
  return best.candidate;
}
