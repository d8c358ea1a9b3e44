import { readFile } from 'node:fs/promises';
import { CodedError } from '../../../shared/errors';
import type { AugmentSpec } from '../../../shared/augment';
import type { DatasetFile, DatasetProblem } from '../../../shared/dataset';
import type { FeatureBase } from '../bases/load';
import { mapLimit } from '../../util/concurrency';
import { hashString, mixSeed } from '../../../shared/random';
import type { ExtractItem, PixelOptions } from './batch';
import { contentHash, FeatureCache } from './cache';
import type { Extractor } from './pool';

export class StoppedError extends CodedError {
  override name = 'StoppedError';
  constructor() {
    super('CANCELLED', 'stopped');
  }
}

export type FeatureVector = Float32Array | (() => Promise<Float32Array>);

/** Above this many bytes of features, vectors stay on disk and are read per batch. */
export const DEFAULT_MEMORY_BUDGET = 2 * 1024 ** 3;

export async function readVector(v: FeatureVector): Promise<Float32Array> {
  return typeof v === 'function' ? v() : v;
}

export interface FeatureItem {
  file: DatasetFile;
  hash: string;
  /**
   * views[0..K-1]; val/test items and un-augmented runs have exactly one (the clean view). A function
   * when the set is too large for memory: it reads the vector back from the disk cache.
   */
  views: FeatureVector[];
}

export interface FeatureSet {
  featureShape: number[];
  featureSize: number;
  items: FeatureItem[];
  /** Images sent through the base in this call. */
  computed: number;
  /** Feature vectors found in the cache. */
  cached: number;
  problems: DatasetProblem[];
}

export interface ExtractOptions {
  files: DatasetFile[];
  base: FeatureBase;
  extractor: Extractor;
  pixel: PixelOptions;
  cache: FeatureCache | null;
  /** Augmentation for training images (null: clean views only). */
  augment: AugmentSpec | null;
  views: number;
  seed: number;
  batchSize?: number;
  /** Bytes of feature vectors to hold in memory before switching to reading them from the cache. */
  memoryBudget?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onProblem?: (p: DatasetProblem) => void;
}

interface Job {
  fileIndex: number;
  view: number;
}

/**
 * Features for every file and view: from the cache where possible, else from the base (and then cached).
 * Files are read and hashed as they are needed, so memory holds features, not images.
 */
export async function extractFeatures(o: ExtractOptions): Promise<FeatureSet> {
  const featureShape = o.base.featureShape;
  const featureSize = featureShape.reduce((a, b) => a * b, 1);
  const augmented = o.augment !== null;
  const viewsOf = (f: DatasetFile) => (augmented && f.split === 'train' ? o.views : 1);
  const variantOf = (view: number, f: DatasetFile) =>
    FeatureCache.variantKey({
      base: o.base.fingerprint,
      resize: o.pixel.resize,
      pre: o.pixel.preprocessing,
      size: o.pixel.inputSize,
      ...(augmented && f.split === 'train' ? { augment: o.augment, seed: o.seed, view } : {}),
    });
  const jobs: Job[] = o.files.flatMap((f, fileIndex) =>
    Array.from({ length: viewsOf(f) }, (_, view) => ({ fileIndex, view })),
  );
  const totalBytes = jobs.length * featureSize * 4;
  const onDisk = totalBytes > (o.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  if (onDisk && !o.cache)
    throw new Error(
      `features need ${(totalBytes / 1024 ** 3).toFixed(1)} GB, more than the memory budget: enable the feature cache (or use fewer views)`,
    );
  const keep = (job: Job, f: DatasetFile, v: Float32Array): FeatureVector => {
    if (!onDisk) return v;
    const variant = variantOf(job.view, f);
    const hash = hashes[job.fileIndex];
    return async () => {
      const back = await o.cache!.get(variant, hash, featureSize);
      if (!back) throw new Error(`feature cache entry vanished during training: ${f.rel}`);
      return back;
    };
  };
  const views: (FeatureVector | null)[][] = o.files.map((f) =>
    new Array<FeatureVector | null>(viewsOf(f)).fill(null),
  );
  const hashes: string[] = new Array(o.files.length);
  const failed = new Map<number, string>();
  const batchSize = o.batchSize ?? 16;
  let done = 0;
  let cached = 0;
  let computed = 0;

  // Group jobs by file so each file is read once per batch of its views.
  const chunks: Job[][] = [];
  for (let i = 0; i < jobs.length; i += batchSize) chunks.push(jobs.slice(i, i + batchSize));

  await mapLimit(chunks, o.extractor.engines * 2 + 1, async (chunk) => {
    if (o.signal?.aborted) throw new StoppedError();
    const bytes = new Map<number, Uint8Array>();
    const misses: { job: Job; item: ExtractItem }[] = [];
    for (const job of chunk) {
      const f = o.files[job.fileIndex];
      if (failed.has(job.fileIndex)) continue;
      let data = bytes.get(job.fileIndex);
      if (!data && hashes[job.fileIndex] === undefined) {
        try {
          data = new Uint8Array(await readFile(f.path));
        } catch (e) {
          failed.set(
            job.fileIndex,
            `unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          );
          continue;
        }
        bytes.set(job.fileIndex, data);
        hashes[job.fileIndex] = contentHash(data);
      }
      const hash = hashes[job.fileIndex];
      const hit = o.cache ? await o.cache.get(variantOf(job.view, f), hash, featureSize) : null;
      if (hit) {
        views[job.fileIndex][job.view] = keep(job, f, hit);
        cached++;
        continue;
      }
      if (!data) {
        data = new Uint8Array(await readFile(f.path));
        bytes.set(job.fileIndex, data);
      }
      const isAug = augmented && f.split === 'train';
      misses.push({
        job,
        item: {
          bytes: data,
          augment: isAug ? o.augment : null,
          seed: mixSeed(o.seed, hashString(hash), job.view),
        },
      });
    }
    if (misses.length) {
      const r = await o.extractor.run(misses.map((m) => m.item));
      let k = 0;
      await Promise.all(
        misses.map(async ({ job }, i) => {
          const err = r.errors[i];
          if (err) {
            failed.set(job.fileIndex, err);
            return;
          }
          const feat = r.features.slice(k * featureSize, (k + 1) * featureSize);
          k++;
          computed++;
          const f = o.files[job.fileIndex];
          await o.cache?.put(variantOf(job.view, f), hashes[job.fileIndex], feat);
          views[job.fileIndex][job.view] = keep(job, f, feat);
        }),
      );
    }
    done += chunk.length;
    o.onProgress?.(done, jobs.length);
  });

  const problems: DatasetProblem[] = [];
  for (const [i, reason] of [...failed].sort((a, b) => a[0] - b[0])) {
    const f = o.files[i];
    const p: DatasetProblem = { path: f.path, rel: f.rel, reason, stage: 'decode' };
    problems.push(p);
    o.onProblem?.(p);
  }
  const items: FeatureItem[] = [];
  o.files.forEach((file, i) => {
    if (failed.has(i)) return;
    items.push({ file, hash: hashes[i], views: views[i] as FeatureVector[] });
  });
  return { featureShape, featureSize, items, computed, cached, problems };
}
