/**
 * Scale mode: `npm run -s bench -- --scale 10k` (or `100k`, or a number). Builds (once) a deterministic
 * dataset of that many images from the photos in ../shared (see scale-dataset.ts), then runs the `train`
 * CLI on it as a user would (MobileNetV2-0.35, the light head, 10 epochs, all of them run), cold (empty
 * cache) and warm, and finally an in-process warm run that streams the head's vectors from the store.
 * Prints ONE JSON object: time per stage, head seconds per epoch, peak RSS of every process involved
 * (sampled over the whole process tree; extraction workers are threads of the train process), cache
 * bytes on disk, and the targets. Other work on the machine skews timings: load is reported beside them.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cacheReport } from '../src/main/engine/store/report';
import { runTraining } from '../src/main/engine/pipeline/run';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { TrainConfig } from '@shared/train';
import { TreeSampler } from './proc-tree';
import { buildScaleDataset, SCALE_CLASSES } from './scale-dataset';

const REPO = path.resolve(import.meta.dirname, '..');
const SHARED = path.resolve(REPO, '../shared');
const PHOTOS = path.join(SHARED, 'datasets', 'hymenoptera_data');
const MODELS = path.join(SHARED, 'models');
const BASE = 'mobilenet_v2_0.35_224';
const EPOCHS = 10;
const TARGETS = {
  10000: { coldS: 60, headTrainS: 3, peakRssMB: 1024, cacheMB: null },
  100000: { coldS: 720, headTrainS: null, peakRssMB: 1536, cacheMB: 2048 },
} as const;

const log = (s: string) => process.stderr.write(`[bench:scale] ${s}\n`);
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

function parseScale(arg: string | undefined): number {
  const m = /^(\d+)(k?)$/i.exec(arg ?? '');
  if (!m) throw new Error(`--scale takes 10k, 100k or a number of images, got "${arg ?? ''}"`);
  return Number(m[1]) * (m[2] ? 1000 : 1);
}

/** CPU seconds used by everything on the machine (Linux), to show how busy it was. */
async function busyCpuS(): Promise<number | null> {
  const s = await readFile('/proc/stat', 'utf8').catch(() => null);
  if (!s) return null;
  const v = s.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] ?? 0)) / 100;
}

interface CliRun {
  wallS: number;
  summary: {
    accuracy: number | null;
    epochs: number;
    features: Record<string, number>;
    timings: Record<string, number>;
    backend: { name: string };
  };
  headEpochS: number[];
  memory: Awaited<ReturnType<TreeSampler['stop']>>;
  loadAvg1: number;
  machineBusyCpuS: number | null;
}

