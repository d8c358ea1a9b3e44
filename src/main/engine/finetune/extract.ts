/**
 * The single frozen pass of a fine-tuning run, over the chunked feature store: for every image view, the
 * tensors crossing the unfreeze boundary (fine-tune phase, evaluation) and the head's feature vector
 * (head phase). Both live in the store: the feature vectors in the very set plain extraction uses (same
 * set numbers and record keys, so either kind of run warms the other), the boundary rows in a set keyed
 * by the same numbers plus the boundary tensors' names, float32 (what is cached is exactly what the
 * whole model computes). Integrity (crc per record, torn chunks dropped and recomputed) and concurrency
 * (one chunk file per writer) are the store's.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AugmentSpec } from '@shared/augment';
import type { DatasetFile, DatasetProblem } from '@shared/dataset';
import { hashString, mixSeed } from '@shared/random';
import { mapLimit } from '../../util/concurrency';
import type { FeatureBase } from '../bases/load';
import type { ExtractItem, PixelOptions } from '../extract/batch';
import {
  contentHash,
  DEFAULT_MEMORY_BUDGET,
  StoppedError,
  type FeatureItem,
  type FeatureSet,
} from '../extract/features';
import { recordKey } from '../store/format';
import type { StoreSet } from '../store/set';
import type { FeatureStore, Precision, SetNumbers, StoredForm } from '../store/store';
import { encodeVector, MemoryTable, StoreTable, type FeatureTable } from '../store/table';
import type { BoundaryLayout } from './frozen-outputs';

/** Runs the frozen pass on a batch of image views: one row (Σ entrySizes floats) per decodable item. */
export interface BoundaryExtractor {
  readonly engines: number;
  readonly batchSize?: number;
  run(items: ExtractItem[]): Promise<{ rows: Float32Array; errors: (string | null)[] }>;
}

export interface BoundaryExtractOptions {
  files: DatasetFile[];
  base: FeatureBase;
  layout: Pick<BoundaryLayout, 'split' | 'entrySizes'>;
  extractor: BoundaryExtractor;
  pixel: PixelOptions;
  /** The feature store (null: no caching; everything must fit the memory budget). */
  store: FeatureStore | null;
  /** What the head needs per view (pooled vectors for a pooling head). */
  form: StoredForm;
  /** Of the feature vectors (boundary rows are always float32). Default float16. */
  precision?: Precision;
  augment: AugmentSpec | null;
  views: number;
  seed: number;
  batchSize?: number;
  /** Bytes each table (feature vectors, boundary rows) may hold in memory before it streams from the store. */
  memoryBudget?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onProblem?: (p: DatasetProblem) => void;
  onWarning?: (message: string) => void;
}

/** The boundary rows of a run: row r is the same image view as row r of the feature set's table. */
export interface BoundaryRows {
  table: FeatureTable;
  /** Floats per row: every boundary tensor back to back. */
  size: number;
}

export interface BoundarySet {
  features: FeatureSet;
  boundary: BoundaryRows;
}

/** Set numbers of a run's boundary rows: its feature set's, plus the boundary (the cut). */
export const boundaryNumbers = (features: SetNumbers, names: string[]): SetNumbers => ({
  ...features,
  form: 'full',
  precision: 'float32',
  extra: { ...features.extra, boundary: names },
});

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** One stored part of a row: where it goes (memory or stream table) and its store set. */
class Part {
  readonly mem: MemoryTable | null;
  readonly disk: StoreTable | null;
  constructor(
    readonly set: StoreSet | null,
    readonly rows: number,
    readonly size: number,
    readonly precision: Precision,
    stream: boolean,
  ) {
    this.mem = stream ? null : new MemoryTable(rows, size, precision);
    this.disk = stream ? new StoreTable(set!, rows, size, precision) : null;
  }
  get table(): FeatureTable {
    return (this.mem ?? this.disk)!;
  }
  /** Finds rows' records in the store; returns the rows not found intact. */
  async lookup(rows: number[], keys: string[]): Promise<Set<number>> {
    const missing = new Set(rows);
    if (!this.set) return missing;
    const found = rows.map((_, i) => i).filter((i) => this.set!.locate(keys[i]) !== undefined);
    const locs = found.map((i) => this.set!.locate(keys[i])!);
    await this.set.readLocs(
      locs,
      found.map((i) => keys[i]),
      (j, dtype, buf, at) => {
        const i = found[j];
        missing.delete(rows[i]);
        if (this.mem) this.mem.set(rows[i], dtype, buf, at);
        else this.disk!.set(rows[i], locs[j], keys[i]);
      },
    );
    return missing;
  }
  async keep(row: number, key: string, v: Float32Array): Promise<void> {
    const enc = encodeVector(v, this.precision);
    const loc = this.set ? await this.set.put(key, enc.dtype, enc.bytes) : null;
    if (this.mem) this.mem.set(row, enc.dtype, enc.bytes);
    else if (loc === null)
      throw new Error(
        `cannot write the feature store (${this.set!.writeError?.message ?? 'unknown error'}), and the fine-tuning cache exceeds the memory budget`,
      );
    else this.disk!.set(row, loc, key);
  }
}

