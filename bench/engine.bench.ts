/**
 * Engine speed on real data: `npm run bench` (full) or `npm run bench -- --quick` (a subset, no end-to-end
 * runs, no peer). Prints ONE JSON object on stdout; progress goes to stderr.
 *
 * - extraction: images/s of feature extraction with decode included, cold (fresh cache dir), per shared base,
 *   with one engine (in-process) and two (one worker engine per core)
 * - headEpoch: seconds per head epoch on cached MobileNet v1 features, light and keras heads
 * - endToEnd: the `train` CLI on hymenoptera, MobileNetV2-0.35, 10 epochs, cold (empty cache) then warm;
 *   `toMetricsS` is start of training → final metrics (the engine's own clock), `processS` the whole process
 * - peer: the PyTorch CPU recipe (`../shared/bench/torch_recipe.py`), when Debian's torch is installed
 *
 * Other work on the machine skews timings: each section reports the load average and the CPU time other
 * processes used while it ran (`foreignCpuShare`: fraction of all cores' time).
 */
import { execFile, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DatasetFile } from '../src/shared/dataset';
import { HEAD_PRESETS } from '../src/shared/head';
import { TrainConfig } from '../src/shared/train';
import { initBackend } from '../src/main/engine/backend';
import { loadBase } from '../src/main/engine/bases/load';
import { resolveBase } from '../src/main/engine/bases/resolve';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { FeatureCache } from '../src/main/engine/extract/cache';
import { extractFeatures } from '../src/main/engine/extract/features';
import { LazyExtractor } from '../src/main/engine/extract/lazy';
import { runTraining } from '../src/main/engine/pipeline/run';
import { measured, removeTmpDirs, round, tmp } from './measure';

const REPO = path.resolve(import.meta.dirname, '..');
const SHARED = path.resolve(REPO, '../shared');
const DATA = path.join(SHARED, 'datasets', 'hymenoptera_data');
const MODELS = path.join(SHARED, 'models');
const PEER = path.join(SHARED, 'bench', 'torch_recipe.py');
const PYTHON = '/usr/bin/python3';
const BASES = ['mobilenet_v1_0.25_224', 'mobilenet_v2_0.35_224'] as const;
const E2E_BASE = 'mobilenet_v2_0.35_224';
const E2E_EPOCHS = 10;

const quick = process.argv.includes('--quick');
// ---- sections ----

async function extraction(files: DatasetFile[], baseId: string, engines: number) {
  const backend = await initBackend('auto');
  const base = await loadBase(await resolveBase(baseId, { mirrorDir: MODELS, download: false }));
  const pixel = { inputSize: base.inputSize, resize: 'stretch' as const, preprocessing: base.preprocessing };
  const cacheDir = await tmp(`bench-cache-${baseId}-`);
  const extractor = new LazyExtractor(base, backend, pixel, engines);
  try {
    const { result, wallS, load } = await measured(`extract ${baseId} engines=${engines}`, async () => {
      const t0 = performance.now();
      await extractor.run([]); // starts the engines (workers load the base themselves)
      const startupS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const set = await extractFeatures({
        files,
        base,
        extractor,
        pixel,
        cache: new FeatureCache(cacheDir),
        augment: null,
        views: 1,
        seed: 42,
      });
      return { set, startupS, extractS: (performance.now() - t1) / 1000 };
    });
    if (result.set.computed !== files.length)
      throw new Error(
        `expected ${files.length} images through the base, got ${result.set.computed} (${result.set.problems.length} problems)`,
      );
    return {
      cacheDir,
      report: {
        base: baseId,
        engines: extractor.started,
        images: files.length,
        imagesPerSec: round(files.length / result.extractS, 1),
        imagesPerSecWithStartup: round(files.length / wallS, 1),
        engineStartupS: round(result.startupS),
        extractS: round(result.extractS),
        ...load,
      },
    };
  } finally {
    await extractor.close();
    base.full.dispose();
  }
}

