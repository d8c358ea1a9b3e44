/**
 * A whole fine-tuning run on the boundary cache, as the pipeline should compose it: ONE frozen pass per
 * image and view yields both the boundary tensors (for fine-tuning) and the feature map (pooled at once
 * when the head starts with global pooling, for the head phase); the head phase trains on those
 * features, the fine-tune phase on the boundary, evaluation reads the boundary too. No image is decoded
 * after extraction, and a warm store skips the base entirely. Same result type as `runTraining`.
 */
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DatasetFile } from '../../../shared/dataset';
import type { EngineEvent, Evaluation } from '../../../shared/events';
import { isIdentityAugment } from '../../../shared/augment';
import { TrainConfig } from '../../../shared/train';
import { initBackend } from '../backend';
import { loadBase } from '../bases/load';
import { resolveBase } from '../bases/resolve';
import { assertTrainable, scanDataset, withoutEmptyClasses } from '../dataset/scan';
import type { PixelOptions } from '../extract/batch';
import { evaluatePredictions } from '../evaluate/metrics';
import { applyLayers, buildHead, reseedDropout } from '../head/build';
import { defaultCacheDir } from '../util/paths';
import { mixSeed } from '../util/random';
import { tf } from '../tf';
import { hoistPooling } from '../train/hoist';
import { balancedClassWeights } from '../train/loss';
import { trainLoop, type ValSource } from '../train/loop';
import { Checkpointer, dataDigest } from '../train/resume';
import type { RunOptions, TrainRun } from '../train/run';
import { featureTrainSource, featureValSource, seededShuffle } from '../train/sources';
import {
  createBoundaryExtractor,
  extractBoundary,
  type BoundaryExtractor,
  type BoundaryItem,
} from './extract';
import { buildBoundaryRunner } from './frozen-outputs';
import { fineTuneFromBoundary } from './phase';
import { boundaryValSource } from './sources';
import { boundaryVariant, DiskBoundaryStore, MemoryBoundaryStore, type BoundaryStore } from './store';

export interface BoundaryRunOptions extends Omit<RunOptions, 'featureMemoryBudget'> {
  /** Where boundary tensors go; default: a disk store under the cache dir (memory without one). */
  store?: BoundaryStore;
}

async function probsOf(val: ValSource, batchSize: number): Promise<Float32Array> {
  const chunks: Float32Array[] = [];
  for (let s = 0; s < val.size; s += batchSize) {
    const p = await val.predict(s, Math.min(val.size, s + batchSize));
    chunks.push((await p.data()) as Float32Array);
    p.dispose();
  }
  const out = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  chunks.reduce((o, c) => (out.set(c, o), o + c.length), 0);
  return out;
}