/**
 * Feature vectors and boundary rows for every file and view: from the store where both are found
 * intact, else from one frozen pass (then stored). Same seeds and record keys as plain extraction, so
 * view v of an image is the same augmented picture and its feature vector the same record.
 */
export async function extractBoundary(o: BoundaryExtractOptions): Promise<BoundarySet> {
  const featureShape = o.base.featureShape;
  const vectorShape = o.form === 'full' ? featureShape : [featureShape[featureShape.length - 1]];
  const vectorSize = prod(vectorShape);
  const { split, entrySizes } = o.layout;
  const boundarySize = split.boundary.reduce((a, b) => a + b.size, 0);
  if (entrySizes.at(-1) !== vectorSize)
    throw new Error(
      `the frozen pass gives ${entrySizes.at(-1)} features per view, the head needs ${vectorSize}`,
    );
  const precision = o.precision ?? 'float16';
  const augmented = o.augment !== null;
  const isAug = (f: DatasetFile) => augmented && f.split === 'train';
  const viewsOf = (f: DatasetFile) => (isAug(f) ? o.views : 1);
  // Exactly extractFeatures' view tags: the feature records are shared with plain runs.
  const augTag = augmented
    ? createHash('sha256')
        .update(JSON.stringify([o.augment, o.seed]))
        .digest('hex')
        .slice(0, 16)
    : '';
  const viewTag = (f: DatasetFile, view: number) => (isAug(f) ? `${augTag}:${view}` : 'clean');
  const numbers: SetNumbers = {
    base: o.base.fingerprint,
    resize: o.pixel.resize,
    preprocessing: o.pixel.preprocessing,
    inputSize: o.pixel.inputSize,
    form: o.form,
    precision,
  };
  const bNumbers = boundaryNumbers(
    numbers,
    split.boundary.map((b) => b.name),
  );

  const jobs: { fileIndex: number; view: number; row: number }[] = [];
  const rowsOf = o.files.map((f, fileIndex) =>
    Array.from({ length: viewsOf(f) }, (_, view) => {
      jobs.push({ fileIndex, view, row: jobs.length });
      return jobs.length - 1;
    }),
  );
  const budget = o.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  const featureBytes = jobs.length * vectorSize * (precision === 'float16' ? 2 : 4);
  const boundaryBytes = jobs.length * boundarySize * 4;
  if ((featureBytes > budget || boundaryBytes > budget) && !o.store)
    throw new Error(
      `fine-tuning needs ${((featureBytes + boundaryBytes) / 1024 ** 3).toFixed(1)} GB of cached tensors, more than the memory budget: enable the feature cache (or use fewer views)`,
    );
  const info = { baseId: o.base.id, baseName: o.base.displayName, featureShape };
  const fSet = o.store ? await o.store.open(numbers, { ...info, vectorShape }, vectorSize) : null;
  const bSet = o.store
    ? await o.store.open(bNumbers, { ...info, vectorShape: [boundarySize] }, boundarySize)
    : null;
  const feat = new Part(fSet, jobs.length, vectorSize, precision, featureBytes > budget);
  const bound = new Part(bSet, jobs.length, boundarySize, 'float32', boundaryBytes > budget);

  const hashes: string[] = new Array(o.files.length);
  const failed = new Map<number, string>();
  const batchSize = o.batchSize ?? o.extractor.batchSize ?? 16;
  const chunks: (typeof jobs)[] = [];
  for (let i = 0; i < jobs.length; i += batchSize) chunks.push(jobs.slice(i, i + batchSize));
  let done = 0;
  let cached = 0;
  let computed = 0;

  try {
    await mapLimit(chunks, o.extractor.engines * 2 + 1, async (chunk) => {
      if (o.signal?.aborted) throw new StoppedError();
      // One bytes object per file: the extractor decodes it once for all of its views.
      const bytes = new Map<number, Uint8Array>();
      const live: typeof jobs = [];
      for (const job of chunk) {
        if (failed.has(job.fileIndex)) continue;
        if (hashes[job.fileIndex] === undefined) {
          try {
            const data = new Uint8Array(await readFile(o.files[job.fileIndex].path));
            bytes.set(job.fileIndex, data);
            hashes[job.fileIndex] = contentHash(data);
          } catch (e) {
            const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
            failed.set(job.fileIndex, `unreadable: ${why}`);
            continue;
          }
        }
        live.push(job);
      }
      const rows = live.map((j) => j.row);
      const keys = live.map((j) => recordKey(hashes[j.fileIndex], viewTag(o.files[j.fileIndex], j.view)));
      const [noFeature, noBoundary] = await Promise.all([feat.lookup(rows, keys), bound.lookup(rows, keys)]);
      const misses = live
        .map((j, i) => ({ job: j, key: keys[i] }))
        .filter((m) => noFeature.has(m.job.row) || noBoundary.has(m.job.row));
      cached += live.length - misses.length;
      if (misses.length) {
        for (const { job } of misses)
          if (!bytes.has(job.fileIndex))
            bytes.set(job.fileIndex, new Uint8Array(await readFile(o.files[job.fileIndex].path)));
        const r = await o.extractor.run(
          misses.map(({ job }) => ({
            bytes: bytes.get(job.fileIndex)!,
            augment: isAug(o.files[job.fileIndex]) ? o.augment : null,
            seed: mixSeed(o.seed, hashString(hashes[job.fileIndex]), job.view),
          })),
        );
        const width = boundarySize + vectorSize;
        let k = 0;
        const writes: Promise<void>[] = [];
        misses.forEach(({ job, key }, i) => {
          const err = r.errors[i];
          if (err) return void failed.set(job.fileIndex, err);
          const at = width * k++;
          computed++;
          // Each part owns a copy (the batch buffer is not kept alive by one view).
          if (noBoundary.has(job.row))
            writes.push(bound.keep(job.row, key, r.rows.slice(at, at + boundarySize)));
          if (noFeature.has(job.row))
            writes.push(feat.keep(job.row, key, r.rows.slice(at + boundarySize, at + width)));
        });
        await Promise.all(writes);
      }
      done += chunk.length;
      o.onProgress?.(done, jobs.length);
    });
  } finally {
    // Seals this run's chunks (later runs and other processes read them by their index).
    await Promise.all([fSet?.close(), bSet?.close()]);
  }
  const corrupt = (fSet?.corrupt ?? 0) + (bSet?.corrupt ?? 0);
  if (corrupt)
    o.onWarning?.(
      `${corrupt} stored record(s) failed their checks (checksum or truncation): dropped and recomputed`,
    );
  const writeError = fSet?.writeError ?? bSet?.writeError;
  if (writeError)
    o.onWarning?.(
      `the feature store could not be written (${writeError.message}): what was not stored will be recomputed next time`,
    );

  const problems: DatasetProblem[] = [...failed]
    .sort((a, b) => a[0] - b[0])
    .map(([i, reason]) => ({ path: o.files[i].path, rel: o.files[i].rel, reason, stage: 'decode' as const }));
  problems.forEach((p) => o.onProblem?.(p));
  const items: FeatureItem[] = [];
  o.files.forEach((file, i) => {
    if (!failed.has(i)) items.push({ file, hash: hashes[i], views: rowsOf[i] });
  });
  return {
    features: {
      featureShape,
      form: o.form,
      vectorShape,
      vectorSize,
      table: feat.table,
      items,
      computed,
      cached,
      corrupt,
      problems,
    },
    boundary: { table: bound.table, size: boundarySize },
  };
}
