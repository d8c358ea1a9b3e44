import { readFile } from 'node:fs/promises';
import type { AugmentSpec } from '../../../shared/augment';
import type { DatasetFile, DatasetProblem } from '../../../shared/dataset';
import { prepareBatch, type ExtractItem, type PixelOptions } from '../extract/batch';
import { contentHash } from '../extract/cache';
import { StoppedError } from '../extract/features';
import { mapLimit } from '../util/concurrency';
import { hashString, mixSeed } from '../util/random';
import type { BackendReport } from '../backend';
import type { FeatureBase } from '../bases/load';
import { WorkerPoolExtractor } from '../extract/pool';
import type { BoundaryOutputs } from '../extract/protocol';
import type { BoundaryRunner } from './frozen-outputs';
import { boundaryKey, type BoundaryStore } from './store';

/** Runs the frozen pass on batches of images: one row (Σ entrySizes floats) per decodable item. */
export interface BoundaryExtractor {
  readonly engines: number;
  run(items: ExtractItem[]): Promise<{ rows: Float32Array; errors: (string | null)[] }>;
  close(): Promise<void>;
}

/**
 * In this process (a native backend uses every core itself). Decoding runs on sharp's threads, so
 * while one batch runs the frozen graph the next one decodes (the caller keeps batches in flight).
 */
export class InProcessBoundaryExtractor implements BoundaryExtractor {
  readonly engines = 1;
  constructor(
    private runner: Pick<BoundaryRunner, 'run'>,
    private pixel: PixelOptions,
  ) {}
  async run(items: ExtractItem[]) {
    const batch = await prepareBatch(items, this.pixel);
    const rows = batch.okCount ? await this.runner.run(batch.input, batch.okCount) : new Float32Array(0);
    return { rows, errors: batch.errors };
  }
  async close() {}
}

/** One single-threaded engine per core (wasm/cpu), each building the same frozen pass from the base. */
export class PoolBoundaryExtractor implements BoundaryExtractor {
  private constructor(private pool: WorkerPoolExtractor) {}
  get engines() {
    return this.pool.engines;
  }
  static async create(
    base: FeatureBase,
    backend: BackendReport,
    pixel: PixelOptions,
    engines: number,
    outputs: BoundaryOutputs,
  ) {
    return new PoolBoundaryExtractor(
      await WorkerPoolExtractor.create(base, backend, pixel, engines, outputs),
    );
  }
  async run(items: ExtractItem[]) {
    const r = await this.pool.run(items);
    return { rows: r.features, errors: r.errors };
  }
  close() {
    return this.pool.close();
  }
}

/** In-process for a native (multi-threaded) backend or one engine; else a worker per engine. */
export async function createBoundaryExtractor(
  base: FeatureBase,
  runner: BoundaryRunner,
  backend: BackendReport,
  pixel: PixelOptions,
  engines: number,
  outputs: BoundaryOutputs,
): Promise<BoundaryExtractor> {
  return backend.threadsPerEngine === 0 || engines <= 1
    ? new InProcessBoundaryExtractor(runner, pixel)
    : PoolBoundaryExtractor.create(base, backend, pixel, engines, outputs);
}

/** One image with its frozen outputs per view (views[v][o]: output o of view v). */
export interface BoundaryItem {
  file: DatasetFile;
  hash: string;
  views: Float32Array[][];
}

export interface BoundaryExtractOptions {
  files: DatasetFile[];
  extractor: BoundaryExtractor;
  store: BoundaryStore | null;
  /**
   * Store variant of a file's entries: everything that changes them except the image and the view
   * (base, cut, boundary, preprocessing, and for augmented training views the spec and seed).
   */
  variantOf: (file: DatasetFile) => string;
  /** Float count of each array of a row/entry: a stored entry of any other layout is a miss. */
  entrySizes: number[];
  /** Augmentation for training images (null: clean views only). */
  augment: AugmentSpec | null;
  views: number;
  seed: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onProblem?: (p: DatasetProblem) => void;
}

