import type { EngineEvent, EpochMetrics, Phase } from '@shared/engine-events';
import type { TrainConfig } from '@shared/train';
import { tf } from '../tf';
import { countCorrect, makeOptimizer, weightedCrossEntropy } from './loss';
import { restoreOptimizerScalars } from './optimizer-state';
import { BestWeights, type Best } from './best-weights';
import { EpochReport } from './epoch-report';

/** A source of batches: features (head phase) or images (fine-tune phase). */
export interface BatchSource {
  /** Number of training samples. */
  size: number;
  /** x for the given sample indices in this epoch; y are their labels. */
  batch(indices: number[], epoch: number): Promise<tf.Tensor>;
  labels: Int32Array;
}

export interface ValSource {
  size: number;
  labels: Int32Array;
  /** Probabilities for samples [start, end). */
  predict(start: number, end: number): Promise<tf.Tensor2D>;
  /** The input vectors of samples [start, end) into `out` (sources of pooled vectors; the fast head uses it). */
  rows?(start: number, end: number, out: Float32Array): Promise<Float32Array>;
}

export interface LoopOptions {
  jobId: string;
  phase: Phase;
  /** Forward pass to logits in training mode (dropout on; BatchNorm of a frozen base stays in inference mode). */
  forward: (x: tf.Tensor) => tf.Tensor2D;
  /** Extra loss terms (weight regularisation), computed inside the gradient tape. */
  regularization?: () => tf.Scalar | null;
  variables: tf.Variable[];
  /** Weights snapshotted for "restore best" and restored on stop. */
  snapshotWeights: tf.LayerVariable[];
  train: BatchSource;
  val: ValSource | null;
  config: Pick<TrainConfig, 'optimizer' | 'momentum' | 'batchSize' | 'earlyStopping'>;
  learningRate: number;
  epochs: number;
  /** Epoch numbering continues across phases, so charts show one timeline. */
  epochOffset: number;
  classWeights: number[] | null;
  shuffle: (n: number, epoch: number) => number[];
  signal?: AbortSignal;
  onEvent?: (e: EngineEvent) => void;
  /** Continue this phase from a checkpoint instead of from its first epoch. */
  resume?: LoopResume;
  /**
   * The weights the phase starts from compete for "best" as epoch `epoch` of the timeline: their
   * validation loss is measured before the first epoch, and a phase that never beats it ends on them
   * ("restore best" over the whole run). Fine-tuning passes the head's: on a small dataset it mostly
   * overfits what the head already fits, and then the run keeps the head (and the base) as they were.
   */
  startsFrom?: { epoch: number };
  /** After every completed epoch (its event sent, before an early stop ends the phase); awaited. */
  onEpochEnd?: (s: EpochEndState) => Promise<void> | void;
}

/** What checkpointing adds to a phase's loop (train/resume.ts `Checkpointer.hooks`). */
export type LoopHooks = Pick<LoopOptions, 'resume' | 'onEpochEnd'>;

/** What `tf.Optimizer.getWeights()` returns (iteration count, then its slot variables). */
export type OptimizerWeights = Awaited<ReturnType<tf.Optimizer['getWeights']>>;

/** The best epoch so far, with copies of `snapshotWeights` at that epoch. */
export type BestSoFar = Best<tf.Tensor[]>;

/** The loop's state at the end of a completed epoch: with the weights, all a resume needs. */
export interface LoopResume {
  /** Epochs of this phase completed (the loop continues with the next one). */
  epochs: number;
  /** This phase's history so far. */
  history: EpochMetrics[];
  /** The loop takes ownership of these tensors (and of `optimizer`'s). */
  best: BestSoFar | null;
  sinceBest: number;
  /** `optimizer.getWeights()` at the end of that epoch; null: a fresh optimizer. */
  optimizer: OptimizerWeights | null;
  /** `optimizerScalars(optimizer)` at the end of that epoch. */
  optimizerScalars?: Record<string, number>;
}

export interface EpochEndState {
  phase: Phase;
  /** Epochs of this phase completed. */
  epochs: number;
  history: readonly EpochMetrics[];
  best: Readonly<BestSoFar> | null;
  sinceBest: number;
  optimizer: tf.Optimizer;
  /** `snapshotWeights`, as they are now. */
  weights: readonly tf.LayerVariable[];
}

export interface LoopResult {
  history: EpochMetrics[];
  stopped: boolean;
  earlyStopped: boolean;
}

