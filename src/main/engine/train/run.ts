import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DatasetProblem, DatasetScan } from '../../../shared/dataset';
import type { EngineEvent, EpochMetrics, Evaluation } from '../../../shared/events';
import { isIdentityAugment } from '../../../shared/augment';
import { TrainConfig, type TrainConfigInput } from '../../../shared/train';
import { initBackend, type BackendPreference, type BackendReport } from '../backend';
import { loadBase, type FeatureBase } from '../bases/load';
import { resolveBase } from '../bases/resolve';
import { assertTrainable, scanDataset, withoutEmptyClasses } from '../dataset/scan';
import { FeatureCache } from '../extract/cache';
import { extractFeatures, type FeatureItem } from '../extract/features';
import { LazyExtractor } from '../extract/lazy';
import type { PixelOptions } from '../extract/batch';
import { evaluatePredictions } from '../evaluate/metrics';
import { applyLayers, buildHead, reseedDropout, type Head } from '../head/build';
import { mixSeed } from '../util/random';
import { tf } from '../tf';
import { defaultCacheDir } from '../util/paths';
import type { Checkpoint } from './checkpoint';
import { hoistPooling } from './hoist';
import { Checkpointer, dataDigest } from './resume';
import { balancedClassWeights } from './loss';
import { trainLoop, type ValSource } from './loop';
import {
  featureTrainSource,
  featureValSource,
  imageTrainSource,
  imageValSource,
  seededShuffle,
} from './sources';

export interface RunOptions {
  dataDir: string;
  config?: TrainConfigInput;
  jobId?: string;
  /** Feature cache root; null disables caching. Default: the OS cache dir. */
  cacheDir?: string | null;
  /** Local model mirror (overrides download URLs). */
  mirrorDir?: string | null;
  backend?: BackendPreference;
  /** Extraction engines (worker threads) for single-threaded backends. Default: one per core. */
  engines?: number;
  /** Bytes of features kept in memory; beyond it they are read back from the cache per batch. */
  featureMemoryBudget?: number;
  signal?: AbortSignal;
  onEvent?: (e: EngineEvent) => void;
  /** The run's folder: `run.json` and a checkpoint at every epoch end go there (see train/resume.ts). */
  runDir?: string | null;
  /** Continue from this checkpoint (taken in `runDir` by this run): `resumeRun` sets it. */
  resume?: Checkpoint | null;
}

export interface TrainRun {
  jobId: string;
  config: TrainConfig;
  scan: DatasetScan;
  classes: string[];
  base: FeatureBase;
  head: Head;
  pixel: PixelOptions;
  backend: BackendReport;
  /** Everything skipped: scan problems plus files that failed to decode. */
  problems: DatasetProblem[];
  history: EpochMetrics[];
  stopped: boolean;
  earlyStopped: boolean;
  fineTuned: boolean;
  evaluation: { val: Evaluation | null; test: Evaluation | null };
  /** Validation accuracy of the returned weights. */
  accuracy: number | null;
  features: { computed: number; cached: number; engines: number; views: number };
  timings: Record<
    'scanMs' | 'loadBaseMs' | 'extractMs' | 'trainMs' | 'fineTuneMs' | 'evaluateMs' | 'totalMs',
    number
  >;
  /** Base + head as one model (built once, shares the trained weights). Input: preprocessed pixels. */
  fullModel(): tf.LayersModel;
  dispose(): void;
}

function unfreeze(base: FeatureBase, spec: NonNullable<TrainConfig['fineTune']>): tf.layers.Layer[] {
  const layers = base.model.layers;
  const withWeights = layers.filter((l) => l.weights.length > 0);
  let chosen: tf.layers.Layer[];
  if (spec.fromLayer) {
    const from = layers.findIndex((l) => l.name === spec.fromLayer);
    if (from < 0) throw new Error(`fine-tune layer "${spec.fromLayer}" is not in base ${base.id}`);
    chosen = layers.slice(Math.max(1, from)).filter((l) => l.weights.length > 0);
  } else {
    // "Top N layers" counts layers that hold weights, as the UI lists them.
    chosen = withWeights.slice(Math.max(0, withWeights.length - spec.layers));
  }
  for (const l of layers) l.trainable = false;
  for (const l of chosen) l.trainable = true;
  return chosen;
}

