/**
 * Stage `train`: the head on cached features (pooled once when the head starts with global pooling),
 * with early stopping and the best weights restored.
 */
import type { EngineEvent } from '@shared/engine-events';
import type { TrainConfig } from '@shared/train';
import { mixSeed } from '@shared/random';
import type { FeatureItem } from '../extract/features';
import type { FeatureTable } from '../store/table';
import { reseedDropout, type Head } from '../head/build';
import { tf } from '../tf';
import { denseStackOf } from '../train/dense-stack';
import { fastHeadLoop } from '../train/fast-head';
import type { HeadTraining } from '../train/hoist';
import { trainLoop, type LoopResult } from '../train/loop';
import { featureTrainSource, featureValSource } from '../train/sources';
import type { PipelineStage, StageContext } from './context';

/** Training steps of a run, counted across phases: each step draws fresh dropout masks from it. */
export interface StepCounter {
  n: number;
}

export interface HeadPhaseInput {
  config: TrainConfig;
  head: Head;
  /** The head as trained on (pooling hoisted out when possible) and its items. */
  hoisted: HeadTraining;
  /** The stored vectors the items' views point into. */
  table: FeatureTable;
  train: FeatureItem[];
  val: FeatureItem[];
  classWeights: number[] | null;
  steps: StepCounter;
}

/** The head's weights as trainable variables, for the loop (and fine-tuning, which adds the base's). */
export const headVariables = (head: Head) => head.model.trainableWeights.map((w) => w.read() as tf.Variable);

/** Weight regularisation of the head, computed inside the gradient tape. */
export const headRegularization = (head: Head) => () => {
  const losses = head.model.calculateLosses();
  return losses.length ? (tf.addN(losses) as tf.Scalar) : null;
};

/** Loop events passed on, each finished epoch also reported as stage progress (a stop ends it early). */
export const epochProgress =
  (ctx: StageContext, epochs: number, offset: number) =>
  (e: EngineEvent): void => {
    ctx.emit(e);
    if (e.type === 'epoch') ctx.progress(e.epoch - offset, epochs);
  };

export const trainHeadStage: PipelineStage<HeadPhaseInput, LoopResult> = {
  name: 'train',
  total: (i) => i.config.epochs,
  run: (i, ctx) => {
    const train = featureTrainSource(i.table, i.train, i.hoisted.inputShape, i.config.seed);
    const val = i.val.length ? featureValSource(i.table, i.val, i.hoisted.inputShape, i.hoisted.model) : null;
    // Pooled vectors through Dense/Dropout layers (the default heads): trained on plain arrays with the
    // same results, in about half the CPU of the tfjs layers loop (train/fast-head.ts, bench/head-epoch.ts).
    // Anything else (BatchNormalization, full maps): the tfjs loop.
    const dense = i.hoisted.inputShape.length === 1 ? denseStackOf(i.hoisted.logits) : null;
    if (dense && 'stack' in dense)
      return fastHeadLoop({
        jobId: ctx.jobId,
        phase: 'head',
        stack: dense.stack,
        stepSeed: () => mixSeed(i.config.seed, ++i.steps.n),
        train,
        val,
        config: i.config,
        learningRate: i.config.learningRate,
        epochs: i.config.epochs,
        epochOffset: 0,
        classWeights: i.classWeights,
        shuffle: train.shuffle,
        signal: ctx.signal,
        onEvent: epochProgress(ctx, i.config.epochs, 0),
      });
    return trainLoop({
      jobId: ctx.jobId,
      phase: 'head',
      forward: (x) => {
        reseedDropout(i.head.layers, mixSeed(i.config.seed, ++i.steps.n));
        return i.hoisted.logits.apply(x, { training: true }) as tf.Tensor2D;
      },
      regularization: headRegularization(i.head),
      variables: headVariables(i.head),
      snapshotWeights: i.head.model.weights,
      train,
      val,
      config: i.config,
      learningRate: i.config.learningRate,
      epochs: i.config.epochs,
      epochOffset: 0,
      classWeights: i.classWeights,
      // In memory a full seeded shuffle; streamed, an order of large sequential reads (see sources.ts).
      shuffle: train.shuffle,
      signal: ctx.signal,
      onEvent: epochProgress(ctx, i.config.epochs, 0),
    });
  },
};
