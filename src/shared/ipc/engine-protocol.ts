/**
 * The message protocol between main (the engine host) and the engine process (an Electron
 * utilityProcess in the app, a Node child process in browser mode and tests). Zod schemas: the one
 * source of these types on both sides.
 *
 * Adding a job kind: one entry in `engineJobs` here, one runner in src/main/engine-host/job-table.ts.
 */
import { z } from 'zod';
import { AugmentSpec } from '../augment';
import { BackendPreference, DeviceInfo, ExtractionDevice } from '../backends';
import { DatasetScan, SplitOptions } from '../dataset';
import { EngineEvent } from '../engine-events';
import { ErrorCode } from '../errors';
import { ExportFormats, ExportOutcome } from '../export-formats';
import { ResizeMode, TrainConfig } from '../train';
import { AugmentPreviewItem } from './augment-preview';
import { BaseDescription, ModelLayers } from './bases';
import { Prediction } from './prediction';
import { TrainSummary } from './run-record';
import {
  ConfirmedRelabel,
  DuplicateOptions,
  DuplicateReport,
  GradCamRequest,
  GradCamResult,
  LabelReview,
  QualityState,
} from '../quality';

/** An image to classify: a file the engine reads, or bytes the renderer uploaded (browser mode). */
export const PredictInput = z.union([
  z.object({ name: z.string(), path: z.string() }),
  z.object({ name: z.string(), bytes: z.instanceof(Uint8Array) }),
]);
export type PredictInput = z.infer<typeof PredictInput>;

/** Job kind → what main sends and what the engine answers. */
export const engineJobs = {
  scan: {
    payload: z.object({ root: z.string(), split: SplitOptions.partial() }),
    result: DatasetScan,
  },
  /**
   * Train on a scanned dataset (main's, as the user saw and split it: the engine does not scan again);
   * the finished run stays in the engine, keyed by this job's id. With `runDir`, the run keeps its folder
   * there (config, scan, a checkpoint at every epoch end). Or continue the stopped or crashed run in the
   * folder `resume` from its last checkpoint (its own config and scan; `config` is what main shows).
   */
  train: {
    payload: z.union([
      z.object({
        scan: DatasetScan,
        config: TrainConfig,
        cacheDir: z.string(),
        backend: BackendPreference,
        /**
         * What runs the frozen base (default auto); a forced device that cannot start fails the run with
         * its one-line reason.
         */
        device: ExtractionDevice.optional(),
        /** The project's quality decisions (exclusions, split overrides), applied before training. */
        quality: QualityState.optional(),
        runDir: z.string().optional(),
      }),
      z.object({
        resume: z.string().min(1),
        config: TrainConfig,
        cacheDir: z.string(),
        backend: BackendPreference,
        device: ExtractionDevice.optional(),
      }),
    ]),
    result: TrainSummary,
  },
  /**
   * Duplicates and leaks of a scanned dataset (clean features through the config's base, from the
   * cache where possible) and, with `review`, label suspects among its training images.
   */
  qualityScan: {
    payload: z.object({
      scan: DatasetScan,
      config: TrainConfig,
      cacheDir: z.string(),
      backend: BackendPreference,
      review: z.boolean(),
      options: DuplicateOptions.partial().optional(),
      /** Label review leaves out images the user kept. */
      kept: z.array(z.string()).default([]),
    }),
    result: z.object({ duplicates: DuplicateReport, review: LabelReview.nullable() }),
  },
  /** Relabel files (a confirmed plan), or undo/redo the last quality change with its file moves. */
  relabel: {
    payload: z.discriminatedUnion('op', [
      z.object({ op: z.literal('apply'), root: z.string(), state: QualityState, request: ConfirmedRelabel }),
      z.object({ op: z.literal('undo'), root: z.string(), state: QualityState }),
      z.object({ op: z.literal('redo'), root: z.string(), state: QualityState }),
    ]),
    result: QualityState,
  },
  /** Grad-CAM of a kept run's model on one image (a file, or bytes the renderer uploaded). */
  gradCam: {
    payload: z.object({
      runId: z.string(),
      request: GradCamRequest,
      bytes: z.instanceof(Uint8Array).optional(),
    }),
    result: GradCamResult,
  },
  /** Augmented variants of images, made by the engine's own `augment`, as JPEG data URLs. */
  augmentPreview: {
    payload: z.object({
      items: z.array(z.object({ rel: z.string(), path: z.string(), seeds: z.array(z.number()) })),
      spec: AugmentSpec,
      size: z.number(),
      resize: ResizeMode,
    }),
    result: z.array(AugmentPreviewItem),
  },
  /** Top-k predictions of a kept run's model. */
  predict: {
    payload: z.object({ runId: z.string(), items: z.array(PredictInput), k: z.number() }),
    result: z.array(Prediction),
  },
  export: {
    payload: z.object({ runId: z.string(), outDir: z.string(), formats: ExportFormats }),
    result: ExportOutcome,
  },
  /** Load a base (registry id or folder): its layers and feature shape. */
  describeBase: {
    payload: z.object({
      base: z.string(),
      modelsDir: z.string(),
      download: z.boolean(),
      backend: BackendPreference,
    }),
    result: BaseDescription,
  },
  /** The ONNX Runtime devices and why each cannot run here (cheap checks; no session is started). */
  listDevices: { payload: z.object({}), result: z.array(DeviceInfo) },
  /**
   * A user's Keras model file (converted once into the model cache): its layers with output shapes, and
   * its feature layer — set to `featureLayer` first when given (the user's pick).
   */
  modelLayers: {
    payload: z.object({ file: z.string(), modelsDir: z.string(), featureLayer: z.string().nullable() }),
    result: ModelLayers,
  },
  /** Free a kept run's model. */
  releaseRun: {
    payload: z.object({ runId: z.string() }),
    result: z.object({ released: z.boolean() }),
  },
} as const satisfies Record<string, { payload: z.ZodType; result: z.ZodType }>;

