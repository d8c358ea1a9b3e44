/**
 * The message protocol between main (the engine host) and the engine process (an Electron
 * utilityProcess in the app, a Node child process in browser mode and tests). Pure types.
 *
 * Adding a job kind: one entry in `EngineJobs` here, one runner in src/main/engine-host/jobs.ts.
 */
import type { AugmentSpec } from '../augment';
import type { DatasetScan, SplitOptions } from '../dataset';
import type { EngineEvent } from '../events';
import type { ResizeMode, TrainConfig } from '../train';
import type { BackendPreference } from './settings-schema';
import type {
  AugmentPreviewItem,
  BaseDescription,
  ExportFormat,
  ExportOutcome,
  Prediction,
  TrainSummary,
} from './runs';

/** An image to classify: a file the engine reads, or bytes the renderer uploaded (browser mode). */
export type PredictInput = { name: string; path: string } | { name: string; bytes: Uint8Array };

/** Job kind → what main sends and what the engine answers. */
export interface EngineJobs {
  scan: { payload: { root: string; split: Partial<SplitOptions> }; result: DatasetScan };
  /** Train on a dataset; the finished run stays in the engine, keyed by this job's id. */
  train: {
    payload: { root: string; config: TrainConfig; cacheDir: string; backend: BackendPreference };
    result: TrainSummary;
  };
  /** Augmented variants of images, made by the engine's own `augment`, as JPEG data URLs. */
  augmentPreview: {
    payload: {
      items: { rel: string; path: string; seeds: number[] }[];
      spec: AugmentSpec;
      size: number;
      resize: ResizeMode;
    };
    result: AugmentPreviewItem[];
  };
  /** Top-k predictions of a kept run's model. */
  predict: { payload: { runId: string; items: PredictInput[]; k: number }; result: Prediction[] };
  export: {
    payload: { runId: string; outDir: string; format: ExportFormat };
    result: ExportOutcome;
  };
  /** Load a base (registry id or folder): its layers and feature shape. */
  describeBase: {
    payload: { base: string; modelsDir: string; download: boolean; backend: BackendPreference };
    result: BaseDescription;
  };
  /** Free a kept run's model. */
  releaseRun: { payload: { runId: string }; result: { released: boolean } };
}
export type JobKind = keyof EngineJobs;
export type JobPayload<K extends JobKind> = EngineJobs[K]['payload'];
export type JobResult<K extends JobKind> = EngineJobs[K]['result'];

/** What the engine process knows about itself; sent on start, after each job and periodically. */
export interface EngineProcessStatus {
  pid: number;
  /** tfjs backend in use, or null before any job initialised tfjs. */
  backend: string | null;
  device: string | null;
  /** Process memory (bytes) and, once tfjs is loaded, its tensor bookkeeping. */
  memory: {
    rss: number;
    heapUsed: number;
    external: number;
    tensors: number | null;
    tensorBytes: number | null;
  };
  runningJobs: string[];
}

export type HostToEngine =
  | { [K in JobKind]: { type: 'start'; jobId: string; kind: K; payload: JobPayload<K> } }[JobKind]
  | { type: 'stop'; jobId: string }
  | { type: 'status' };

export interface EngineErrorInfo {
  /** Error class name (DatasetError, AbortError, …) so main can map it to an API error code. */
  name: string;
  message: string;
}

export type EngineToHost =
  | { type: 'ready'; status: EngineProcessStatus }
  | { type: 'event'; jobId: string; event: EngineEvent }
  | { type: 'result'; jobId: string; result: JobResult<JobKind> }
  | { type: 'error'; jobId: string; error: EngineErrorInfo }
  | { type: 'status'; status: EngineProcessStatus };