async function headEpochs(cacheDir: string, head: keyof typeof HEAD_PRESETS, epochs: number) {
  const { result, load } = await measured(`head epochs (${head}, v1 features)`, async () =>
    runTraining(
      TrainConfig.parse({
        base: 'mobilenet_v1_0.25_224',
        head: HEAD_PRESETS[head],
        epochs,
        earlyStopping: null,
        seed: 42,
      }),
      await scanDataset(DATA),
      { mirrorDir: MODELS, cacheDir },
    ),
  );
  const run = result;
  try {
    if (run.features.computed !== 0)
      throw new Error(
        `head bench expected a warm cache, but ${run.features.computed} images went through the base`,
      );
    return {
      head,
      base: run.base.id,
      epochs: run.history.length,
      trainImages: run.scan.counts.train.reduce((a, b) => a + b, 0),
      secondsPerEpoch: round(run.timings.trainMs / 1000 / run.history.length, 3),
      valAccuracy: run.accuracy === null ? null : round(run.accuracy, 4),
      ...load,
    };
  } finally {
    run.dispose();
  }
}

interface CliSummary {
  accuracy: number | null;
  epochs: number;
  features: { computed: number; cached: number; engines: number };
  timings: Record<string, number>;
  backend: { name: string };
}

/** One `train` CLI run as a user would start it; returns its JSONL summary (the last line). */
async function cliTrain(cacheDir: string, outDir: string): Promise<CliSummary> {
  const args = [
    path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
    path.join(REPO, 'src', 'main', 'engine', 'cli', 'main.ts'),
    'train',
    '--data',
    DATA,
    '--base',
    E2E_BASE,
    '--epochs',
    String(E2E_EPOCHS),
    // Patience ≥ epochs: all 10 epochs run, as in the peer.
    '--patience',
    String(E2E_EPOCHS),
    '--cache-dir',
    cacheDir,
    '--out',
    outDir,
    '--format',
    'tfjs',
    '--json',
  ];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0)
    throw new Error(`train CLI exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  const last = out.trim().split('\n').pop() ?? '';
  const summary = JSON.parse(last) as CliSummary & { type: string };
  if (summary.type !== 'summary')
    throw new Error(`train CLI's last line is not a summary: ${last.slice(0, 200)}`);
  return summary;
}

async function endToEnd() {
  const cacheDir = await tmp('bench-e2e-cache-');
  const out = await tmp('bench-e2e-out-');
  const runs: Record<'cold' | 'warm', unknown> = { cold: null, warm: null };
  let coldToMetrics = 0;
  let warmToMetrics = 0;
  for (const kind of ['cold', 'warm'] as const) {
    const { result, wallS, load } = await measured(`train CLI ${kind}`, () =>
      cliTrain(cacheDir, path.join(out, kind)),
    );
    const toMetricsS = result.timings.totalMs / 1000;
    if (kind === 'cold') coldToMetrics = toMetricsS;
    else warmToMetrics = toMetricsS;
    runs[kind] = {
      toMetricsS: round(toMetricsS),
      processS: round(wallS),
      timingsMs: result.timings,
      epochs: result.epochs,
      valAccuracy: result.accuracy === null ? null : round(result.accuracy, 4),
      features: result.features,
      backend: result.backend.name,
      ...load,
    };
  }
  return {
    base: E2E_BASE,
    epochs: E2E_EPOCHS,
    ...runs,
    coldToMetricsS: coldToMetrics,
    warmToMetricsS: warmToMetrics,
  };
}

