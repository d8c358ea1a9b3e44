/**
 * Fine-tuning from the boundary cache. Stage `extract` for a fine-tuning run: ONE frozen pass per image
 * and view gives both the head's feature vectors and the tensors crossing the unfreeze boundary, each
 * cached in the feature store. Stage `fine-tune`: the unfrozen top of the base and the head trained from
 * the cached boundary rows, the base's BatchNorm kept in inference mode. No image is decoded after
 * extraction, and a warm cache skips the base entirely.
 */
import type { FineTuneSpec, TrainConfig } from '@shared/train';
import type { FeatureItem } from '../extract/features';
import { extractBoundary, type BoundaryRows } from '../finetune/extract';
import { LazyBoundaryExtractor } from '../finetune/extractor';
import { boundaryLayout, type BoundaryLayout } from '../finetune/frozen-outputs';
import { fineTuneFromBoundary } from '../finetune/phase';
import { boundaryValSource } from '../finetune/sources';
import type { BoundarySplit } from '../finetune/split';
import type { Head } from '../head/build';
import { FeatureStore } from '../store/store';
import type { tf } from '../tf';
import type { LoopHooks, LoopResult, ValSource } from '../train/loop';
import type { PipelineStage } from './context';
import type { FeaturesInput, FeaturesOutput } from './features';
import { epochProgress, headRegularization, type StepCounter } from './train-head';

/** Fine-tuning asked for, with something to unfreeze. */
export const wantsFineTune = (config: TrainConfig): config is TrainConfig & { fineTune: FineTuneSpec } =>
  !!config.fineTune && (config.fineTune.layers > 0 || !!config.fineTune.fromLayer);

export interface BoundaryFeaturesInput extends FeaturesInput {
  fineTune: FineTuneSpec;
}

export interface BoundaryFeaturesOutput extends FeaturesOutput {
  /** Where the base was cut, and the boundary rows (row r: the same image view as features row r). */
  boundary: { split: BoundarySplit; rows: BoundaryRows };
}

/** Stage `extract` of a fine-tuning run (see the module comment). */
export const boundaryFeaturesStage: PipelineStage<BoundaryFeaturesInput, BoundaryFeaturesOutput> = {
  name: 'extract',
  total: () => 0,
  async run(i, ctx) {
    const outputs = {
      fineTune: { layers: i.fineTune.layers, fromLayer: i.fineTune.fromLayer },
      features: i.form,
    };
    const layout: BoundaryLayout = boundaryLayout(i.base, outputs);
    const extractor = new LazyBoundaryExtractor(i.base, i.backend, i.pixel, i.engines, outputs, i.device);
    try {
      const set = await extractBoundary({
        files: i.files,
        base: i.base,
        layout,
        extractor,
        pixel: i.pixel,
        store: i.cacheDir ? new FeatureStore(i.cacheDir) : null,
        form: i.form,
        precision: i.precision,
        augment: i.augment,
        views: i.views,
        seed: i.seed,
        memoryBudget: i.memoryBudget,
        signal: ctx.signal,
        onProgress: ctx.progress,
        onProblem: (problem) => ctx.emit({ type: 'problem', jobId: ctx.jobId, problem }),
        onWarning: (message) => ctx.emit({ type: 'log', jobId: ctx.jobId, level: 'warn', message }),
      });
      return {
        set: set.features,
        enginesStarted: extractor.started,
        runtime: extractor.describe(),
        boundary: { split: layout.split, rows: set.boundary },
      };
    } finally {
      await extractor.close();
    }
  },
};

export interface FineTuneInput {
  config: TrainConfig & { fineTune: FineTuneSpec };
  baseModel: tf.LayersModel;
  head: Head;
  boundary: BoundaryFeaturesOutput['boundary'];
  train: FeatureItem[];
  val: FeatureItem[];
  classWeights: number[] | null;
  steps: StepCounter;
  /** Epochs already run (the head phase): numbering continues, so charts show one timeline. */
  epochOffset: number;
  /** The head phase's epoch whose weights fine-tuning starts from and must beat (see phase.ts). */
  startsFrom?: { epoch: number };
  /** Checkpointing (run folder): hooks for the loop, given its snapshot weights. */
  hooks?: (weights: tf.LayerVariable[]) => LoopHooks;
}

export const fineTuneStage: PipelineStage<FineTuneInput, LoopResult> = {
  name: 'fine-tune',
  total: (i) => i.config.fineTune.epochs,
  run: (i, ctx) =>
    fineTuneFromBoundary({
      jobId: ctx.jobId,
      baseModel: i.baseModel,
      split: i.boundary.split,
      rows: i.boundary.rows,
      head: i.head,
      config: i.config,
      train: i.train,
      val: i.val,
      classWeights: i.classWeights,
      epochOffset: i.epochOffset,
      startsFrom: i.startsFrom,
      steps: i.steps,
      regularization: headRegularization(i.head),
      signal: ctx.signal,
      onEvent: epochProgress(ctx, i.config.fineTune.epochs, i.epochOffset),
      loopHooks: i.hooks,
    }),
};

/** Probabilities of items through the fine-tuned top and the head, from their cached boundary rows. */
export const fineTunedSource =
  (b: BoundaryFeaturesOutput['boundary'], head: Head) =>
  (items: FeatureItem[]): ValSource =>
    boundaryValSource(b.rows, items, b.split, head.model);
