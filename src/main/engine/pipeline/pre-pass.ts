/**
 * What the passes before a run share (the quality check of `train`, the app's "Auto" head): the base
 * loaded, clean features of the dataset computed through the run's own store (so the run that follows
 * reads them from the cache), and head cross-validation over the training split.
 */
import path from 'node:path';
import type { DatasetFile, DatasetScan } from '@shared/dataset';
import { sampledNote, type HeadAutoResult } from '@shared/quality';
import type { TrainConfig } from '@shared/train';
import type { BackendReport } from '../backend';
import type { FeatureItem, FeatureSet } from '../extract/features';
import type { ExtractionDevice } from '../onnx/devices';
import { CvData } from '../quality/cross-val';
import { autoHead, withWinner } from '../quality/head-auto';
import type { StoredForm } from '../store/store';
import { runStage, type PipelineContext } from './context';
import { featuresStage, type FeaturesInput } from './features';
import { resolveBaseStage } from './resolve-base';

export interface PrePassInput {
  scan: DatasetScan;
  config: TrainConfig;
  cacheDir: string | null;
  mirrorDir?: string | null;
  backend: BackendReport;
  device?: ExtractionDevice;
  engines: number;
}

export interface CleanFeatures {
  set: FeatureSet;
  /** What ran the frozen base (one line). */
  runtime: string;
  ms: number;
}

/**
 * Load the base, compute one clean view of `files` in stored form `form`, then free the base.
 * `onCleanDecode` sees the images it decodes (features.ts `ExtractOptions`).
 */
export async function cleanFeatures(
  ctx: PipelineContext,
  i: PrePassInput,
  files: DatasetFile[],
  form: (featureShape: number[]) => StoredForm,
  onCleanDecode?: FeaturesInput['onCleanDecode'],
): Promise<CleanFeatures> {
  const base = await runStage(ctx, resolveBaseStage, {
    base: i.config.base,
    mirrorDir: i.mirrorDir,
    modelsDir: i.cacheDir ? path.join(i.cacheDir, 'models') : undefined,
  });
  try {
    const t0 = performance.now();
    const out = await runStage(ctx, featuresStage, {
      files,
      base,
      backend: i.backend,
      pixel: { inputSize: base.inputSize, resize: i.config.resize, preprocessing: base.preprocessing },
      augment: null,
      views: 1,
      seed: i.config.seed,
      cacheDir: i.cacheDir,
      form: form(base.featureShape),
      device: i.device,
      engines: i.engines,
      onCleanDecode,
    });
    return { set: out.set, runtime: out.runtime, ms: Math.round(performance.now() - t0) };
  } finally {
    base.full.dispose();
  }
}

/** Cross-validation data over the training items of `set` (their clean view). */
export function cvDataOf(set: FeatureSet, train: FeatureItem[], classes: number): CvData {
  return new CvData(train, set.featureShape, classes, {
    [set.form]: { table: set.table, rows: train.map((it) => it.views[0]) },
  });
}

/** Head auto on `data`, logged: the CV table and `config` with the winner's head and learning rate. */
export async function chooseHead(
  ctx: PipelineContext,
  data: CvData,
  config: TrainConfig,
): Promise<{ result: HeadAutoResult; config: TrainConfig }> {
  const info = (message: string) => ctx.emit({ type: 'log', jobId: ctx.jobId, level: 'info', message });
  info(`Head auto: cross-validating heads on ${data.items.length} training images…`);
  const result = await autoHead({ data, settings: config, signal: ctx.signal });
  info(
    `Head auto: ${result.winner.id} chosen of ${result.rows.length} by ${result.folds}-fold CV ×${result.repeats}${sampledNote(result)} (lowest out-of-fold log loss; ${(result.ms / 1000).toFixed(1)} s)`,
  );
  return { result, config: { ...config, ...withWinner({}, result.winner) } };
}
