import type { EngineEvent, EpochMetrics, Phase } from '@shared/engine-events';

export interface EpochReportOptions {
  jobId: string;
  phase: Phase;
  /** The phase's epoch count; `epochOffset` places its epochs on the run's timeline. */
  epochs: number;
  epochOffset: number;
  /** The phase's first epoch in this process (after a resume, not 1): the ETA counts from it. */
  firstEpoch: number;
  trainSize: number;
  batches: number;
  learningRate: number;
  /** The run's history: each finished epoch's metrics are pushed onto it. */
  history: EpochMetrics[];
  onEvent?: (e: EngineEvent) => void;
}

/**
 * What both training loops (the tfjs one and the fast head) report, computed one way: a batch event per
 * step (running rate, ETA) and each finished epoch's metrics, pushed onto the history and emitted.
 */
export class EpochReport {
  private readonly started = Date.now();
  private seen = 0;
  private epoch = 0;
  private epochStart = 0;
  private lossSum = 0;
  private correct = 0;
  /** Samples of the current epoch so far. */
  count = 0;

  constructor(private readonly o: EpochReportOptions) {}

  /** Epoch `epoch` of the phase (1-based) starts. */
  begin(epoch: number): void {
    this.epoch = epoch;
    this.epochStart = Date.now();
    this.lossSum = 0;
    this.correct = 0;
    this.count = 0;
  }

  /** Step `b` (0-based) trained `n` samples with mean loss `loss`, `correct` of them right. */
  batch(b: number, n: number, loss: number, correct: number): void {
    const o = this.o;
    this.lossSum += loss * n;
    this.correct += correct;
    this.count += n;
    this.seen += n;
    const elapsedMs = Date.now() - this.started;
    const remaining = (o.epochs - this.epoch) * o.trainSize + (o.trainSize - this.count);
    o.onEvent?.({
      type: 'batch',
      jobId: o.jobId,
      phase: o.phase,
      epoch: this.epoch + o.epochOffset,
      batch: b + 1,
      batches: o.batches,
      loss,
      acc: correct / n,
      lr: o.learningRate,
      imagesPerSec: this.count / Math.max(1e-3, (Date.now() - this.epochStart) / 1000),
      elapsedMs,
      etaMs: Math.round((remaining / Math.max(1, this.seen)) * elapsedMs),
    });
  }

  /**
   * The epoch is complete: `observe` is told the loss "best" is judged by (validation loss, else the
   * training loss) and says whether this epoch is the best so far.
   */
  end(
    val: { loss: number; acc: number } | null,
    observe: (epoch: number, loss: number) => boolean,
  ): EpochMetrics {
    const o = this.o;
    const epoch = this.epoch;
    const best = observe(epoch + o.epochOffset, val ? val.loss : this.lossSum / this.count);
    const elapsedMs = Date.now() - this.started;
    const m: EpochMetrics = {
      phase: o.phase,
      epoch: epoch + o.epochOffset,
      epochs: o.epochs + o.epochOffset,
      loss: this.lossSum / this.count,
      acc: this.correct / this.count,
      valLoss: val?.loss ?? null,
      valAcc: val?.acc ?? null,
      lr: o.learningRate,
      imagesPerSec: this.count / Math.max(1e-3, (Date.now() - this.epochStart) / 1000),
      elapsedMs,
      etaMs: Math.round((elapsedMs / (epoch - o.firstEpoch + 1)) * (o.epochs - epoch)),
      best,
    };
    o.history.push(m);
    o.onEvent?.({ type: 'epoch', jobId: o.jobId, ...m });
    return m;
  }
}
