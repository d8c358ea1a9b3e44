/**
 * A run's state, folded from engine events by one pure reducer. Main's run registry and the
 * renderer's runs state both use it, so a run looks the same in the history file, in main and on
 * screen. Derived values (best epoch, where fine-tuning began, what to show for progress and ETA) are
 * computed here too.
 */
import type { BatchEvent, BatchMetrics, EngineEvent, EpochMetrics } from './engine-events';
import type { BatchPoint, RunRecord } from './ipc/run-record';
import type { TrainConfig } from './train';

/** Batch points kept per run: beyond it, every other point is dropped (the line keeps its shape). */
export const MAX_BATCH_POINTS = 600;

/**
 * Append a batch point, keeping the line evenly sampled and bounded: when it outgrows `cap`, every other
 * point goes, and from then on a new point is taken only once it is as far along as the kept spacing
 * (so old and new parts of the run keep the same density and the start is never lost).
 */
export function appendBatchPoint(points: BatchPoint[], p: BatchPoint, cap = MAX_BATCH_POINTS): BatchPoint[] {
  const n = points.length;
  if (n >= cap / 2) {
    const spacing = (points[n - 1].x - points[0].x) / (n - 1);
    if (p.x - points[n - 1].x < spacing * 0.75) return points;
  }
  const next = [...points, p];
  return next.length > cap ? next.filter((_, i) => i % 2 === 0 || i === next.length - 1) : next;
}

/** A batch's place on the epoch axis: epoch − 1 + batch / batches. */
export const batchX = (b: Pick<BatchMetrics, 'epoch' | 'batch' | 'batches'>) =>
  b.epoch - 1 + b.batch / b.batches;

/** Where fine-tuning begins on the epoch axis, once a fine-tune batch or epoch has been seen. */
function fineTuneStart(
  run: Pick<RunRecord, 'fineTuneStart'>,
  m: Pick<EpochMetrics, 'phase' | 'epoch'>,
): number | null {
  return run.fineTuneStart ?? (m.phase === 'fine-tune' ? m.epoch - 1 : null);
}

/**
 * One engine event folded into a run. Pure; returns `run` itself when nothing changed. Idempotent for
 * points the run already has (a record reloaded from main may already hold them).
 */
export function applyEngineEvent<R extends RunRecord>(run: R, e: EngineEvent): R {
  switch (e.type) {
    case 'stage': {
      const stage = { stage: e.stage, done: e.done, total: e.total };
      // After a stop, evaluation starting means the training loop has ended: the run is stopped.
      const status = run.status === 'stopping' && e.stage === 'evaluate' ? 'stopped' : run.status;
      return { ...run, stage, status };
    }
    case 'batch': {
      const x = batchX(e);
      const last = run.batches.at(-1);
      if (last && last.x >= x) return run;
      return {
        ...run,
        batches: appendBatchPoint(run.batches, { x, phase: e.phase, loss: e.loss, acc: e.acc }),
        fineTuneStart: fineTuneStart(run, e),
      };
    }
    case 'epoch': {
      if (run.epochs.some((p) => p.epoch === e.epoch)) return run;
      const { type: _type, jobId: _jobId, ...metrics } = e;
      return { ...run, epochs: [...run.epochs, metrics], fineTuneStart: fineTuneStart(run, e) };
    }
    default:
      return run;
  }
}

/** Several events folded in order. */
export const applyEngineEvents = <R extends RunRecord>(run: R, events: readonly EngineEvent[]): R =>
  events.reduce<R>(applyEngineEvent, run);

// ---------- derived values ----------

/** Epochs a configuration plans: the head phase plus fine-tuning. */
export const plannedEpochs = (c: Pick<TrainConfig, 'epochs' | 'fineTune'>) =>
  c.epochs + (c.fineTune ? c.fineTune.epochs : 0);

/** The epoch whose weights a run keeps (lowest validation loss so far), or undefined before any. */
export const bestEpoch = (run: Pick<RunRecord, 'epochs'>): EpochMetrics | undefined =>
  run.epochs.filter((e) => e.best).at(-1);

/** Validation accuracy of the run's model: the evaluated one, else the best epoch's. */
export function runAccuracy(run: Pick<RunRecord, 'summary' | 'epochs'>): number | null {
  if (run.summary?.accuracy !== undefined && run.summary?.accuracy !== null) return run.summary.accuracy;
  const accs = run.epochs.map((e) => e.valAcc).filter((a): a is number => a !== null);
  return accs.length ? Math.max(...accs) : null;
}

export interface RunProgress {
  /** The epoch being trained (the latest batch's) or the last finished one; 0 before any. */
  epoch: number;
  /** Batch within that epoch, while one is being trained. */
  batch: { batch: number; batches: number } | null;
  planned: number;
  imagesPerSec: number | null;
  /** The learning rate last reported (null before any batch or epoch). */
  learningRate: number | null;
  /** Time left, as the engine estimates it from throughput so far (null when not training). */
  etaMs: number | null;
}

/** Where a run stands, from its latest batch report (while training) or its last epoch. */
export function runProgress(run: RunRecord, lastBatch: BatchEvent | null): RunProgress {
  const live = run.status === 'running' || run.status === 'stopping';
  const batch = live && lastBatch?.jobId === run.id ? lastBatch : null;
  const last = run.epochs.at(-1);
  return {
    epoch: batch?.epoch ?? last?.epoch ?? 0,
    batch: batch && { batch: batch.batch, batches: batch.batches },
    planned: plannedEpochs(run.config),
    imagesPerSec: batch?.imagesPerSec ?? last?.imagesPerSec ?? null,
    learningRate: batch?.lr ?? last?.lr ?? null,
    etaMs: batch ? batch.etaMs : null,
  };
}
