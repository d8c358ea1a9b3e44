/**
 * Stage `fine-tune`: the top of the base unfrozen and trained with the head on images (augmented on
 * the fly), the base's BatchNorm kept in inference mode.
 */
import type { AugmentSpec } from '@shared/augment';
import { mixSeed } from '@shared/random';
import type { FineTuneSpec, TrainConfig } from '@shared/train';
import type { FeatureBase } from '../bases/load';
import type { PixelOptions } from '../extract/batch';
import type { FeatureItem } from '../extract/features';
import { reseedDropout, type Head } from '../head/build';
import { tf } from '../tf';
import { trainLoop, type LoopResult } from '../train/loop';
import { imageTrainSource, imageValSource, seededShuffle } from '../train/sources';
import type { PipelineStage } from './context';
import { epochProgress, headRegularization, headVariables, type StepCounter } from './train-head';

export interface FineTuneInput {
  config: TrainConfig & { fineTune: FineTuneSpec };
  base: FeatureBase;
  head: Head;
  pixel: PixelOptions;
  augment: AugmentSpec | null;
  train: FeatureItem[];
  val: FeatureItem[];
  classWeights: number[] | null;
  steps: StepCounter;
  /** Epochs already run (the head phase): numbering continues, so charts show one timeline. */
  epochOffset: number;
}

/** Fine-tuning asked for, with something to unfreeze. */
export const wantsFineTune = (config: TrainConfig): config is TrainConfig & { fineTune: FineTuneSpec } =>
  !!config.fineTune && (config.fineTune.layers > 0 || !!config.fineTune.fromLayer);

/** Mark the layers to fine-tune trainable (and every other one frozen); returns them. */
export function unfreeze(base: FeatureBase, spec: FineTuneSpec): tf.layers.Layer[] {
  const layers = base.model.layers;
  const withWeights = layers.filter((l) => l.weights.length > 0);
  let chosen: tf.layers.Layer[];
  if (spec.fromLayer) {
    const from = layers.findIndex((l) => l.name === spec.fromLayer);
    if (from < 0) throw new Error(`fine-tune layer "${spec.fromLayer}" is not in base ${base.id}`);
    chosen = layers.slice(Math.max(1, from)).filter((l) => l.weights.length > 0);
  } else {
    // "Top N layers" counts layers that hold weights, as the UI lists them.
    chosen = withWeights.slice(Math.max(0, withWeights.length - spec.layers));
  }
  for (const l of layers) l.trainable = false;
  for (const l of chosen) l.trainable = true;
  return chosen;
}

export const fineTuneStage: PipelineStage<FineTuneInput, LoopResult> = {
  name: 'fine-tune',
  total: (i) => i.config.fineTune.epochs,
  async run(i, ctx) {
    const { config, base, head } = i;
    const unfrozen = unfreeze(base, config.fineTune);
    try {
      return await trainLoop({
        jobId: ctx.jobId,
        phase: 'fine-tune',
        // The base runs in inference mode: BatchNorm keeps its ImageNet statistics (Keras' advice).
        forward: (x) => {
          reseedDropout(head.layers, mixSeed(config.seed, ++i.steps.n));
          const features = base.model.apply(x, { training: false }) as tf.Tensor;
          return head.logits.apply(features, { training: true }) as tf.Tensor2D;
        },
        regularization: headRegularization(head),
        variables: [
          ...headVariables(head),
          ...unfrozen.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable)),
        ],
        snapshotWeights: [...head.model.weights, ...unfrozen.flatMap((l) => l.weights)],
        train: imageTrainSource(i.train, i.pixel, i.augment, config.seed),
        val: i.val.length ? imageValSource(i.val, i.pixel, base, head.model) : null,
        config,
        learningRate: config.fineTune.learningRate,
        epochs: config.fineTune.epochs,
        epochOffset: i.epochOffset,
        classWeights: i.classWeights,
        shuffle: seededShuffle(config.seed + 1),
        signal: ctx.signal,
        onEvent: epochProgress(ctx, config.fineTune.epochs, i.epochOffset),
      });
    } finally {
      for (const l of base.model.layers) l.trainable = false;
    }
  },
};
