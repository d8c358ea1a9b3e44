/**
 * A training run as a short sequence of stages: the dataset the user scanned → resolve base →
 * features → train head → fine-tune → evaluate. Export is its own stage, run after (CLI) or on request
 * (the app). Each stage is a function in its own module, so a caller can run one alone.
 */
import os from 'node:os';
import path from 'node:path';
import { isIdentityAugment } from '@shared/augment';
import type { DatasetProblem, DatasetScan } from '@shared/dataset';
import type { EngineEvent, EpochMetrics, Evaluation, Stage } from '@shared/engine-events';
import type { TrainConfig } from '@shared/train';
import { defaultCacheDir } from '../../util/paths';
import { initBackend, type BackendPreference, type BackendReport } from '../backend';
import type { FeatureBase } from '../bases/load';
import type { PixelOptions } from '../extract/batch';
import type { FeatureItem } from '../extract/features';
import { applyLayers, buildHead, reseedDropout, type Head } from '../head/build';
import { tf } from '../tf';
import type { ExtractionDevice } from '../onnx/devices';
import type { Precision } from '../store/store';
import { hoistPooling, storedFormFor } from '../train/hoist';
import { balancedClassWeights } from '../train/loss';
import type { Checkpoint } from '../train/checkpoint';
import { Checkpointer, dataDigest, RunFolder } from '../train/resume';
import { featureValSource } from '../train/sources';
import { pipelineContext, runStage, type PipelineContext } from './context';
import { evaluateStage } from './evaluate';
import { featuresStage } from './features';
import { boundaryFeaturesStage, fineTunedSource, fineTuneStage, wantsFineTune } from './fine-tune';
import { resolveBaseStage } from './resolve-base';
import { trainableDataset } from './scan';
import { trainHeadStage } from './train-head';

export interface RunOptions {
  /** The run's context (a caller that ran the scan stage passes it on); else one is made from these: */
  context?: PipelineContext;
  jobId?: string;
  signal?: AbortSignal;
  onEvent?: (e: EngineEvent) => void;
  /** Feature cache root; null disables caching. Default: the OS cache dir. */
  cacheDir?: string | null;
  /** Local model mirror (overrides download URLs). */
  mirrorDir?: string | null;
  backend?: BackendPreference;
  /** Extraction engines (worker threads) for single-threaded backends. Default: one per core. */
  engines?: number;
  /** What runs the frozen base: an ONNX Runtime device (`auto` picks the best) or `tfjs`. */
  device?: ExtractionDevice;
  /** Told what runs the frozen base as soon as extraction starts it (and at the stage's end). */
  onBaseRuntime?: (line: string) => void;
  /** Bytes of stored feature vectors kept in memory; beyond it training streams them from the store. */
  featureMemoryBudget?: number;
  /** How feature vectors are stored (default float16; float32 for vectors outside its range). */
  featurePrecision?: Precision;
  /** The run's folder: its config, scan and a checkpoint at every epoch end (train/resume.ts). */
  runDir?: string | null;
  /** Continue the run in `runDir` from this checkpoint (null: from the start); `resumeRun` sets it. */
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
  /** A fine-tune phase ran (at least one epoch). */
  fineTuned: boolean;
  /** The weights the run ends on are fine-tuned ones (false: the head's best epoch beat every fine-tune epoch). */
  fineTuneKept: boolean;
  evaluation: { val: Evaluation | null; test: Evaluation | null };
  /** Validation accuracy of the returned weights. */
  accuracy: number | null;
  features: {
    computed: number;
    cached: number;
    /** Stored vectors that failed their check and were recomputed. */
    corrupt: number;
    engines: number;
    views: number;
    /** What ran the frozen base and why better options were not used (one line). */
    runtime: string;
  };
  timings: Record<
    'scanMs' | 'loadBaseMs' | 'extractMs' | 'trainMs' | 'fineTuneMs' | 'evaluateMs' | 'totalMs',
    number
  >;
  /** Base + head as one model (built once, shares the trained weights). Input: preprocessed pixels. */
  fullModel(): tf.LayersModel;
  dispose(): void;
}

