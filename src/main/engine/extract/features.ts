import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CodedError } from '@shared/errors';
import type { AugmentSpec } from '@shared/augment';
import type { DatasetFile, DatasetProblem } from '@shared/dataset';
import type { FeatureBase } from '../bases/load';
import { recordKey } from '../store/format';
import { globalPool } from '../store/pool';
import type { StoreSet } from '../store/set';
import type { FeatureStore, Precision, SetNumbers, StoredForm } from '../store/store';
import { decodeInto, encodeVector, MemoryTable, StoreTable, type FeatureTable } from '../store/table';
import { mapLimit } from '../../util/concurrency';
import { hashString, mixSeed } from '@shared/random';
import type { RgbImage } from '../image/rgb';
import type { ExtractItem, PixelOptions } from './batch';
import type { Extractor } from './pool';

export class StoppedError extends CodedError {
  override name = 'StoppedError';
  constructor() {
    super('CANCELLED', 'stopped');
  }
}

/** Above this many bytes of stored vectors, they stay on disk and training streams them. */
export const DEFAULT_MEMORY_BUDGET = 512 * 1024 ** 2;

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface FeatureItem {
  file: DatasetFile;
  hash: string;
  /** Rows in the set's table of views[0..K-1]; val/test items and un-augmented runs have one (clean). */
  views: number[];
}

export interface FeatureSet {
  /** The base's feature map shape. */
  featureShape: number[];
  /** What each row holds: the map itself, or it globally pooled. */
  form: StoredForm;
  /** Shape of one row: featureShape for 'full', [channels] when pooled. */
  vectorShape: number[];
  vectorSize: number;
  /** The vectors: in memory, or streamed from the store when over the memory budget. */
  table: FeatureTable;
  items: FeatureItem[];
  /** Image views sent through the base in this call. */
  computed: number;
  /** Vectors found in the store (or pooled from full maps already stored). */
  cached: number;
  /** Stored vectors that failed their checks (checksum, truncation): dropped and recomputed. */
  corrupt: number;
  problems: DatasetProblem[];
}

export interface ExtractOptions {
  files: DatasetFile[];
  base: FeatureBase;
  extractor: Extractor;
  pixel: PixelOptions;
  /** The feature store (null: no caching; everything must fit the memory budget). */
  store: FeatureStore | null;
  /** What to keep per view: pooled vectors when the head starts with global pooling. Default 'full'. */
  form?: StoredForm;
  /** Default float16 (float32 kept for vectors outside its range). */
  precision?: Precision;
  /** Augmentation for training images (null: clean views only). */
  augment: AugmentSpec | null;
  views: number;
  seed: number;
  batchSize?: number;
  /** Bytes of stored vectors to hold in memory before training streams them from the store. */
  memoryBudget?: number;
  signal?: AbortSignal;
  /**
   * Told each decoded file's image before augmentation (pixel options as given) with its content hash,
   * where the decode runs on this thread (ONNX Runtime; files whose views were all cached are not
   * decoded): the quality check's perceptual hashes come from it instead of a second decode.
   */
  onCleanDecode?: (contentHash: string, img: RgbImage) => void;
  onProgress?: (done: number, total: number) => void;
  onProblem?: (p: DatasetProblem) => void;
  onWarning?: (message: string) => void;
}

interface Job {
  fileIndex: number;
  view: number;
  row: number;
}