export interface BoundarySet {
  items: BoundaryItem[];
  computed: number;
  cached: number;
  problems: DatasetProblem[];
}

/**
 * Frozen outputs for every file and view: from the store where possible, else from the extractor (then
 * stored). The same seeds as feature extraction, so view v of an image is the same augmented picture.
 */
export async function extractBoundary(o: BoundaryExtractOptions): Promise<BoundarySet> {
  const augmented = o.augment !== null;
  const viewsOf = (f: DatasetFile) => (augmented && f.split === 'train' ? o.views : 1);
  const jobs = o.files.flatMap((f, fileIndex) =>
    Array.from({ length: viewsOf(f) }, (_, view) => ({ fileIndex, view })),
  );
  const views: Float32Array[][][] = o.files.map((f) => new Array(viewsOf(f)));
  const hashes: string[] = new Array(o.files.length);
  const failed = new Map<number, string>();
  const batchSize = o.batchSize ?? 16;
  const chunks: (typeof jobs)[] = [];
  for (let i = 0; i < jobs.length; i += batchSize) chunks.push(jobs.slice(i, i + batchSize));
  let done = 0;
  let cached = 0;
  let computed = 0;

  await mapLimit(chunks, o.extractor.engines * 2 + 1, async (chunk) => {
    if (o.signal?.aborted) throw new StoppedError();
    const bytes = new Map<number, Uint8Array>();
    const misses: { fileIndex: number; view: number; item: ExtractItem }[] = [];
    for (const { fileIndex, view } of chunk) {
      if (failed.has(fileIndex)) continue;
      const f = o.files[fileIndex];
      let data = bytes.get(fileIndex);
      if (!data) {
        try {
          data = new Uint8Array(await readFile(f.path));
        } catch (e) {
          failed.set(fileIndex, `unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          continue;
        }
        bytes.set(fileIndex, data);
        hashes[fileIndex] ??= contentHash(data);
      }
      const hit = await o.store?.get(boundaryKey(o.variantOf(f), hashes[fileIndex], view));
      if (hit && hit.length === o.entrySizes.length && hit.every((a, j) => a.length === o.entrySizes[j])) {
        views[fileIndex][view] = hit;
        cached++;
        continue;
      }
      const isAug = augmented && f.split === 'train';
      const seed = mixSeed(o.seed, hashString(hashes[fileIndex]), view);
      misses.push({ fileIndex, view, item: { bytes: data, augment: isAug ? o.augment : null, seed } });
    }
    if (misses.length) {
      const r = await o.extractor.run(misses.map((m) => m.item));
      const row = o.entrySizes.reduce((a, b) => a + b, 0);
      let k = 0;
      await Promise.all(
        misses.map(async ({ fileIndex, view }, i) => {
          const err = r.errors[i];
          if (err) return void failed.set(fileIndex, err);
          // Each entry owns a copy of its row (the batch buffer is not kept alive by one view).
          let at = row * k++;
          const out = o.entrySizes.map((n) => {
            const a = r.rows.slice(at, at + n);
            at += n;
            return a;
          });
          computed++;
          const f = o.files[fileIndex];
          await o.store?.put(boundaryKey(o.variantOf(f), hashes[fileIndex], view), out);
          views[fileIndex][view] = out;
        }),
      );
    }
    done += chunk.length;
    o.onProgress?.(done, jobs.length);
  });

  const problems: DatasetProblem[] = [...failed]
    .sort((a, b) => a[0] - b[0])
    .map(([i, reason]) => ({ path: o.files[i].path, rel: o.files[i].rel, reason, stage: 'decode' as const }));
  problems.forEach((p) => o.onProblem?.(p));
  const items: BoundaryItem[] = [];
  o.files.forEach((file, i) => {
    if (!failed.has(i)) items.push({ file, hash: hashes[i], views: views[i] });
  });
  return { items, computed, cached, problems };
}
