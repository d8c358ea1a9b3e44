import type { TrainConfig } from '@shared/train';

/** The best epoch so far and a copy of the weights it ended with (tensors or plain arrays). */
export interface Best<W> {
  /** Epoch on the run's timeline (with the phase's offset). */
  epoch: number;
  /** The monitored value: validation loss, or training loss without a validation set. */
  valLoss: number;
  weights: W;
}

/**
 * Early stopping and "restore best", one way for both training loops (train/loop.ts over tfjs
 * tensors, train/fast-head.ts over arrays): which epoch is best, when patience runs out, and whether
 * the phase ends on the best weights. `release` frees a snapshot that is replaced or no longer needed.
 */
export class BestWeights<W> {
  best: Best<W> | null;
  sinceBest: number;
  private readonly patience: number;

  constructor(
    private readonly config: Pick<TrainConfig, 'earlyStopping'>,
    resume: { best: Best<W> | null; sinceBest: number } | null,
    private readonly release: (weights: W) => void = () => undefined,
  ) {
    this.best = resume?.best ?? null;
    this.sinceBest = resume?.sinceBest ?? 0;
    this.patience = config.earlyStopping?.patience ?? Infinity;
  }

  /** Patience has run out (also true for a checkpoint taken at the epoch that triggered it). */
  get exhausted(): boolean {
    return this.sinceBest >= this.patience;
  }

  /** An epoch's monitored value (lower is better); snapshots the weights when it is the best so far. */
  observe(epoch: number, monitor: number, snapshot: () => W): boolean {
    const isBest = !this.best || monitor < this.best.valLoss;
    if (isBest) {
      if (this.best) this.release(this.best.weights);
      this.best = { epoch, valLoss: monitor, weights: snapshot() };
      this.sinceBest = 0;
    } else this.sinceBest++;
    return isBest;
  }

  /**
   * The best weights to end the phase on, or null to keep the last ones: always after a stop, after an
   * early stop unless `restoreBest` is off, otherwise when `restoreBest` is on.
   */
  toRestore(stopped: boolean, earlyStopped: boolean): W | null {
    const restore =
      stopped ||
      (earlyStopped && (this.config.earlyStopping?.restoreBest ?? true)) ||
      this.config.earlyStopping?.restoreBest;
    return restore && this.best ? this.best.weights : null;
  }

  /** Frees the snapshot (at the end of the phase). */
  dispose(): void {
    if (this.best) this.release(this.best.weights);
  }
}
