/**
 * Stage `extract`: every image through the frozen base once — from the feature cache where possible,
 * else computed (one engine per core on single-threaded backends) and cached.
 */
import type { AugmentSpec } from '@shared/augment';
import type { DatasetFile } from '@shared/dataset';
import type { BackendReport } from '../backend';
import type { FeatureBase } from '../bases/load';
import type { PixelOptions } from '../extract/batch';
import { extractFeatures, type ExtractOptions, type FeatureSet } from '../extract/features';
import { LazyExtractor } from '../extract/lazy';
import type { ExtractionDevice } from '../onnx/devices';
import { FeatureStore, type Precision, type StoredForm } from '../store/store';
import type { PipelineStage } from './context';

export interface FeaturesInput {
  files: DatasetFile[];
  base: FeatureBase;
  backend: BackendReport;
  pixel: PixelOptions;
  /** Augmentation for training images (null: clean views only). */
  augment: AugmentSpec | null;
  views: number;
  seed: number;
  /** Feature store root; null: no store (everything must fit the memory budget). */
  cacheDir: string | null;
  /** What the head needs stored: pooled vectors for a pooling head, else full maps. */
  form: StoredForm;
  /** How vectors are stored (default float16; float32 for vectors outside its range). */
  precision?: Precision;
  /** What runs the frozen base: an ONNX Runtime device (`auto` picks the best) or `tfjs`. */
  device?: ExtractionDevice;
  /** Told what runs the base as soon as it starts (a status bar), and once more at the end. */
  onRuntime?: (line: string) => void;
  /** See ExtractOptions.onCleanDecode. */
  onCleanDecode?: ExtractOptions['onCleanDecode'];
  /** Extraction engines for single-threaded backends. */
  engines: number;
  /** Bytes of stored vectors kept in memory; beyond it training streams them from the store. */
  memoryBudget?: number;
}

export interface FeaturesOutput {
  set: FeatureSet;
  /** Extraction engines actually started (0 when everything came from the cache). */
  enginesStarted: number;
  /** What ran the frozen base and why better options were not used (one line). */
  runtime: string;
}

export const featuresStage: PipelineStage<FeaturesInput, FeaturesOutput> = {
  name: 'extract',
  total: () => 0,
  async run(i, ctx) {
    const pool = i.form === 'full' ? null : i.form;
    const extractor = new LazyExtractor(i.base, i.backend, i.pixel, i.engines, i.device, i.onRuntime, pool);
    try {
      const set = await extractFeatures({
        files: i.files,
        base: i.base,
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
        onCleanDecode: i.onCleanDecode,
        onProgress: ctx.progress,
        onProblem: (problem) => ctx.emit({ type: 'problem', jobId: ctx.jobId, problem }),
        onWarning: (message) => ctx.emit({ type: 'log', jobId: ctx.jobId, level: 'warn', message }),
      });
      i.onRuntime?.(extractor.describe());
      return { set, enginesStarted: extractor.started, runtime: extractor.describe() };
    } finally {
      await extractor.close();
    }
  },
};