export type EngineJobs = typeof engineJobs;
export type JobKind = keyof EngineJobs;
export type JobPayload<K extends JobKind> = z.infer<EngineJobs[K]['payload']>;
export type JobResult<K extends JobKind> = z.infer<EngineJobs[K]['result']>;

/** What the engine process knows about itself; sent on start, after each job and periodically. */
export const EngineProcessStatus = z.object({
  pid: z.number(),
  /** tfjs backend in use, or null before any job initialised tfjs. */
  backend: z.string().nullable(),
  device: z.string().nullable(),
  /** What runs the frozen base of the latest run (the engine's runtime line), or null before any. */
  runtime: z.string().nullable(),
  /** Process memory (bytes) and, once tfjs is loaded, its tensor bookkeeping. */
  memory: z.object({
    rss: z.number(),
    heapUsed: z.number(),
    external: z.number(),
    tensors: z.number().nullable(),
    tensorBytes: z.number().nullable(),
  }),
  runningJobs: z.array(z.string()),
});
export type EngineProcessStatus = z.infer<typeof EngineProcessStatus>;

export const EngineErrorInfo = z.object({
  /** Error class name (DatasetError, AbortError, …), for logs. */
  name: z.string(),
  /** Set where the error was thrown (CodedError); INTERNAL for anything unexpected. */
  code: ErrorCode,
  message: z.string(),
});
export type EngineErrorInfo = z.infer<typeof EngineErrorInfo>;

export type HostToEngine =
  | { [K in JobKind]: { type: 'start'; jobId: string; kind: K; payload: JobPayload<K> } }[JobKind]
  | { type: 'stop'; jobId: string }
  | { type: 'status' };

export type EngineToHost =
  | { type: 'ready'; status: EngineProcessStatus }
  | { type: 'event'; jobId: string; event: EngineEvent }
  | { type: 'result'; jobId: string; result: JobResult<JobKind> }
  | { type: 'error'; jobId: string; error: EngineErrorInfo }
  | { type: 'status'; status: EngineProcessStatus };
