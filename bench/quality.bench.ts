/**
 * Data-quality speed at scale: `npx tsx bench/quality.bench.ts` (10k and 100k images) or `--quick`
 * (10k only, no head selection); `--sizes 100000 --only near` for one section. Prints ONE JSON object on
 * stdout; progress goes to stderr.
 *
 * - nearDuplicates: `findDuplicates` (the threshold search; then again with the default local margin,
 *   timed apart) on synthetic-but-realistic embeddings "after features are cached":
 *   the real pooled MobileNetV2-0.35 embeddings of hymenoptera's 398 photos, mixed and jittered into n
 *   distinct images (each a blend of two real photos with per-channel multiplicative noise), plus 1%
 *   planted near-copies (a copy with milder noise). Reported: wall time by phase, peak memory, candidates,
 *   the cosine distribution of distinct pairs next to the real photos' own (is the synthetic set as hard?),
 *   and exactness: at 10k against a brute-force full product; at 100k for 500 random rows against all.
 * - phash: multi-index matching of 100k perceptual hashes (jittered real ones) at the default distance.
 * - labelReview / headAuto: on the real hymenoptera features (seconds, not scale).
 * - scale (`--only scale --scale 10k [--scale-cache DIR]`): the pre-training check's phash and duplicate
 *   stages on a bench/scale-dataset.ts folder, after features are cached (bench/quality-scale.ts).
 * Other processes skew timings: each section reports the 1-minute load average when it started, and
 * CPU seconds (every thread) beside wall seconds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { DuplicateOptions } from '@shared/quality';
import { TrainConfig } from '@shared/train';
import { initBackend } from '../src/main/engine/backend';
import { loadBase } from '../src/main/engine/bases/load';
import { resolveBase } from '../src/main/engine/bases/resolve';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { extractFeatures, type FeatureItem } from '../src/main/engine/extract/features';
import { LazyExtractor } from '../src/main/engine/extract/lazy';
import { CvData, type CvSource } from '../src/main/engine/quality/cross-val';
import { findDuplicates, type DuplicateImage } from '../src/main/engine/quality/duplicates';
import { centredUnitRows, pooledEmbeddings } from '../src/main/engine/quality/embed';
import { autoHead } from '../src/main/engine/quality/head-auto';
import { reviewLabels } from '../src/main/engine/quality/label-review';
import { gemm } from '../src/main/engine/quality/ort-kernels';
import { perceptualHashes } from '../src/main/engine/quality/phash';
import { phashPairs } from '../src/main/engine/quality/phash-match';
import { dot } from '../src/main/engine/quality/similarity';
import { mulberry32 } from '@shared/random';
import { FeatureStore } from '../src/main/engine/store/store';
import { scaleQuality } from './quality-scale';
import { arg } from './measure';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const DATA = path.join(SHARED, 'datasets', 'hymenoptera_data');
const MODELS = path.join(SHARED, 'models');
const quick = process.argv.includes('--quick');
/** `--sizes 10000,100000` overrides the near-duplicate sizes; `--only near` runs just that section. */
const sizes = arg('--sizes')?.split(',').map(Number) ?? (quick ? [10_000] : [10_000, 100_000]);
const only = arg('--only');
const log = (s: string) => process.stderr.write(`[quality-bench] ${s}\n`);
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const mb = (b: number) => round(b / 1024 ** 2, 0);

/** Peak RSS while `fn` runs (sampled every 50 ms). */
async function withPeakRss<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; peakRssMB: number; baseRssMB: number; cpuS: number }> {
  const base = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    const cpu = process.cpuUsage(cpu0);
    // CPU seconds of every thread (ORT's included): steadier than wall time on a shared machine.
    return { result, peakRssMB: mb(peak), baseRssMB: mb(base), cpuS: round((cpu.user + cpu.system) / 1e6) };
  } finally {
    clearInterval(timer);
  }
}

