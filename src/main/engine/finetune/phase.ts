import type { EngineEvent } from '../../../shared/events';
import type { TrainConfig } from '../../../shared/train';
import { reseedDropout, type Head } from '../head/build';
import { mixSeed } from '../util/random';
import { tf } from '../tf';
import { seededShuffle } from '../train/sources';
import { trainLoop, type LoopOptions, type LoopResult } from '../train/loop';
import type { BoundaryItem } from './extract';
import { boundaryTrainSource, boundaryValSource, topFeatures } from './sources';
import { setTrainable, type BoundarySplit } from './split';

export interface BoundaryFineTuneOptions {
  jobId: string;
  /** The base's feature model (its layers' `trainable` flags are set for the phase, then cleared). */
  baseModel: tf.LayersModel;
  split: BoundarySplit;
  head: Head;
  config: TrainConfig & { fineTune: NonNullable<TrainConfig['fineTune']> };
  train: BoundaryItem[];
  val: BoundaryItem[];
  classWeights: number[] | null;
  /** Epochs before this phase (charts show one timeline). */
  epochOffset: number;
  /** Dropout steps so far (the head phase's): step s seeds its masks with mixSeed(seed, s). */
  step: { value: number };
  regularization?: () => tf.Scalar | null;
  signal?: AbortSignal;
  onEvent?: (e: EngineEvent) => void;
  /** Checkpoint/resume hooks for the loop, given its snapshot weights (train/resume.ts `Checkpointer.hooks`). */
  loopHooks?: (weights: tf.LayerVariable[]) => Pick<LoopOptions, 'resume' | 'onEpochEnd'>;
}

/**
 * The fine-tune phase from cached boundary tensors: only the unfrozen top of the base and the head run,
 * forward and back, with the full-image path's optimizer, loop, seeds and BatchNorm mode, so the
 * gradients are the ones full-model fine-tuning computes on the same pictures.
 */
export async function fineTuneFromBoundary(o: BoundaryFineTuneOptions): Promise<LoopResult> {
  const { split, head, config } = o;
  setTrainable(o.baseModel, split.unfrozen);
  try {
    const headVars = head.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const baseVars = split.unfrozen.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
    const snapshotWeights = [...head.model.weights, ...split.unfrozen.flatMap((l) => l.weights)];
    return await trainLoop({
      jobId: o.jobId,
      phase: 'fine-tune',
      forward: (x) => {
        reseedDropout(head.layers, mixSeed(config.seed, ++o.step.value));
        return head.logits.apply(topFeatures(x, split), { training: true }) as tf.Tensor2D;
      },
      regularization: o.regularization,
      variables: [...headVars, ...baseVars],
      snapshotWeights,
      train: boundaryTrainSource(o.train, split),
      val: o.val.length ? boundaryValSource(o.val, split, head.model) : null,
      config,
      learningRate: config.fineTune.learningRate,
      epochs: config.fineTune.epochs,
      epochOffset: o.epochOffset,
      classWeights: o.classWeights,
      shuffle: seededShuffle(config.seed + 1),
      signal: o.signal,
      onEvent: o.onEvent,
      ...o.loopHooks?.(snapshotWeights),
    });
  } finally {
    setTrainable(o.baseModel, []);
  }
}