interface Pending {
  job: Job;
  key: string;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Vectors for every file and view: from the store where possible, else from the base (then stored).
 * Files are read and hashed as they are needed, so memory holds vectors (or only their locations), not
 * images. Every stored vector is checked (crc32) when read; a damaged one is dropped and recomputed.
 */
export async function extractFeatures(o: ExtractOptions): Promise<FeatureSet> {
  const featureShape = o.base.featureShape;
  const featureSize = prod(featureShape);
  const form = o.form ?? 'full';
  if (form !== 'full' && featureShape.length !== 3)
    throw new Error(`cannot pool a feature map of shape [${featureShape}]`);
  const vectorShape = form === 'full' ? featureShape : [featureShape[2]];
  const vectorSize = prod(vectorShape);
  const precision = o.precision ?? 'float16';
  const augmented = o.augment !== null;
  const isAug = (f: DatasetFile) => augmented && f.split === 'train';
  const viewsOf = (f: DatasetFile) => (isAug(f) ? o.views : 1);
  const augTag = augmented
    ? createHash('sha256')
        .update(JSON.stringify([o.augment, o.seed]))
        .digest('hex')
        .slice(0, 16)
    : '';
  const viewTag = (f: DatasetFile, view: number) => (isAug(f) ? `${augTag}:${view}` : 'clean');
  const numbers = (f: StoredForm): SetNumbers => ({
    base: o.base.fingerprint,
    resize: o.pixel.resize,
    preprocessing: o.pixel.preprocessing,
    inputSize: o.pixel.inputSize,
    form: f,
    precision,
  });

  const jobs: Job[] = [];
  const rowsOf: number[][] = o.files.map((f, fileIndex) =>
    Array.from({ length: viewsOf(f) }, (_, view) => {
      jobs.push({ fileIndex, view, row: jobs.length });
      return jobs.length - 1;
    }),
  );
  const storedBytes = jobs.length * vectorSize * (precision === 'float16' ? 2 : 4);
  const stream = storedBytes > (o.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  if (stream && !o.store)
    throw new Error(
      `features need ${(storedBytes / 1024 ** 3).toFixed(1)} GB, more than the memory budget: enable the feature cache (or use fewer views)`,
    );

  const info = { baseId: o.base.id, baseName: o.base.displayName, featureShape, vectorShape };
  const set = o.store ? await o.store.open(numbers(form), info, vectorSize) : null;
  // Stored full maps pool into any pooled form: a run with a Flatten head feeds later GAP runs.
  const fullSet =
    o.store && form !== 'full' ? await o.store.openExisting(numbers('full'), featureSize) : null;
  const memTable = stream ? null : new MemoryTable(jobs.length, vectorSize, precision);
  const diskTable = stream ? new StoreTable(set!, jobs.length, vectorSize, precision) : null;
  const table: FeatureTable = (memTable ?? diskTable)!;

  const hashes: string[] = new Array(o.files.length);
  const failed = new Map<number, string>();
  const batchSize = o.batchSize ?? o.extractor.batchSize ?? 16;
  let done = 0;
  let cached = 0;
  let computed = 0;

  const keep = async (p: Pending, v: Float32Array) => {
    const enc = encodeVector(v, precision);
    const loc = set ? await set.put(p.key, enc.dtype, enc.bytes) : null;
    if (memTable) memTable.set(p.job.row, enc.dtype, enc.bytes);
    else if (loc === null)
      throw new Error(
        `cannot write the feature store (${storeErrorText(set!.writeError)}), and the features (${(storedBytes / 1024 ** 3).toFixed(1)} GB) exceed the memory budget`,
      );
    else diskTable!.set(p.job.row, loc, p.key);
  };

  /** Looks keys up in a set; returns those not found intact. */
  const lookup = async (
    s: StoreSet,
    wanted: Pending[],
    onHit: (p: Pending, dtype: 1 | 2, buf: Buffer, at: number, loc: number) => void | Promise<void>,
  ): Promise<Pending[]> => {
    const found = wanted.filter((p) => s.locate(p.key) !== undefined);
    const locs = found.map((p) => s.locate(p.key)!);
    const hits: Promise<void>[] = [];
    const bad = new Set(
      await s.readLocs(
        locs,
        found.map((p) => p.key),
        (i, dtype, buf, at) => {
          const r = onHit(found[i], dtype, buf, at, locs[i]);
          if (r) hits.push(r);
        },
      ),
    );
    await Promise.all(hits);
    const foundSet = new Set(found.filter((_, i) => !bad.has(i)));
    return wanted.filter((p) => !foundSet.has(p));
  };

  const chunks: Job[][] = [];
  for (let i = 0; i < jobs.length; i += batchSize) chunks.push(jobs.slice(i, i + batchSize));

  try {
    await mapLimit(chunks, o.extractor.engines * 2 + 1, async (chunk) => {
      if (o.signal?.aborted) throw new StoppedError();
      const bytes = new Map<number, Uint8Array>();
      // The chunk's files are read at once (libuv's pool), not one await after another: the JS thread
      // spends much of its time inside ORT's run, and a chain of reads would wait out every run.
      const unread = new Set(
        chunk.map((j) => j.fileIndex).filter((i) => !failed.has(i) && hashes[i] === undefined),
      );
      await Promise.all(
        [...unread].map(async (i) => {
          try {
            const data = await readFile(o.files[i].path);
            bytes.set(i, data);
            hashes[i] = contentHash(data);
          } catch (e) {
            failed.set(i, `unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          }
        }),
      );
      let wanted: Pending[] = [];
      for (const job of chunk) {
        if (failed.has(job.fileIndex) || hashes[job.fileIndex] === undefined) continue;
        wanted.push({
          job,
          key: recordKey(hashes[job.fileIndex], viewTag(o.files[job.fileIndex], job.view)),
        });
      }
      if (set)
        wanted = await lookup(set, wanted, (p, dtype, buf, at, loc) => {
          cached++;
          if (memTable) memTable.set(p.job.row, dtype, buf, at);
          else diskTable!.set(p.job.row, loc, p.key);
        });
      if (fullSet && wanted.length)
        wanted = await lookup(fullSet, wanted, (p, dtype, buf, at) => {
          cached++;
          const map = new Float32Array(featureSize);
          decodeInto(dtype, buf, at, featureSize, map, 0);
          return keep(p, globalPool(map, featureShape[2], form as 'avg' | 'max'));
        });
      if (wanted.length) {
        // Files hashed by an earlier chunk (another view of the same image) are read again, at once.
        await Promise.all(
          [...new Set(wanted.map((p) => p.job.fileIndex))]
            .filter((i) => !bytes.has(i))
            .map(async (i) => bytes.set(i, await readFile(o.files[i].path))),
        );
        const items: ExtractItem[] = [];
        for (const p of wanted) {
          const f = o.files[p.job.fileIndex];
          const data = bytes.get(p.job.fileIndex)!;
          const hash = hashes[p.job.fileIndex];
          items.push({
            bytes: data,
            augment: isAug(f) ? o.augment : null,
            seed: mixSeed(o.seed, hashString(hash), p.job.view),
            onDecoded: o.onCleanDecode && ((img) => o.onCleanDecode!(hash, img)),
          });
        }
        const r = await o.extractor.run(items);
        let k = 0;
        const writes: Promise<void>[] = [];
        wanted.forEach((p, i) => {
          const err = r.errors[i];
          if (err) {
            failed.set(p.job.fileIndex, err);
            return;
          }
          computed++;
          if (r.pooled) {
            // Already pooled in the base's graph (only ever the form asked for): one vector per item.
            if (r.pooled !== form) throw new Error(`the extractor pooled ${r.pooled}, ${form} was asked`);
            writes.push(keep(p, r.features.slice(k * vectorSize, (k + 1) * vectorSize)));
          } else {
            const map = r.features.subarray(k * featureSize, (k + 1) * featureSize);
            writes.push(keep(p, form === 'full' ? map.slice() : globalPool(map, featureShape[2], form)));
          }
          k++;
        });
        await Promise.all(writes);
      }
      done += chunk.length;
      o.onProgress?.(done, jobs.length);
    });
  } finally {
    // Seals this run's chunk (later runs and other processes read it by its index) and persists drops.
    await Promise.all([set?.close(), fullSet?.close()]);
  }
  const corrupt = (set?.corrupt ?? 0) + (fullSet?.corrupt ?? 0);
  if (corrupt)
    o.onWarning?.(
      `${corrupt} stored feature vector(s) failed their checks (checksum or truncation): dropped and recomputed`,
    );
  if (set?.writeError)
    o.onWarning?.(
      `the feature store could not be written (${storeErrorText(set.writeError)}): features that were not stored will be recomputed next time`,
    );

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
    items.push({ file, hash: hashes[i], views: rowsOf[i] });
  });
  return { featureShape, form, vectorShape, vectorSize, table, items, computed, cached, corrupt, problems };
}

function storeErrorText(e: Error | null): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC') return 'ENOSPC: the disk is full';
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `${code}: the folder is not writable`;
  return code ?? e?.message ?? 'unknown error';
}