/** One `train` CLI process (tsx loaded in-process: one node process, its worker threads inside). */
async function cliTrain(data: string, cacheDir: string, outDir: string): Promise<CliRun> {
  const args = ['--import', 'tsx', path.join(REPO, 'src/main/engine/cli/main.ts'), 'train'];
  args.push('--data', data, '--base', BASE, '--epochs', String(EPOCHS), '--patience', String(EPOCHS));
  // The light head, as the targets were set for (head auto's own cost: bench/head-auto-cost.bench.ts).
  args.push('--head', 'light');
  args.push('--cache-dir', cacheDir, '--out', outDir, '--format', 'tfjs', '--json');
  const load1 = os.loadavg()[0];
  const busy0 = await busyCpuS();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const sampler = new TreeSampler(child.pid!).start();
  let memory: CliRun['memory'] | null = null;
  let buf = '';
  let err = '';
  let summary: CliRun['summary'] | null = null;
  const epochEnds: number[] = [];
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as { type: string; phase?: string; elapsedMs?: number };
      if (e.type === 'epoch' && e.phase === 'head') epochEnds.push(e.elapsedMs!);
      if (e.type === 'summary') {
        summary = e as unknown as CliRun['summary'];
        // Read the tree's peaks now: the process exits right after its summary.
        void sampler.stop().then((m) => (memory = m));
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallS = (performance.now() - t0) / 1000;
  memory ??= await sampler.stop();
  if (code !== 0 || !summary)
    throw new Error(`train CLI exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  const busy1 = await busyCpuS();
  return {
    wallS,
    summary,
    headEpochS: epochEnds.map((t, i) => round((t - (epochEnds[i - 1] ?? 0)) / 1000, 3)),
    memory: memory!,
    loadAvg1: round(load1),
    machineBusyCpuS: busy0 !== null && busy1 !== null ? round(busy1 - busy0, 1) : null,
  };
}

function report(r: CliRun, cacheBytes: number | null) {
  const t = r.summary.timings;
  return {
    processS: round(r.wallS),
    stagesS: {
      scan: round(t.scanMs / 1000),
      loadBase: round(t.loadBaseMs / 1000),
      extract: round(t.extractMs / 1000),
      headTrain: round(t.trainMs / 1000),
      evaluate: round(t.evaluateMs / 1000),
      toMetrics: round(t.totalMs / 1000),
    },
    headEpochS: r.headEpochS,
    features: r.summary.features,
    valAccuracy: r.summary.accuracy === null ? null : round(r.summary.accuracy, 4),
    backend: r.summary.backend.name,
    peakRssMB: { tree: r.memory.peakTreeRssMB, processes: r.memory.processes, samples: r.memory.samples },
    cacheBytesOnDisk: cacheBytes,
    loadAvg1AtStart: r.loadAvg1,
    machineBusyCpuS: r.machineBusyCpuS,
  };
}

export async function scaleBench(arg: string | undefined): Promise<void> {
  const images = parseScale(arg);
  const startLoad = os.loadavg();
  log(`dataset of ${images} images…`);
  const ds = await buildScaleDataset(images, PHOTOS, log);
  log(`dataset ${ds.built ? `built in ${ds.buildS.toFixed(0)} s` : 'reused'}: ${ds.dir}`);
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'ts-scale-cache-'));
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'ts-scale-out-'));
  try {
    log('train CLI, cold…');
    const cold = await cliTrain(ds.dir, cacheDir, path.join(outDir, 'cold'));
    const cache = await cacheReport(cacheDir);
    log(`cold: ${cold.wallS.toFixed(1)} s; cache ${(cache.storeBytes / 2 ** 20).toFixed(1)} MB`);
    log('train CLI, warm…');
    const warm = await cliTrain(ds.dir, cacheDir, path.join(outDir, 'warm'));
    log(`warm: ${warm.wallS.toFixed(1)} s`);
    // The head's vectors streamed from the store (as when they exceed the memory budget), in this process.
    log('warm, streamed from the store…');
    const t0 = performance.now();
    const streamed = await runTraining(
      TrainConfig.parse({
        base: BASE,
        epochs: EPOCHS,
        earlyStopping: { patience: EPOCHS, restoreBest: true },
      }),
      await scanDataset(ds.dir),
      { cacheDir, mirrorDir: MODELS, featureMemoryBudget: 1 },
    );
    streamed.dispose();
    const streamedS = (performance.now() - t0) / 1000;
    const selfHwm = Number(/^VmHWM:\s+(\d+)/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1] ?? 0);
    const target = TARGETS[images as keyof typeof TARGETS] ?? null;
    const coldR = report(cold, cache.storeBytes);
    const out = {
      bench: 'scale',
      date: new Date().toISOString(),
      machine: {
        cores: os.availableParallelism(),
        cpu: os.cpus()[0]?.model ?? null,
        memGB: round(os.totalmem() / 2 ** 30, 1),
        node: process.version,
        loadAvgAtStart: startLoad.map((v) => round(v)),
        loadAvgAtEnd: os.loadavg().map((v) => round(v)),
      },
      dataset: {
        images,
        classes: SCALE_CLASSES,
        dir: ds.dir,
        builtNow: ds.built,
        buildS: round(ds.buildS, 1),
        bytes: ds.bytes,
      },
      config: { base: BASE, head: 'light (GAP → Dense 100)', epochs: EPOCHS },
      cold: coldR,
      warm: report(warm, null),
      streamedWarm: {
        note: 'in-process runTraining with featureMemoryBudget 1: head vectors streamed from the store',
        totalS: round(streamedS),
        headTrainS: round(streamed.timings.trainMs / 1000),
        headEpochS: round(streamed.timings.trainMs / 1000 / Math.max(1, streamed.history.length), 3),
        extractS: round(streamed.timings.extractMs / 1000),
        valAccuracy: streamed.accuracy === null ? null : round(streamed.accuracy, 4),
        benchProcessPeakRssMB: Math.round(selfHwm / 1024),
      },
      cache: {
        storeBytes: cache.storeBytes,
        sets: cache.sets.map((s) => ({
          form: s.form,
          precision: s.precision,
          records: s.records,
          bytes: s.bytes,
          chunks: s.chunks,
        })),
      },
      targets: target && {
        ...target,
        coldMet: coldR.stagesS.toMetrics <= target.coldS,
        headTrainMet: target.headTrainS === null ? null : coldR.stagesS.headTrain <= target.headTrainS,
        peakRssMet: coldR.peakRssMB.tree <= target.peakRssMB,
        cacheMet: target.cacheMB === null ? null : cache.storeBytes <= target.cacheMB * 2 ** 20,
      },
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  }
}