async function realFeatures(baseId: string, cacheDir: string) {
  const backend = await initBackend('auto');
  const scan = await scanDataset(DATA);
  const base = await loadBase(await resolveBase(baseId, { mirrorDir: MODELS, download: false }));
  const pixel = { inputSize: base.inputSize, resize: 'stretch' as const, preprocessing: base.preprocessing };
  const extractor = new LazyExtractor(base, backend, pixel, os.availableParallelism());
  try {
    const set = await extractFeatures({
      files: scan.files,
      base,
      extractor,
      pixel,
      store: new FeatureStore(cacheDir),
      // Full maps: Flatten heads (head auto's grid) train on them, pooling heads pool them.
      form: 'full',
      augment: null,
      views: 1,
      seed: 42,
    });
    const sources = (items: FeatureItem[]): Record<'full', CvSource> => ({
      full: { table: set.table, rows: items.map((it) => it.views[0]) },
    });
    return { set, items: set.items, featureShape: base.featureShape, classes: scan.classes, sources };
  } finally {
    await extractor.close();
    base.full.dispose();
  }
}

function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** n synthetic pooled embeddings from real ones; the last 1% are near-copies of earlier rows. */
function synthetic(real: Float32Array, dim: number, n: number, seed: number) {
  const m = real.length / dim;
  const rand = mulberry32(seed);
  const g = gaussian(rand);
  const x = new Float32Array(n * dim);
  const planted = Math.floor(n / 100);
  const distinct = n - planted;
  for (let i = 0; i < distinct; i++) {
    // A random convex blend (Dirichlet(1,1,1)) of three real photos with multiplicative channel noise:
    // its distinct-pair cosines match the real photos' (99.9th percentile ≈ 0.5) — checked in the output.
    const src = [0, 1, 2].map(() => Math.floor(rand() * m));
    const e = src.map(() => -Math.log(rand() + 1e-12));
    const sum = e[0] + e[1] + e[2];
    for (let c = 0; c < dim; c++) {
      let v = 0;
      for (let k = 0; k < 3; k++) v += (e[k] / sum) * real[src[k] * dim + c];
      x[i * dim + c] = v * Math.exp(0.5 * g());
    }
  }
  const pairs: [number, number][] = [];
  for (let p = 0; p < planted; p++) {
    const src = Math.floor(rand() * distinct);
    const dst = distinct + p;
    const sigma = 0.05 + 0.3 * rand();
    for (let c = 0; c < dim; c++) x[dst * dim + c] = x[src * dim + c] * Math.exp(sigma * g());
    pairs.push([src, dst]);
  }
  return { x, pairs };
}

/** Cosines of `samples` random distinct (unplanted) pairs: median, 99.9th percentile, max. */
function cosineSpread(u: Float32Array, dim: number, rows: number, samples: number, seed: number) {
  const rand = mulberry32(seed);
  const s: number[] = [];
  for (let k = 0; k < samples; k++) {
    const i = Math.floor(rand() * rows);
    const j = Math.floor(rand() * rows);
    if (i !== j) s.push(dot(u, i * dim, j * dim, dim));
  }
  s.sort((a, b) => a - b);
  return {
    p50: round(s[s.length >> 1], 3),
    p999: round(s[Math.floor(s.length * 0.999)], 3),
    max: round(s[s.length - 1], 3),
  };
}

/** Pairs ≥ t among rows `from` (all of them when null) × all rows, by a brute-force full product in ORT. */
async function bruteForce(
  u: Float32Array,
  dim: number,
  t: number,
  from: number[] | null,
): Promise<Set<string>> {
  const n = u.length / dim;
  const rows = from ?? Array.from({ length: n }, (_, i) => i);
  const out = new Set<string>();
  const B = 1024;
  for (let r0 = 0; r0 < rows.length; r0 += B) {
    const idx = rows.slice(r0, r0 + B);
    const a = new Float32Array(idx.length * dim);
    idx.forEach((i, k) => a.set(u.subarray(i * dim, (i + 1) * dim), k * dim));
    for (let c0 = 0; c0 < n; c0 += 8192) {
      const w = Math.min(8192, n - c0);
      const s = await gemm(a, [idx.length, dim], u.subarray(c0 * dim, (c0 + w) * dim), [w, dim], false, true);
      for (let k = 0; k < idx.length; k++)
        for (let j = 0; j < w; j++) {
          const i = idx[k];
          const jj = c0 + j;
          if (i !== jj && s[k * w + j] >= t) out.add(i < jj ? `${i},${jj}` : `${jj},${i}`);
        }
    }
  }
  return out;
}