async function peer(): Promise<{ peer: unknown; seconds: number | null }> {
  const exec = promisify(execFile);
  try {
    await exec(PYTHON, ['-c', 'import torch, torchvision'], { timeout: 120_000 });
  } catch (e) {
    const why = String((e as { stderr?: string }).stderr || (e as Error).message)
      .trim()
      .split('\n')
      .pop();
    return { peer: { peer: null, why: `${PYTHON} cannot import torch/torchvision: ${why}` }, seconds: null };
  }
  const { result, load } = await measured(`PyTorch peer (${E2E_EPOCHS} epochs)`, () =>
    exec(PYTHON, [PEER, DATA, String(E2E_EPOCHS)], { timeout: 1_800_000 }),
  );
  const seconds = Number(result.stdout.trim().split('\n').pop());
  if (!Number.isFinite(seconds))
    return {
      peer: { peer: null, why: `unexpected peer output: ${result.stdout.slice(0, 200)}` },
      seconds: null,
    };
  const torchVersion = (await exec(PYTHON, ['-c', 'import torch; print(torch.__version__)'])).stdout.trim();
  return {
    peer: {
      peer: 'torch_recipe.py (PyTorch CPU, decode + frozen base every epoch)',
      torch: torchVersion,
      epochs: E2E_EPOCHS,
      seconds,
      ...load,
    },
    seconds,
  };
}

// ---- main ----

async function main() {
  const startLoad = os.loadavg();
  const backend = await initBackend('auto');
  const scan = await scanDataset(DATA);
  const files = quick ? scan.files.filter((_, i) => i % Math.ceil(scan.files.length / 64) === 0) : scan.files;

  const extractionReports = [];
  const cacheOf = new Map<string, string>();
  for (const baseId of BASES) {
    for (const engines of [1, 2]) {
      const { cacheDir, report } = await extraction(files, baseId, engines);
      extractionReports.push(report);
      cacheOf.set(baseId, cacheDir);
    }
  }

  // Head epochs train on the full dataset, so the v1 cache must hold every file.
  let v1Cache = cacheOf.get('mobilenet_v1_0.25_224')!;
  if (quick) v1Cache = (await extraction(scan.files, 'mobilenet_v1_0.25_224', 2)).cacheDir;
  const headEpochCount = quick ? 3 : 10;
  const heads = [
    await headEpochs(v1Cache, 'light', headEpochCount),
    await headEpochs(v1Cache, 'keras', headEpochCount),
  ];

  let e2e: Awaited<ReturnType<typeof endToEnd>> | null = null;
  let peerResult: Awaited<ReturnType<typeof peer>> = {
    peer: { peer: null, why: 'skipped (--quick)' },
    seconds: null,
  };
  if (!quick) {
    e2e = await endToEnd();
    peerResult = await peer();
  }
  const speedup = e2e && peerResult.seconds ? peerResult.seconds / e2e.coldToMetricsS : null;

  const report = {
    bench: 'engine',
    quick,
    date: new Date().toISOString(),
    machine: {
      cores: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? null,
      memGB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${process.platform} ${os.release()}`,
      backend: {
        name: backend.name,
        tfBackend: backend.tfBackend,
        device: backend.device,
        threadsPerEngine: backend.threadsPerEngine,
        unavailable: backend.unavailable,
        fallbackKernels: backend.fallbackKernels.length,
      },
      loadAvgAtStart: startLoad.map((v) => round(v)),
      loadAvgAtEnd: os.loadavg().map((v) => round(v)),
    },
    dataset: { path: DATA, images: scan.files.length, extractionImages: files.length },
    extraction: extractionReports,
    headEpoch: heads,
    endToEnd: e2e && {
      base: e2e.base,
      epochs: e2e.epochs,
      cold: e2e.cold,
      warm: e2e.warm,
    },
    accuracy: {
      v1Light: heads[0].valAccuracy,
      v1Keras: heads[1].valAccuracy,
      v2LightCold: e2e ? (e2e.cold as { valAccuracy: number | null }).valAccuracy : null,
      v2LightWarm: e2e ? (e2e.warm as { valAccuracy: number | null }).valAccuracy : null,
    },
    peer: peerResult.peer,
    targets: e2e && {
      speedupVsPeer: speedup === null ? null : round(speedup, 2),
      coldAtLeast3x: speedup === null ? null : speedup >= 3,
      coldAim10x: speedup === null ? null : speedup >= 10,
      warmAtMost3s: e2e.warmToMetricsS <= 3,
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

try {
  await main();
} finally {
  await removeTmpDirs();
}