export async function evaluateLoss(
  val: ValSource,
  batchSize: number,
): Promise<{ loss: number; acc: number }> {
  let lossSum = 0;
  let correct = 0;
  for (let s = 0; s < val.size; s += batchSize) {
    const e = Math.min(val.size, s + batchSize);
    const probs = await val.predict(s, e);
    const labels = val.labels.subarray(s, e);
    const l = tf.tidy(() => weightedCrossEntropy(probs, tf.tensor1d(labels, 'int32'), null).dataSync()[0]);
    lossSum += l * (e - s);
    correct += countCorrect(probs, labels);
    probs.dispose();
  }
  return { loss: lossSum / Math.max(1, val.size), acc: correct / Math.max(1, val.size) };
}

/**
 * Yields to the event loop first, so a Stop message (or any other work of the process) gets through
 * between batches even when they come from memory without awaiting anything; then: was Stop asked?
 */
export async function stopAsked(signal: AbortSignal | undefined): Promise<boolean> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  return !!signal?.aborted;
}

/**
 * The training loop shared by both phases. Checks `signal` before every batch, so a stop takes effect
 * within one batch; on stop or early stop the best weights seen (lowest val loss) are restored.
 */
export async function trainLoop(o: LoopOptions): Promise<LoopResult> {
  const optimizer = makeOptimizer(o.config.optimizer, o.learningRate, o.config.momentum);
  const classWeights = o.classWeights ? tf.tensor1d(o.classWeights) : null;
  const history: EpochMetrics[] = [...(o.resume?.history ?? [])];
  const bs = o.config.batchSize;
  const batches = Math.ceil(o.train.size / bs);
  const tracker = new BestWeights<tf.Tensor[]>(o.config, o.resume ?? null, (ws) => tf.dispose(ws));
  let stopped = false;
  // A checkpoint taken at the epoch that triggered early stopping resumes straight to the end.
  let earlyStopped = tracker.exhausted;
  const firstEpoch = (o.resume?.epochs ?? 0) + 1;
  const report = new EpochReport({ ...o, firstEpoch, trainSize: o.train.size, batches, history });
  if (o.resume?.optimizer) {
    await optimizer.setWeights(o.resume.optimizer);
    tf.dispose(o.resume.optimizer.map((w) => w.tensor)); // the optimizer made its own variables of them
    restoreOptimizerScalars(optimizer, o.resume.optimizerScalars ?? {});
  }

  const snapshot = () => o.snapshotWeights.map((w) => tf.keep(w.read().clone()));
  const restore = (ws: tf.Tensor[]) => o.snapshotWeights.forEach((w, i) => w.write(ws[i]));

  try {
    // A resumed phase has it in its checkpoint's best already. Without validation "best" is judged by the
    // training loss, which the starting weights have no comparable value of.
    if (o.startsFrom && !o.resume && o.val && o.val.size > 0) {
      const start = await evaluateLoss(o.val, Math.max(bs, 64));
      tracker.observe(o.startsFrom.epoch, start.loss, snapshot);
    }
    for (let epoch = firstEpoch; epoch <= o.epochs && !stopped && !earlyStopped; epoch++) {
      const order = o.shuffle(o.train.size, epoch + o.epochOffset);
      report.begin(epoch);
      for (let b = 0; b < batches; b++) {
        if (await stopAsked(o.signal)) {
          stopped = true;
          break;
        }
        const idx = order.slice(b * bs, (b + 1) * bs);
        const x = await o.train.batch(idx, epoch + o.epochOffset);
        const labels = Int32Array.from(idx, (i) => o.train.labels[i]);
        const y = tf.tensor1d(labels, 'int32');
        let logitsKept: tf.Tensor2D | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const logits = o.forward(x);
          logitsKept = tf.keep(logits);
          const ce = weightedCrossEntropy(logits, y, classWeights, true);
          const reg = o.regularization?.();
          return reg ? tf.add(ce, reg) : ce;
        }, o.variables);
        optimizer.applyGradients(grads);
        const loss = value.dataSync()[0];
        const c = countCorrect(logitsKept!, labels);
        tf.dispose([value, x, y, logitsKept!, ...Object.values(grads)]);
        report.batch(b, idx.length, loss, c);
      }
      // A stopped epoch is incomplete: it is neither reported nor a candidate for "best".
      if (stopped || report.count === 0) break;
      const val = o.val && o.val.size > 0 ? await evaluateLoss(o.val, Math.max(bs, 64)) : null;
      report.end(val, (e, loss) => tracker.observe(e, loss, snapshot));
      await o.onEpochEnd?.({
        phase: o.phase,
        epochs: epoch,
        history,
        best: tracker.best,
        sinceBest: tracker.sinceBest,
        optimizer,
        weights: o.snapshotWeights,
      });
      if (tracker.exhausted) {
        earlyStopped = true;
        break;
      }
    }
    const best = tracker.toRestore(stopped, earlyStopped);
    if (best) restore(best);
    return { history, stopped, earlyStopped };
  } finally {
    tracker.dispose();
    classWeights?.dispose();
    optimizer.dispose();
  }
}