export async function runBoundaryTraining(opts: BoundaryRunOptions): Promise<TrainRun> {
  const config = TrainConfig.parse(opts.config ?? {});
  const ft = config.fineTune;
  if (!ft || !(ft.layers > 0 || ft.fromLayer))
    throw new Error('runBoundaryTraining fine-tunes: set fineTune.layers or fineTune.fromLayer');
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
  const lap = (k: keyof typeof timings, since: number) => (timings[k] = Date.now() - since);

  const backend = await initBackend(opts.backend ?? 'auto');
  const scanned = await scanDataset(opts.dataDir, {
    ...config.split,
    onProgress: (d, n) => stage('scan', d, n),
  });
  for (const p of scanned.problems) emit({ type: 'problem', jobId, problem: p });
  const scan = withoutEmptyClasses(scanned);
  assertTrainable(scan);
  lap('scanMs', t0);

  let t = Date.now();
  const cacheRoot = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const resolved = await resolveBase(config.base, {
    mirrorDir: opts.mirrorDir,
    modelsDir: cacheRoot ? path.join(cacheRoot, 'models') : undefined,
  });
  const base = await loadBase(resolved);
  lap('loadBaseMs', t);
  const head = buildHead(config.head, base.featureShape, scan.classes.length, config.seed);
  const pixel: PixelOptions = {
    inputSize: base.inputSize,
    resize: config.resize,
    preprocessing: base.preprocessing,
  };
  const augment = isIdentityAugment(config.augment) ? null : config.augment;

  // The frozen pass: boundary tensors plus the feature map, pooled at once for a pooling head.
  t = Date.now();
  const first = config.head.layers[0]?.type;
  const pool =
    base.featureShape.length === 3 && (first === 'globalAveragePooling' || first === 'globalMaxPooling')
      ? first === 'globalAveragePooling'
        ? ('avg' as const)
        : ('max' as const)
      : null;
  const outputs = {
    fineTune: { layers: ft.layers, fromLayer: ft.fromLayer },
    features: pool ?? 'map',
  } as const;
  const runner = await buildBoundaryRunner(base, outputs);
  const split = runner.split;
  const engines = opts.engines ?? Math.max(1, os.availableParallelism());
  const store = opts.store ?? (cacheRoot ? new DiskBoundaryStore(cacheRoot) : new MemoryBoundaryStore());
  const names = split.boundary.map((b) => b.name);
  const variantOf = (f: DatasetFile) =>
    boundaryVariant(
      {
        base: base.fingerprint,
        resize: pixel.resize,
        pre: pixel.preprocessing,
        size: pixel.inputSize,
        features: pool ?? 'map',
        ...(augment && f.split === 'train' ? { augment, seed: config.seed } : {}),
      },
      names,
    );
  let extractor: Promise<BoundaryExtractor> | null = null;
  const set = await extractBoundary({
    files: scan.files,
    // Started on the first miss only: a warm store never starts an engine.
    extractor: {
      engines,
      run: async (items) => {
        extractor ??= createBoundaryExtractor(base, runner, backend, pixel, engines, outputs);
        return (await extractor).run(items);
      },
      close: async () => undefined,
    },
    store,
    variantOf,
    entrySizes: runner.entrySizes,
    augment,
    views: config.augmentViews,
    seed: config.seed,
    signal: opts.signal,
    onProgress: (d, n) => stage('extract', d, n),
    onProblem: (p) => emit({ type: 'problem', jobId, problem: p }),
  });
  const started = extractor ? await (extractor as Promise<BoundaryExtractor>) : null;
  await started?.close();
  runner.dispose();
  lap('extractMs', t);

  const bySplit = (s: string) => set.items.filter((it) => it.file.split === s);
  const [trainB, valB, testB] = [bySplit('train'), bySplit('val'), bySplit('test')];
  const asFeatures = (items: BoundaryItem[]) =>
    items.map((it) => ({ file: it.file, hash: it.hash, views: it.views.map((v) => v[v.length - 1]) }));
  const hoisted = hoistPooling(config.head, head, [], base.featureShape);
  const inputShape = pool ? [base.featureShape[2]] : base.featureShape;
  const counts = scan.classes.map((_, c) => trainB.filter((it) => it.file.classIndex === c).length);
  if (counts.filter((n) => n > 0).length < 2)
    throw new Error(
      `need at least two classes with decodable training images, got ${counts.filter((n) => n > 0).length}`,
    );
  const classWeights = config.classWeight === 'balanced' ? balancedClassWeights(counts) : null;

  t = Date.now();
  const step = { value: opts.resume?.step ?? 0 };
  const ckpt = opts.runDir
    ? new Checkpointer({
        runDir: opts.runDir,
        jobId,
        data: dataDigest([...trainB, ...valB]),
        step: () => step.value,
        resume: opts.resume ?? null,
      })
    : null;
  await ckpt?.start(path.resolve(opts.dataDir), config);
  const regularization = () => {
    const losses = head.model.calculateLosses();
    return losses.length ? (tf.addN(losses) as tf.Scalar) : null;
  };
  const headPhase = await trainLoop({
    jobId,
    phase: 'head',
    forward: (x) => {
      reseedDropout(head.layers, mixSeed(config.seed, ++step.value));
      return hoisted.logits.apply(x, { training: true }) as tf.Tensor2D;
    },
    regularization,
    variables: head.model.trainableWeights.map((w) => w.read() as tf.Variable),
    snapshotWeights: head.model.weights,
    train: featureTrainSource(asFeatures(trainB), inputShape),
    val: valB.length ? featureValSource(asFeatures(valB), inputShape, hoisted.model) : null,
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
  lap('trainMs', t);
  const history = [...headPhase.history];
  let stopped = headPhase.stopped;
  let fineTuned = false;
  if (!stopped) {
    t = Date.now();
    const r = await fineTuneFromBoundary({
      jobId,
      baseModel: base.model,
      split,
      head,
      config: { ...config, fineTune: ft },
      train: trainB,
      val: valB,
      classWeights,
      epochOffset: history.length,
      step,
      regularization,
      signal: opts.signal,
      onEvent: emit,
      loopHooks: (w) => ckpt?.hooks('fine-tune', w, history, headPhase.earlyStopped) ?? {},
    });
    history.push(...r.history);
    stopped = r.stopped;
    fineTuned = r.history.length > 0;
    lap('fineTuneMs', t);
  }

  reseedDropout(head.layers, null);
  t = Date.now();
  const evalSplit = async (items: BoundaryItem[], name: 'val' | 'test'): Promise<Evaluation | null> => {
    if (!items.length) return null;
    stage('evaluate', 0, items.length);
    const src = fineTuned
      ? boundaryValSource(items, split, head.model)
      : featureValSource(asFeatures(items), inputShape, hoisted.model);
    const probs = await probsOf(src, 64);
    stage('evaluate', items.length, items.length);
    const files = items.map((it) => ({ rel: it.file.rel, path: it.file.path }));
    return evaluatePredictions(name, scan.classes, { probs, labels: src.labels, files });
  };
  const evaluation = { val: await evalSplit(valB, 'val'), test: await evalSplit(testB, 'test') };
  lap('evaluateMs', t);
  lap('totalMs', t0);

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
    problems: [...scan.problems, ...set.problems],
    history,
    stopped,
    earlyStopped: headPhase.earlyStopped,
    fineTuned,
    evaluation,
    accuracy: evaluation.val?.accuracy ?? null,
    features: {
      computed: set.computed,
      cached: set.cached,
      engines: started?.engines ?? 0,
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
