/**
 * Stage `extract`: every image through the frozen base once — from the feature cache where possible,
 * else computed (one engine per core on single-threaded backends) and cached.
 */
import type { AugmentSpec } from '../../../shared/augment';
import type { DatasetFile } from '../../../shared/dataset';
import type { BackendReport } from '../backend';
import type { FeatureBase } from '../bases/load';
import type { PixelOptions } from '../extract/batch';
import { FeatureCache } from '../extract/cache';
import { extractFeatures, type FeatureSet } from '../extract/features';
import { LazyExtractor } from '../extract/lazy';
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
  /** Feature cache root; null: no cache. */
  cacheDir: string | null;
  /** Extraction engines for single-threaded backends. */
  engines: number;
  /** Bytes of features kept in memory; beyond it they are read back from the cache per batch. */
  memoryBudget?: number;
}

export interface FeaturesOutput {
  set: FeatureSet;
  /** Extraction engines actually started (0 when everything came from the cache). */
  enginesStarted: number;
}

export const featuresStage: PipelineStage<FeaturesInput, FeaturesOutput> = {
  name: 'extract',
  total: () => 0,
  async run(i, ctx) {
    const extractor = new LazyExtractor(i.base, i.backend, i.pixel, i.engines);
    try {
      const set = await extractFeatures({
        files: i.files,
        base: i.base,
        extractor,
        pixel: i.pixel,
        cache: i.cacheDir ? new FeatureCache(i.cacheDir) : null,
        augment: i.augment,
        views: i.views,
        seed: i.seed,
        memoryBudget: i.memoryBudget,
        signal: ctx.signal,
        onProgress: ctx.progress,
        onProblem: (problem) => ctx.emit({ type: 'problem', jobId: ctx.jobId, problem }),
      });
      return { set, enginesStarted: extractor.started };
    } finally {
      await extractor.close();
    }
  },
};
