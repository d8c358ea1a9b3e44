import type { EngineEvent } from '@shared/engine-events';
import { mixSeed } from '@shared/random';
import type { FineTuneSpec, TrainConfig } from '@shared/train';
import type { FeatureItem } from '../extract/features';
import { reseedDropout, type Head } from '../head/build';
import { tf } from '../tf';
import { trainLoop, type LoopHooks, type LoopResult } from '../train/loop';
import type { BoundaryRows } from './extract';
import { boundaryTrainSource, boundaryValSource, topFeatures } from './sources';
import { setTrainable, type BoundarySplit } from './split';

export interface BoundaryFineTuneOptions {
  jobId: string;
  /** The base's feature model (its layers' `trainable` flags are set for the phase, then cleared). */
  baseModel: tf.LayersModel;
  split: BoundarySplit;
  rows: BoundaryRows;
  head: Head;
  config: TrainConfig & { fineTune: FineTuneSpec };
  /** Items whose views are rows of `rows.table`. */
  train: FeatureItem[];
  val: FeatureItem[];
  classWeights: number[] | null;
  /** Epochs before this phase (charts show one timeline). */
  epochOffset: number;
  /**
   * The head phase's epoch whose weights this phase starts from, when "restore best" is on: they compete
   * for best, so a fine-tune that never beats them on validation loss ends on them (base untouched).
   */
  startsFrom?: { epoch: number };
  /** Dropout steps so far (the head phase's): step s seeds its masks with mixSeed(seed, s). */
  steps: { n: number };
  regularization?: () => tf.Scalar | null;
  signal?: AbortSignal;
  onEvent?: (e: EngineEvent) => void;
  /** Checkpoint/resume hooks for the loop, given its snapshot weights (train/resume.ts `Checkpointer.hooks`). */
  loopHooks?: (weights: tf.LayerVariable[]) => LoopHooks;
}

/**
 * The fine-tune phase from cached boundary rows: only the unfrozen top of the base and the head run,
 * forward and back, with BatchNorm in inference mode (Keras' advice for fine-tuning), so the gradients
 * are the ones full-model fine-tuning computes on the same pictures.
 */
export async function fineTuneFromBoundary(o: BoundaryFineTuneOptions): Promise<LoopResult> {
  const { split, head, config } = o;
  setTrainable(o.baseModel, split.unfrozen);
  try {
    const headVars = head.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const baseVars = split.unfrozen.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
    const snapshotWeights = [...head.model.weights, ...split.unfrozen.flatMap((l) => l.weights)];
    const train = boundaryTrainSource(o.rows, o.train, config.seed + 1);
    return await trainLoop({
      jobId: o.jobId,
      phase: 'fine-tune',
      forward: (x) => {
        reseedDropout(head.layers, mixSeed(config.seed, ++o.steps.n));
        return head.logits.apply(topFeatures(x, split), { training: true }) as tf.Tensor2D;
      },
      regularization: o.regularization,
      variables: [...headVars, ...baseVars],
      snapshotWeights,
      train,
      val: o.val.length ? boundaryValSource(o.rows, o.val, split, head.model) : null,
      config,
      learningRate: config.fineTune.learningRate,
      epochs: config.fineTune.epochs,
      epochOffset: o.epochOffset,
      startsFrom: o.startsFrom,
      classWeights: o.classWeights,
      shuffle: train.shuffle,
      signal: o.signal,
      onEvent: o.onEvent,
      ...o.loopHooks?.(snapshotWeights),
    });
  } finally {
    setTrainable(o.baseModel, []);
  }
}
