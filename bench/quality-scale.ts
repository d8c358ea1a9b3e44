/**
 * The pre-training check's quality stages on a scale dataset (bench/scale-dataset.ts: real photos
 * cropped, flipped, re-encoded — crowded with near-duplicates, like a real 10k-image folder), timed
 * alone, "after features are cached": perceptual hashes (cold: every image decoded; warm: the content-hash
 * cache), and findDuplicates as `train` runs it. Exactness: the threshold search's pairs against a brute-
 * force full product (≤ 20k images). Wall and CPU seconds (every thread) with the load beside them.
 */
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuplicateOptions } from '@shared/quality';
import { initBackend } from '../src/main/engine/backend';
import { loadBase } from '../src/main/engine/bases/load';
import { resolveBase } from '../src/main/engine/bases/resolve';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { extractFeatures } from '../src/main/engine/extract/features';
import { LazyExtractor } from '../src/main/engine/extract/lazy';
import { duplicateImagesOf, findDuplicates } from '../src/main/engine/quality/duplicates';
import { centredUnitRows, pooledEmbeddings } from '../src/main/engine/quality/embed';
import { gemm } from '../src/main/engine/quality/ort-kernels';
import { perceptualHashes } from '../src/main/engine/quality/phash';
import { cachedPerceptualHashes, phashCacheFile } from '../src/main/engine/quality/phash-cache';
import { FeatureStore } from '../src/main/engine/store/store';
import { buildScaleDataset } from './scale-dataset';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

async function timed<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; wallS: number; cpuS: number; load1: number }> {
  const load1 = round(os.loadavg()[0]);
  const c = process.cpuUsage();
  const t = performance.now();
  const result = await fn();
  const cu = process.cpuUsage(c);
  return {
    result,
    wallS: round((performance.now() - t) / 1000),
    cpuS: round((cu.user + cu.system) / 1e6),
    load1,
  };
}

/** Pairs (i < j) with a cosine ≥ t among unit rows, from full float32 products in ORT. */
async function bruteForcePairs(u: Float32Array, dim: number, t: number): Promise<Set<string>> {
  const n = u.length / dim;
  const out = new Set<string>();
  for (let r0 = 0; r0 < n; r0 += 1024) {
    const m = Math.min(1024, n - r0);
    const s = await gemm(u.subarray(r0 * dim, (r0 + m) * dim), [m, dim], u, [n, dim], false, true);
    for (let a = 0; a < m; a++)
      for (let j = r0 + a + 1; j < n; j++) if (s[a * n + j] >= t) out.add(`${r0 + a},${j}`);
  }
  return out;
}

export async function scaleQuality(
  images: number,
  o: { cacheDir: string; log: (s: string) => void },
): Promise<Record<string, unknown>> {
  const data = await buildScaleDataset(images, path.join(SHARED, 'datasets', 'hymenoptera_data'), o.log);
  const scan = await scanDataset(data.dir);
  o.log(`scale ${images}: features (cached after the first run in ${o.cacheDir})…`);
  const backend = await initBackend('auto');
  const base = await loadBase(
    await resolveBase('mobilenet_v2_0.35_224', { mirrorDir: path.join(SHARED, 'models'), download: false }),
  );
  const pixel = { inputSize: base.inputSize, resize: 'stretch' as const, preprocessing: base.preprocessing };
  const extractor = new LazyExtractor(base, backend, pixel, os.availableParallelism());
  const ex = await timed(() =>
    extractFeatures({
      files: scan.files,
      base,
      extractor,
      pixel,
      store: new FeatureStore(o.cacheDir),
      form: 'avg',
      augment: null,
      views: 1,
      seed: 42,
    }),
  ).finally(async () => {
    await extractor.close();
    base.full.dispose();
  });
  const set = ex.result;
  try {
    const items = set.items;
    const paths = items.map((it) => it.file.path);
    const keyed = items.map((it) => ({ path: it.file.path, contentHash: it.hash }));
    o.log(`scale ${images}: perceptual hashes…`);
    await rm(path.dirname(phashCacheFile(o.cacheDir)), { recursive: true, force: true });
    const cold = await timed(() => perceptualHashes(paths));
    const coldCached = await timed(() => cachedPerceptualHashes(keyed, o.cacheDir));
    const warm = await timed(() => cachedPerceptualHashes(keyed, o.cacheDir));
    const same = warm.result.hashes.every((h, i) => JSON.stringify(h) === JSON.stringify(cold.result[i]));
    const emb = await timed(() => pooledEmbeddings(set, items));
    o.log(`scale ${images}: duplicates…`);
    const dupImages = duplicateImagesOf(items);
    let peak = process.memoryUsage().rss;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const base0 = process.memoryUsage().rss;
    const dup = await timed(() =>
      findDuplicates({ images: dupImages, embeddings: emb.result, phashes: warm.result.hashes }),
    ).finally(() => clearInterval(timer));
    let exactness: Record<string, unknown> = { skipped: 'more than 20k images' };
    if (items.length <= 20_000) {
      o.log(`scale ${images}: exactness against brute force…`);
      const t = DuplicateOptions.parse({}).embeddingThreshold;
      const search = await findDuplicates({
        images: dupImages,
        embeddings: emb.result,
        options: { localMargin: 0 },
      });
      const idx = new Map(dupImages.map((im, i) => [im.rel, i]));
      // Group membership from the search; pairs from brute force must each fall inside one group.
      const groupOf = new Map<number, number>();
      search.groups.forEach((g, k) => g.members.forEach((m) => groupOf.set(idx.get(m.rel)!, k)));
      const truth = await bruteForcePairs(
        centredUnitRows(emb.result.data, emb.result.dim),
        emb.result.dim,
        t,
      );
      let missed = 0;
      for (const p of truth) {
        const [i, j] = p.split(',').map(Number);
        if (groupOf.get(i) === undefined || groupOf.get(i) !== groupOf.get(j)) missed++;
      }
      exactness = {
        method: 'brute-force full float32 product (ORT), every pair ≥ threshold must share a group',
        truePairs: truth.size,
        searchPairs: search.embedding?.pairs,
        missed,
      };
    }
    return {
      images: items.length,
      extraction: {
        wallS: ex.wallS,
        cpuS: ex.cpuS,
        load1: ex.load1,
        computed: set.computed,
        cached: set.cached,
      },
      phash: {
        coldNoCache: { wallS: cold.wallS, cpuS: cold.cpuS, load1: cold.load1 },
        coldWritingCache: {
          wallS: coldCached.wallS,
          cpuS: coldCached.cpuS,
          computed: coldCached.result.computed,
        },
        warmFromCache: {
          wallS: warm.wallS,
          cpuS: warm.cpuS,
          cached: warm.result.cached,
          sameAsDecoded: same,
        },
      },
      embeddingsReadS: emb.wallS,
      duplicates: {
        wallS: dup.wallS,
        cpuS: dup.cpuS,
        load1: dup.load1,
        baseRssMB: Math.round(base0 / 2 ** 20),
        peakRssMB: Math.round(peak / 2 ** 20),
        counts: dup.result.counts,
        embedding: dup.result.embedding,
        phash: dup.result.phash,
      },
      exactness,
    };
  } finally {
    await set.table.close();
  }
}
