import type { EpochMetrics, Phase } from '@shared/engine-events';

/** What a training loop knows at the end of an epoch (both loops: the tfjs one and the fast head). */
export interface EpochTally {
  phase: Phase;
  /** Epoch within the phase (1-based) and the phase's epoch count; `epochOffset` places it on the run. */
  epoch: number;
  epochs: number;
  epochOffset: number;
  /** The phase's first epoch in this process (after a resume, not 1): the ETA counts from it. */
  firstEpoch: number;
  lossSum: number;
  correct: number;
  count: number;
  val: { loss: number; acc: number } | null;
  learningRate: number;
  /** Date.now() at the phase's and the epoch's start. */
  started: number;
  epochStart: number;
  isBest: boolean;
}

/** The epoch event's metrics, computed one way for every loop. */
export function epochMetrics(t: EpochTally): EpochMetrics {
  const elapsedMs = Date.now() - t.started;
  return {
    phase: t.phase,
    epoch: t.epoch + t.epochOffset,
    epochs: t.epochs + t.epochOffset,
    loss: t.lossSum / t.count,
    acc: t.correct / t.count,
    valLoss: t.val?.loss ?? null,
    valAcc: t.val?.acc ?? null,
    lr: t.learningRate,
    imagesPerSec: t.count / Math.max(1e-3, (Date.now() - t.epochStart) / 1000),
    elapsedMs,
    etaMs: Math.round((elapsedMs / (t.epoch - t.firstEpoch + 1)) * (t.epochs - t.epoch)),
    best: t.isBest,
  };
}