async function nearDuplicates(real: Float32Array, dim: number, n: number) {
  const threshold = DuplicateOptions.parse({}).embeddingThreshold;
  log(`near-duplicates at n=${n}: generating…`);
  const { x, pairs } = synthetic(real, dim, n, 7);
  const images: DuplicateImage[] = Array.from({ length: n }, (_, i) => ({
    contentHash: i.toString(16).padStart(64, '0'),
    rel: `img/${i}.jpg`,
    path: `/img/${i}.jpg`,
    split: i % 5 ? 'train' : 'val',
    classIndex: i % 3,
  }));
  const loadAvg1 = round(os.loadavg()[0]);
  log(`near-duplicates at n=${n}: searching (load ${loadAvg1})…`);
  const t0 = performance.now();
  const {
    result: report,
    peakRssMB,
    baseRssMB,
    cpuS,
  } = await withPeakRss(() =>
    // The threshold search alone (exactness is checked against it); the local margin is timed below.
    findDuplicates({ images, embeddings: { data: x, dim }, options: { localMargin: 0 } }),
  );
  const wallS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  const withMargin = await findDuplicates({ images, embeddings: { data: x, dim } });
  const cpuMargin = process.cpuUsage(cpu1);
  const idOf = (rel: string) => Number(rel.slice(4, -4));
  const grouped = new Map<number, number>();
  withMargin.groups.forEach((g, k) => g.members.forEach((m) => grouped.set(idOf(m.rel), k)));
  const localMargin = {
    wallS: round((performance.now() - t1) / 1000),
    cpuS: round((cpuMargin.user + cpuMargin.system) / 1e6),
    localMs: withMargin.embedding?.phasesMs.local,
    crowdedPairs: withMargin.embedding?.crowdedPairs,
    // Planted near-copies still grouped with their source (they are above the threshold: see `planted`).
    plantedFound: pairs.filter(([i, j]) => grouped.has(i) && grouped.get(i) === grouped.get(j)).length,
  };
  log(`near-duplicates at n=${n}: ${wallS.toFixed(1)} s`);
  // Ground truth from the same centred unit rows the detector compares.
  const u = centredUnitRows(x, dim);
  const found = new Set<string>();
  for (const g of report.groups) {
    const ids = g.members.map((m) => idOf(m.rel));
    for (let a = 0; a < ids.length; a++)
      for (let b = a + 1; b < ids.length; b++)
        found.add(ids[a] < ids[b] ? `${ids[a]},${ids[b]}` : `${ids[b]},${ids[a]}`);
  }
  const plantedAbove = pairs.filter(([i, j]) => dot(u, i * dim, j * dim, dim) >= threshold);
  const plantedFound = plantedAbove.filter(([i, j]) => found.has(`${i},${j}`)).length;
  let exactness: Record<string, unknown>;
  if (n <= 20_000) {
    const truth = await bruteForce(u, dim, threshold, null);
    const missed = [...truth].filter((p) => !found.has(p)).length;
    exactness = { method: 'brute-force full product, all pairs', truePairs: truth.size, missed };
  } else {
    const rand = mulberry32(11);
    const rows = Array.from({ length: 500 }, () => Math.floor(rand() * n));
    const truth = await bruteForce(u, dim, threshold, rows);
    const missed = [...truth].filter((p) => !found.has(p)).length;
    exactness = { method: 'brute-force for 500 random rows against all', truePairs: truth.size, missed };
  }
  return {
    n,
    dim,
    threshold,
    wallS: round(wallS),
    cpuS,
    loadAvg1AtStart: loadAvg1,
    embedding: report.embedding,
    withDefaultLocalMargin: localMargin,
    groups: report.counts.groups,
    planted: { pairs: pairs.length, aboveThreshold: plantedAbove.length, found: plantedFound },
    exactness,
    memory: { inputMB: mb(x.byteLength), baseRssMB, peakRssMB },
    distinctPairCosine: cosineSpread(u, dim, n - pairs.length, 200_000, 3),
  };
}