const TIMING_KEYS: Record<Exclude<Stage, 'export'>, Exclude<keyof TrainRun['timings'], 'totalMs'>> = {
  scan: 'scanMs',
  'load-base': 'loadBaseMs',
  extract: 'extractMs',
  train: 'trainMs',
  'fine-tune': 'fineTuneMs',
  evaluate: 'evaluateMs',
};

/**
 * The head epoch whose weights the head phase ended on when "restore best" is on (its best), which the
 * fine-tune phase then has to beat; undefined when the run keeps the last weights of each phase.
 */
export function restoredHeadEpoch(
  config: Pick<TrainConfig, 'earlyStopping'>,
  head: EpochMetrics[],
): { epoch: number } | undefined {
  const best = head.filter((e) => e.best).at(-1);
  return config.earlyStopping?.restoreBest && best ? { epoch: best.epoch } : undefined;
}

/**
 * Train on `scan` (as scanned and split: what the user saw is what trains) with a parsed `config`.
 * Stop (`signal`) ends training within a batch; the best weights so far are still evaluated.
 */
export async function runTraining(
  config: TrainConfig,
  scan: DatasetScan,
  opts: RunOptions = {},
): Promise<TrainRun> {
  const ctx = opts.context ?? pipelineContext(opts);
  const backend = await initBackend(opts.backend ?? 'auto');
  const dataset = trainableDataset(scan, ctx);
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const folder = opts.runDir
    ? await RunFolder.begin(opts.runDir, { jobId: ctx.jobId, config, scan }, opts.resume !== undefined)
    : null;

  const base = await runStage(ctx, resolveBaseStage, {
    base: config.base,
    mirrorDir: opts.mirrorDir,
    modelsDir: cacheDir ? path.join(cacheDir, 'models') : undefined,
  });
  const head = buildHead(config.head, base.featureShape, dataset.classes.length, config.seed);
  const pixel: PixelOptions = {
    inputSize: base.inputSize,
    resize: config.resize,
    preprocessing: base.preprocessing,
  };
  const augment = isIdentityAugment(config.augment) ? null : config.augment;

  const featuresInput = {
    files: dataset.files,
    base,
    backend,
    pixel,
    augment,
    views: config.augmentViews,
    seed: config.seed,
    cacheDir,
    form: storedFormFor(config.head, base.featureShape),
    precision: opts.featurePrecision,
    device: opts.device,
    onRuntime: opts.onBaseRuntime,
    engines: opts.engines ?? Math.max(1, os.availableParallelism()),
    memoryBudget: opts.featureMemoryBudget,
  };
  // Fine-tuning: one frozen pass gives the head's features and the boundary rows the top trains on.
  const features = wantsFineTune(config)
    ? await runStage(ctx, boundaryFeaturesStage, { ...featuresInput, fineTune: config.fineTune })
    : { ...(await runStage(ctx, featuresStage, featuresInput)), boundary: null };
  const { table } = features.set;
  const hoisted = hoistPooling(config.head, head, features.set);
  const split = (s: string) => hoisted.items.filter((it) => it.file.split === s);
  const [train, val, test] = [split('train'), split('val'), split('test')];
  const counts = dataset.classes.map((_, c) => train.filter((it) => it.file.classIndex === c).length);
  if (counts.filter((n) => n > 0).length < 2)
    throw new Error(
      `need at least two classes with decodable training images, got ${counts.filter((n) => n > 0).length}`,
    );
  const classWeights = config.classWeight === 'balanced' ? balancedClassWeights(counts) : null;
  const steps = { n: opts.resume?.step ?? 0 };
  const ckpt =
    folder &&
    new Checkpointer({
      folder,
      data: dataDigest([...train, ...val]),
      step: () => steps.n,
      resume: opts.resume ?? null,
      signal: ctx.signal,
    });

  // A failed run still waits for the checkpoint being written: the epoch it holds stays resumable.
  const trained = async () => {
    const headPhase = await runStage(ctx, trainHeadStage, {
      config,
      head,
      hoisted,
      table,
      train,
      val,
      classWeights,
      steps,
      hooks: ckpt?.hooks('head', head.model.weights, []),
    });
    const history = [...headPhase.history];
    const fineTune =
      wantsFineTune(config) && features.boundary && !headPhase.stopped
        ? await runStage(ctx, fineTuneStage, {
            config,
            baseModel: base.model,
            head,
            boundary: features.boundary,
            train,
            val,
            classWeights,
            steps,
            epochOffset: history.length,
            startsFrom: restoredHeadEpoch(config, headPhase.history),
            hooks: ckpt ? (w) => ckpt.hooks('fine-tune', w, history, headPhase.earlyStopped) : undefined,
          })
        : null;
    return { headPhase, history, fineTune };
  };
  const { headPhase, history, fineTune } = await trained().catch(async (e: unknown) => {
    await ckpt?.flush().catch(() => undefined);
    throw e;
  });
  history.push(...(fineTune?.history ?? []));
  const fineTuned = !!fineTune && fineTune.history.length > 0;
  // With "restore best", a fine-tune that never beat the head's best epoch ends on the head (base untouched).
  const lastBest = history.filter((e) => e.best).at(-1);
  const fineTuneKept = fineTuned && (!config.earlyStopping?.restoreBest || lastBest?.phase === 'fine-tune');
  if (fineTuned && !fineTuneKept)
    ctx.emit({
      type: 'log',
      jobId: ctx.jobId,
      level: 'info',
      message: `fine-tuning did not lower the validation loss below the head's (epoch ${lastBest?.epoch}): the model keeps that epoch's head and the base as it was`,
    });

  reseedDropout(head.layers, null);
  const evaluation = await runStage(ctx, evaluateStage, {
    classes: dataset.classes,
    val,
    test,
    // Fine-tuning changed the top of the base: its cached features no longer describe it.
    source:
      fineTuned && features.boundary
        ? fineTunedSource(features.boundary, head)
        : (items: FeatureItem[]) => featureValSource(table, items, hoisted.inputShape, hoisted.model),
  });
  await Promise.all([table.close(), features.boundary?.rows.table.close()]);
  const stopped = fineTune?.stopped ?? headPhase.stopped;
  await ckpt?.flush();
  await folder?.finish(stopped);

  const timings = { totalMs: Date.now() - ctx.startedAt } as TrainRun['timings'];
  for (const [stage, key] of Object.entries(TIMING_KEYS) as [Stage, keyof TrainRun['timings']][])
    timings[key] = ctx.timings[stage] ?? 0;
  let full: tf.LayersModel | null = null;
  return {
    jobId: ctx.jobId,
    config,
    scan: dataset,
    classes: dataset.classes,
    base,
    head,
    pixel,
    backend,
    problems: [...dataset.problems, ...features.set.problems],
    history,
    stopped,
    earlyStopped: headPhase.earlyStopped,
    fineTuned,
    fineTuneKept,
    evaluation,
    accuracy: evaluation.val?.accuracy ?? null,
    features: {
      computed: features.set.computed,
      cached: features.set.cached,
      corrupt: features.set.corrupt,
      engines: features.enginesStarted,
      views: augment ? config.augmentViews : 1,
      runtime: features.runtime,
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
      // Each model built on the head's layers (hoisted, full) adds to their reference counts, so
      // disposing head.model alone freed nothing (a head's weights leaked per run): free them directly.
      // The same holds for the base's unfrozen layers, which fine-tuning re-applies in its top model.
      const weights = [...head.layers, ...base.full.layers].flatMap((l) => l.weights.map((w) => w.read()));
      head.model.dispose();
      base.full.dispose();
      tf.dispose(weights.filter((t) => !t.isDisposed));
    },
  };
}
