/**
 * Where feature extraction's CPU goes, per base, on ONNX Runtime's CPU provider:
 * `npx tsx bench/extract.bench.ts [--base v2-0.35,v2-1.0,v1-0.25] [--threads N] [--reps N] [--batch N]`.
 * Prints ONE JSON object. For each base, on the hymenoptera photos (train + val):
 * - decode: decode (sharp) of every image into raw pixel batches, several batches in flight, as the
 *   extractor does — no inference (the session preprocesses its uint8 input itself);
 * - inference: the ORT session alone on already-prepared batches;
 * - pipeline: the real thing (extractFeatures with a cold feature store: read, hash, decode, infer, store).
 * The session pools each map in its graph and the store keeps pooled vectors: what the default head needs.
 * Each reports wall time and this process's CPU time per image (every thread: libuv's pool where sharp
 * decodes, ORT's intra-op pool, the JS thread). CPU time per image barely depends on other work on the
 * machine, so `idleImagesPerSecBound` = cores × 1000 / pipeline CPU ms per image is the rate two idle cores
 * could reach if the work were spread perfectly (an upper bound; `imagesPerSec` is what this run got).
 * MobileNetV2-1.0 has random weights (built by the Keras application builder): architecture speed only.
 */
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { DatasetFile } from '@shared/dataset';
import { loadBase, type FeatureBase } from '../src/main/engine/bases/load';
import { resolveBase } from '../src/main/engine/bases/resolve';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { exportTfjs } from '../src/main/engine/export/tfjs';
import { preparePixelBatch, type PixelOptions, type PreparedBatch } from '../src/main/engine/extract/batch';
import { extractFeatures } from '../src/main/engine/extract/features';
import { OrtExtractor } from '../src/main/engine/onnx/extractor';
import { FeatureStore } from '../src/main/engine/store/store';
import { mapLimit } from '../src/main/util/concurrency';
import { initBackend } from '../src/main/engine/backend';
import { arg, log, removeTmpDirs, round, tmp } from './measure';
import { buildMobileNetV2 } from '../src/main/engine/keras/applications/mobilenet-v2';

const REPO = path.resolve(import.meta.dirname, '..');
const SHARED = path.resolve(REPO, '../shared');
const DATA = path.join(SHARED, 'datasets', 'hymenoptera_data');
const MODELS = path.join(SHARED, 'models');

const BASES: Record<string, { weights: string; load: () => Promise<FeatureBase> }> = {
  'v1-0.25': {
    weights: 'pretrained',
    load: async () =>
      loadBase(await resolveBase('mobilenet_v1_0.25_224', { mirrorDir: MODELS, download: false })),
  },
  'v2-0.35': {
    weights: 'pretrained',
    load: async () =>
      loadBase(await resolveBase('mobilenet_v2_0.35_224', { mirrorDir: MODELS, download: false })),
  },
  'v2-1.0': {
    weights: 'random (architecture speed only)',
    load: async () => {
      const dir = path.join(await tmp('bench-v2-1.0-'), 'mobilenet_v2_1.0_224');
      const model = buildMobileNetV2(1.0, [224, 224]);
      await exportTfjs(model, dir, [], {});
      model.dispose();
      return loadBase({ dir, entry: null, source: 'path' });
    },
  },
};
const wanted = (arg('--base') ?? 'v2-0.35,v2-1.0').split(',');
const threads = arg('--threads') ? Number(arg('--threads')) : undefined;
const reps = Number(arg('--reps') ?? 1);
/** Images per ORT run (default: the tuned row for the base). */
const batchSize = arg('--batch') ? Number(arg('--batch')) : undefined;

/** Wall seconds and own CPU seconds (all threads) of `fn`. */
async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; wallS: number; cpuS: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const c = process.cpuUsage(c0);
  return { result, wallS: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6 };
}

const perImage = (n: number, t: { wallS: number; cpuS: number }) => ({
  imagesPerSec: round(n / t.wallS, 1),
  cpuMsPerImage: round((t.cpuS * 1000) / n, 2),
});

async function benchBase(key: string, files: DatasetFile[]) {
  const spec = BASES[key];
  const base = await spec.load();
  const pixel: PixelOptions = {
    inputSize: base.inputSize,
    resize: 'stretch',
    preprocessing: base.preprocessing,
  };
  const ex = await OrtExtractor.create(base, pixel, { device: 'cpu', threads, pool: 'avg', batchSize });
  const bytes = await Promise.all(files.map((f) => readFile(f.path)));
  const batches: number[][] = [];
  for (let i = 0; i < files.length; i += ex.batchSize)
    batches.push(Array.from({ length: Math.min(ex.batchSize, files.length - i) }, (_, j) => i + j));
  const items = (b: number[]) => b.map((i) => ({ bytes: bytes[i], augment: null, seed: 0 }));
  const out: Record<string, unknown>[] = [];
  try {
    for (let rep = 0; rep < reps; rep++) {
      const load1 = os.loadavg()[0];
      log(`${key}: decode…`);
      let prepared: PreparedBatch<Uint8Array>[] = [];
      const decode = await timed(async () => {
        prepared = await mapLimit(batches, 3, (b) => preparePixelBatch(items(b), pixel));
      });
      log(`${key}: inference…`);
      const infer = await timed(async () => {
        for (const p of prepared) await ex.runPrepared(p);
      });
      prepared = [];
      log(`${key}: pipeline…`);
      const store = new FeatureStore(await tmp('bench-extract-cache-'));
      const pipeline = await timed(() =>
        extractFeatures({
          files,
          base,
          extractor: ex,
          pixel,
          store,
          form: 'avg',
          augment: null,
          views: 1,
          seed: 42,
        }),
      );
      if (pipeline.result.computed !== files.length)
        throw new Error(`expected ${files.length} images through the base, got ${pipeline.result.computed}`);
      const n = files.length;
      out.push({
        loadAvg1AtStart: round(load1),
        decode: perImage(n, decode),
        inference: perImage(n, infer),
        pipeline: perImage(n, pipeline),
        idleImagesPerSecBound: round((os.availableParallelism() * 1000 * n) / (pipeline.cpuS * 1000), 1),
      });
    }
    return {
      base: key,
      id: base.id,
      weights: spec.weights,
      images: files.length,
      ranOn: ex.describe(),
      runs: out,
    };
  } finally {
    await ex.close();
    base.full.dispose();
  }
}

try {
  await initBackend('auto');
  const scan = await scanDataset(DATA);
  const files = scan.files;
  const results = [];
  for (const key of wanted) results.push(await benchBase(key, files));
  const report = {
    bench: 'extract',
    date: new Date().toISOString(),
    machine: {
      cores: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? null,
      loadAvgAtStart: os.loadavg().map((v) => round(v)),
    },
    threads: threads ?? 'default (one per core)',
    results,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await removeTmpDirs();
}