async function phashScale(realHashes: string[], n: number) {
  const rand = mulberry32(5);
  const jitter = (h: string, bits: number) => {
    const b = h.split('').map((c) => parseInt(c, 16));
    for (let k = 0; k < bits; k++) {
      const pos = Math.floor(rand() * 64);
      b[pos >> 2] ^= 8 >> (pos & 3);
    }
    return b.map((v) => v.toString(16)).join('');
  };
  // Real hashes with 24 of 64 bits flipped: siblings end up ~32 bits apart, as unrelated real photos are
  // (median 32 on hymenoptera); the last 1% are near-copies (≤ 4 bits) of earlier ones.
  const planted = n / 100;
  const hashes = Array.from({ length: n - planted }, () => {
    const r = Math.floor(rand() * realHashes.length);
    return { hash: jitter(realHashes[r], 24), mirrored: jitter(realHashes[(r + 1) % realHashes.length], 24) };
  });
  const pairs: [number, number][] = [];
  for (let p = 0; p < planted; p++) {
    const src = Math.floor(rand() * hashes.length);
    pairs.push([src, hashes.length]);
    hashes.push({ hash: jitter(hashes[src].hash, p % 5), mirrored: jitter(hashes[src].mirrored, p % 5) });
  }
  const max = DuplicateOptions.parse({}).phashMaxDistance;
  const loadAvg1 = round(os.loadavg()[0]);
  const t0 = performance.now();
  const found = new Set<string>();
  const stats = phashPairs(hashes, max, (i, j) => found.add(`${i},${j}`));
  return {
    n,
    maxDistance: max,
    wallS: round((performance.now() - t0) / 1000),
    loadAvg1AtStart: loadAvg1,
    ...stats,
    planted: { pairs: pairs.length, found: pairs.filter(([i, j]) => found.has(`${i},${j}`)).length },
  };
}

async function main() {
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'quality-bench-'));
  const out: Record<string, unknown> = {
    quick,
    cores: os.availableParallelism(),
    date: new Date().toISOString(),
  };
  try {
    if (only === 'scale') {
      const m = /^(\d+)(k?)$/i.exec(arg('--scale') ?? '10k');
      if (!m) throw new Error('--scale takes 10k, 100k or a number of images');
      const images = Number(m[1]) * (m[2] ? 1000 : 1);
      out.scale = await scaleQuality(images, { cacheDir: arg('--scale-cache') ?? cacheDir, log });
    } else {
      log('real features (MobileNetV2-0.35, hymenoptera)…');
      const v2 = await realFeatures('mobilenet_v2_0.35_224', cacheDir);
      const real = await pooledEmbeddings(v2.set, v2.items);
      const ru = centredUnitRows(real.data, real.dim);
      out.realPhotosCosine = cosineSpread(ru, real.dim, v2.items.length, 200_000, 3);
      out.nearDuplicates = [];
      for (const n of sizes)
        (out.nearDuplicates as unknown[]).push(await nearDuplicates(real.data, real.dim, n));
      if (only !== 'near') await rest(v2, cacheDir, out);
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

/** pHash at scale, label review, head auto. */
async function rest(
  v2: Awaited<ReturnType<typeof realFeatures>>,
  cacheDir: string,
  out: Record<string, unknown>,
) {
  const hashes = await perceptualHashes(v2.items.map((it) => it.file.path));
  out.phash = await phashScale(
    hashes.flatMap((h) => (h ? [h.hash] : [])),
    100_000,
  );
  if (!quick) {
    const settings = TrainConfig.parse({});
    const train = (items: FeatureItem[]) => items.filter((it) => it.file.split === 'train');
    let t = performance.now();
    const loadReview = round(os.loadavg()[0]);
    const review = await reviewLabels({
      data: new CvData(train(v2.items), v2.featureShape, v2.classes.length, v2.sources(train(v2.items))),
      classes: v2.classes,
      head: HeadSpec.parse(HEAD_PRESETS.light),
      settings,
    });
    out.labelReview = {
      images: review.queue.length,
      folds: review.cv.folds,
      wallS: round((performance.now() - t) / 1000),
      loadAvg1AtStart: loadReview,
    };
    out.headAuto = [];
    for (const baseId of ['mobilenet_v1_0.25_224', 'mobilenet_v2_0.35_224']) {
      const f = baseId === 'mobilenet_v2_0.35_224' ? v2 : await realFeatures(baseId, cacheDir);
      const loadAvg1 = round(os.loadavg()[0]);
      t = performance.now();
      const r = await autoHead({
        data: new CvData(train(f.items), f.featureShape, f.classes.length, f.sources(train(f.items))),
        settings,
      });
      (out.headAuto as unknown[]).push({
        base: baseId,
        winner: r.winner.id,
        cvAccuracy: round(r.rows.find((x) => x.candidate.id === r.winner.id)!.accuracy!, 4),
        candidates: r.rows.length,
        skipped: r.rows.filter((x) => x.status === 'skipped').length,
        wallS: round((performance.now() - t) / 1000),
        loadAvg1AtStart: loadAvg1,
      });
    }
  }
}

await main();