async function probsOf(val: ValSource, batchSize: number): Promise<Float32Array> {
  const chunks: Float32Array[] = [];
  for (let s = 0; s < val.size; s += batchSize) {
    const p = await val.predict(s, Math.min(val.size, s + batchSize));
    chunks.push((await p.data()) as Float32Array);
    p.dispose();
  }
  const out = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Scan → base → features (cached) → head training → optional fine-tune → evaluation. */
export async function runTraining(opts: RunOptions): Promise<TrainRun> {
  const config = TrainConfig.parse(opts.config ?? {});
  const jobId = opts.jobId ?? randomUUID();
  const emit = (e: EngineEvent) => opts.onEvent?.(e);
  const stage = (s: Extract<EngineEvent, { type: 'stage' }>['stage'], done: number, total: number) =>
    emit({ type: 'stage', jobId, stage: s, done, total });
  const t0 = Date.now();
  const timings = {
    scanMs: 0,
    loadBaseMs: 0,
    extractMs: 0,
    trainMs: 0,
    fineTuneMs: 0,
    evaluateMs: 0,
    totalMs: 0,
  };

  const backend = await initBackend(opts.backend ?? 'auto');
  const scanned = await scanDataset(opts.dataDir, {
    ...config.split,
    onProgress: (d, t) => stage('scan', d, t),
  });
  for (const p of scanned.problems) emit({ type: 'problem', jobId, problem: p });
  for (const c of scanned.emptyClasses)
    emit({
      type: 'log',
      jobId,
      level: 'warn',
      message: `class folder "${c}" has no usable image: left out of the model`,
    });
  const scan = withoutEmptyClasses(scanned);
  assertTrainable(scan);
  timings.scanMs = Date.now() - t0;

  let t = Date.now();
  stage('load-base', 0, 1);
  const resolved = await resolveBase(config.base, {
    mirrorDir: opts.mirrorDir,
    modelsDir: opts.cacheDir ? path.join(opts.cacheDir, 'models') : undefined,
    onProgress: (d, n) => stage('load-base', d, n + 1),
  });
  const base = await loadBase(resolved);
  stage('load-base', 1, 1);
  timings.loadBaseMs = Date.now() - t;
  const head = buildHead(config.head, base.featureShape, scan.classes.length, config.seed);

  const pixel: PixelOptions = {
    inputSize: base.inputSize,
    resize: config.resize,
    preprocessing: base.preprocessing,
  };
  const augment = isIdentityAugment(config.augment) ? null : config.augment;
  const engines = opts.engines ?? Math.max(1, os.availableParallelism());
  const extractor = new LazyExtractor(base, backend, pixel, engines);
  const cacheRoot = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  t = Date.now();
  let featureSet;
  try {
    featureSet = await extractFeatures({
      files: scan.files,
      base,
      extractor,
      pixel,
      cache: cacheRoot ? new FeatureCache(cacheRoot) : null,
      augment,
      views: config.augmentViews,
      seed: config.seed,
      memoryBudget: opts.featureMemoryBudget,
      signal: opts.signal,
      onProgress: (d, n) => stage('extract', d, n),
      onProblem: (p) => emit({ type: 'problem', jobId, problem: p }),
    });
  } finally {
    await extractor.close();
  }
  timings.extractMs = Date.now() - t;
  const problems = [...scan.problems, ...featureSet.problems];
  const hoisted = hoistPooling(config.head, head, featureSet.items, base.featureShape);
  const bySplit = (s: string) => hoisted.items.filter((it) => it.file.split === s);
  const trainItems = bySplit('train');
  const valItems = bySplit('val');
  const testItems = bySplit('test');
  const counts = scan.classes.map((_, c) => trainItems.filter((it) => it.file.classIndex === c).length);
  if (counts.filter((n) => n > 0).length < 2)
    throw new Error(
      `need at least two classes with decodable training images, got ${counts.filter((n) => n > 0).length}`,
    );
  const classWeights = config.classWeight === 'balanced' ? balancedClassWeights(counts) : null;

  t = Date.now();
  let step = opts.resume?.step ?? 0;
  const ckpt = opts.runDir
    ? new Checkpointer({
        runDir: opts.runDir,
        jobId,
        data: dataDigest([...trainItems, ...valItems]),
        step: () => step,
        resume: opts.resume ?? null,
      })
    : null;
  await ckpt?.start(path.resolve(opts.dataDir), config);
  const headVars = head.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const regularization = () => {
    const losses = head.model.calculateLosses();
    return losses.length ? (tf.addN(losses) as tf.Scalar) : null;
  };
  const headPhase = await trainLoop({
    jobId,
    phase: 'head',
    forward: (x) => {
      reseedDropout(head.layers, mixSeed(config.seed, ++step));
      return hoisted.logits.apply(x, { training: true }) as tf.Tensor2D;
    },
    regularization,
    variables: headVars,
    snapshotWeights: head.model.weights,
    train: featureTrainSource(trainItems, hoisted.inputShape),
    val: valItems.length ? featureValSource(valItems, hoisted.inputShape, hoisted.model) : null,
    config,
    learningRate: config.learningRate,
    epochs: config.epochs,
    epochOffset: 0,
    classWeights,
    shuffle: seededShuffle(config.seed),
    signal: opts.signal,
    onEvent: emit,
    ...ckpt?.hooks('head', head.model.weights, []),
  });
  timings.trainMs = Date.now() - t;
  const history = [...headPhase.history];
  let stopped = headPhase.stopped;
  let fineTuned = false;

  if (config.fineTune && (config.fineTune.layers > 0 || config.fineTune.fromLayer) && !stopped) {
    t = Date.now();
    const unfrozen = unfreeze(base, config.fineTune);
    const vars = [
      ...headVars,
      ...unfrozen.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable)),
    ];
    const snapshotWeights = [...head.model.weights, ...unfrozen.flatMap((l) => l.weights)];
    const ft = await trainLoop({
      jobId,
      phase: 'fine-tune',
      // The base runs in inference mode: BatchNorm keeps its ImageNet statistics (Keras' advice).
      forward: (x) => {
        reseedDropout(head.layers, mixSeed(config.seed, ++step));
        const features = base.model.apply(x, { training: false }) as tf.Tensor;
        return head.logits.apply(features, { training: true }) as tf.Tensor2D;
      },
      regularization,
      variables: vars,
      snapshotWeights,
      train: imageTrainSource(trainItems, pixel, augment, config.seed),
      val: valItems.length ? imageValSource(valItems, pixel, base, head.model) : null,
      config,
      learningRate: config.fineTune.learningRate,
      epochs: config.fineTune.epochs,
      epochOffset: history.length,
      classWeights,
      shuffle: seededShuffle(config.seed + 1),
      signal: opts.signal,
      onEvent: emit,
      ...ckpt?.hooks('fine-tune', snapshotWeights, history, headPhase.earlyStopped),
    });
    for (const l of base.model.layers) l.trainable = false;
    history.push(...ft.history);
    stopped = ft.stopped;
    fineTuned = ft.history.length > 0;
    timings.fineTuneMs = Date.now() - t;
  }

  reseedDropout(head.layers, null);
  t = Date.now();
  const evalSplit = async (items: FeatureItem[], split: 'val' | 'test'): Promise<Evaluation | null> => {
    if (!items.length) return null;
    stage('evaluate', 0, items.length);
    const src = fineTuned
      ? imageValSource(items, pixel, base, head.model)
      : featureValSource(items, hoisted.inputShape, hoisted.model);
    const probs = await probsOf(src, 64);
    stage('evaluate', items.length, items.length);
    return evaluatePredictions(split, scan.classes, {
      probs,
      labels: src.labels,
      files: items.map((it) => ({ rel: it.file.rel, path: it.file.path })),
    });
  };
  const evaluation = { val: await evalSplit(valItems, 'val'), test: await evalSplit(testItems, 'test') };
  timings.evaluateMs = Date.now() - t;
  timings.totalMs = Date.now() - t0;

  let full: tf.LayersModel | null = null;
  return {
    jobId,
    config,
    scan,
    classes: scan.classes,
    base,
    head,
    pixel,
    backend,
    problems,
    history,
    stopped,
    earlyStopped: headPhase.earlyStopped,
    fineTuned,
    evaluation,
    accuracy: evaluation.val?.accuracy ?? null,
    features: {
      computed: featureSet.computed,
      cached: featureSet.cached,
      engines: extractor.started,
      views: augment ? config.augmentViews : 1,
    },
    timings,
    fullModel() {
      full ??= tf.model({
        inputs: base.full.inputs,
        outputs: applyLayers(head.layers, base.model.outputs[0]),
        name: 'transfer_studio_classifier',
      });
      return full;
    },
    dispose() {
      head.model.dispose();
      base.full.dispose();
    },
  };
}
