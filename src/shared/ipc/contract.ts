/**
 * THE IPC contract: every request channel with its zod request/response schemas, and every event
 * main pushes to the renderer. Electron IPC, the browser-mode WebSocket, main's handler table and
 * `window.api` are all derived from this one file.
 */
import { z } from 'zod';
import { AugmentSpec } from '../augment';
import { SplitOptions } from '../dataset';
import { ResizeMode, TrainConfig } from '../train';
import { DatasetProblem } from '../dataset';
import { DeviceInfo } from '../backends';
import { CacheFilter, CacheReport, ClearResult } from '../cache';
import { BatchEvent, DownloadEvent, EpochEvent, Stage } from '../engine-events';
import { ErrorCode } from '../errors';
import { ExportFormats, ExportOutcome } from '../export-formats';
import { AugmentPreviewItem } from './augment-preview';
import { BaseCard, BaseDescription, ModelLayers } from './bases';
import { Prediction } from './prediction';
import { RunView } from './run-record';
import {
  ConfirmedRelabel,
  ContentHash,
  DuplicateOptions,
  DuplicateReport,
  GradCamResult,
  GroupResolution,
  LabelReview,
  QualityState,
  RelabelPlan,
} from '../quality';
import { RENDERER_WRITABLE_SETTINGS, SettingsObject, settingsSchema } from './settings-schema';
import type { RendererWritableSetting, Settings } from './settings-schema';

// ---------- errors ----------

/** The error codes of src/shared/errors.ts, as answers carry them. */
export const ApiErrorCode = ErrorCode;
export type ApiErrorCode = ErrorCode;

export const ApiError = z.object({
  code: ApiErrorCode,
  message: z.string(),
  /** For BAD_REQUEST: where the payload was wrong. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Every answer is one of these: handlers never throw across the boundary. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError };

// ---------- shared payload schemas (views.ts) ----------

export * from './views';
import { DatasetView, DirListing, EngineStatus, AppInfo, SplitView } from './views';

const writableSettingSchemas = RENDERER_WRITABLE_SETTINGS.map((key) =>
  z.object({ key: z.literal(key), value: settingsSchema[key].schema }),
);
type SetSettingRequest = {
  [K in RendererWritableSetting]: { key: K; value: Settings[K] };
}[RendererWritableSetting];
const SetSettingRequest = z.union(writableSettingSchemas) as unknown as z.ZodType<SetSettingRequest>;

const Empty = z.object({});

/** The dataset's quality decisions, and the dataset rescanned when a relabel or its undo moved files. */
export const QualityView = z.object({
  datasetId: z.string(),
  state: QualityState,
  dataset: DatasetView.nullable(),
});
export type QualityView = z.infer<typeof QualityView>;

const DatasetRef = z.object({ datasetId: z.string().min(1) });

/** One uploaded image (browser mode's Try it), base64: ~20 MB of file. */
export const MAX_UPLOAD_BASE64 = 28_000_000;

// ---------- request channels ----------

export const channels = {
  getAppInfo: { request: Empty, response: AppInfo },
  getSettings: { request: Empty, response: SettingsObject },
  setSetting: { request: SetSettingRequest, response: SettingsObject },
  /** Native folder dialog (Electron only; UNSUPPORTED in browser mode). */
  pickFolder: {
    request: z.object({ title: z.string().max(200).optional() }),
    response: z.object({ path: z.string().nullable() }),
  },
  /** Server-side folder browser: sub-folders of `path` (or the allowed roots when null). */
  listDir: { request: z.object({ path: z.string().max(4096).nullable() }), response: DirListing },
  /** Scan a dataset folder in the engine process (progress arrives as jobProgress events). */
  openDataset: {
    request: z.object({ path: z.string().min(1).max(4096), split: SplitOptions.partial().optional() }),
    response: DatasetView,
  },
  /** Re-split an opened dataset without re-reading any file. */
  resplitDataset: {
    request: z.object({ datasetId: z.string().min(1), split: SplitOptions }),
    response: SplitView,
  },
  forgetRecent: { request: z.object({ path: z.string() }), response: SettingsObject },
  cancelJob: {
    request: z.object({ jobId: z.string().min(1) }),
    response: z.object({ cancelled: z.boolean() }),
  },
  getEngineStatus: { request: Empty, response: EngineStatus },
  /** ONNX Runtime devices for the frozen base, and why each is unavailable here (asks the engine). */
  listDevices: { request: Empty, response: z.object({ devices: z.array(DeviceInfo) }) },
  /** The feature cache under the cache folder: total, per base and per variant. */
  getCacheReport: { request: Empty, response: CacheReport },
  /** Remove cached features (all, or one base's); never models or thumbnails. Refused while a run trains. */
  clearCache: {
    request: CacheFilter,
    response: z.object({ cleared: ClearResult, report: CacheReport }),
  },

  // ----- data quality (issue 13) -----
  /** The dataset's quality decisions and undo log. */
  getQuality: { request: DatasetRef, response: QualityView },
  /** Duplicates and train/val leaks through the draft config's base (features from the cache). */
  findDuplicates: {
    request: DatasetRef.extend({
      config: TrainConfig.optional(),
      /** The similarity settings the user changed (the others keep their defaults). */
      options: DuplicateOptions.partial().optional(),
    }),
    response: z.object({ report: DuplicateReport, quality: QualityView }),
  },
  /** One group: keep all, keep one (the others excluded, never deleted), or move all into one split. */
  resolveDuplicateGroup: {
    request: DatasetRef.extend({ resolution: GroupResolution }),
    response: QualityView,
  },
  /** Likely label errors among the training images, worst first (k-fold CV of the head). */
  reviewLabels: {
    request: DatasetRef.extend({ config: TrainConfig.optional() }),
    response: z.object({ review: LabelReview, quality: QualityView }),
  },
  /** Exclude images from the project (or include them again), by content hash. */
  setExcluded: {
    request: DatasetRef.extend({
      hashes: z.array(ContentHash).min(1).max(10_000),
      excluded: z.boolean(),
      label: z.string().max(200).optional(),
    }),
    response: QualityView,
  },
  /** Label review's "keep": the label is right, do not show it again. */
  keepLabel: {
    request: DatasetRef.extend({ contentHash: ContentHash, rel: z.string().min(1).max(4096) }),
    response: QualityView,
  },
  /** What a relabel would move where (shown for confirmation; nothing moves). */
  planRelabel: {
    request: DatasetRef.extend({ rel: z.string().min(1).max(4096), toClass: z.string().min(1).max(255) }),
    response: RelabelPlan,
  },
  /** Move the file of a confirmed plan into the other class folder (recorded for undo). */
  applyRelabel: { request: DatasetRef.extend({ relabel: ConfirmedRelabel }), response: QualityView },
  undoQuality: { request: DatasetRef, response: QualityView },
  redoQuality: { request: DatasetRef, response: QualityView },
  /** Grad-CAM of a run's model on one image (a file by path, or uploaded bytes), computed in the engine. */
  gradCam: {
    request: z.object({
      runId: z.string().min(1),
      item: z.union([
        z.object({ path: z.string().min(1).max(4096) }),
        z.object({ name: z.string().max(1024), data: z.string().min(1).max(MAX_UPLOAD_BASE64) }),
      ]),
      classIndex: z.number().int().min(0).optional(),
      maxSide: z.number().int().min(16).max(2048).default(512),
    }),
    response: GradCamResult,
  },

  // ----- model -----
  /** Registry bases and the user's model folders, with whether each is on this machine. */
  listBases: { request: Empty, response: z.object({ bases: z.array(BaseCard) }) },
  /** Load a base in the engine: its layers and feature shape (download: fetch it first if needed). */
  describeBase: {
    request: z.object({ base: z.string().min(1).max(4096), download: z.boolean().default(false) }),
    response: BaseDescription,
  },
  /** Check a tfjs layers-model folder and remember it as a base. */
  addLocalBase: {
    request: z.object({ path: z.string().min(1).max(4096) }),
    response: z.object({ base: BaseDescription, bases: z.array(BaseCard) }),
  },
  /**
   * A Keras model file's layers with output shapes, for picking its feature layer; with `featureLayer`,
   * set that one first (it must output a 4-D feature map).
   */
  modelLayers: {
    request: z.object({
      path: z.string().min(1).max(4096),
      featureLayer: z.string().min(1).max(512).optional(),
    }),
    response: ModelLayers,
  },
  removeLocalBase: {
    request: z.object({ path: z.string().min(1).max(4096) }),
    response: z.object({ bases: z.array(BaseCard) }),
  },

  // ----- augment -----
  /** Augmented variants of dataset images, made by the engine's own augment function. */
  augmentPreview: {
    request: z.object({
      datasetId: z.string().min(1),
      rels: z.array(z.string().min(1)).min(1).max(16),
      variants: z.number().int().min(1).max(16),
      seed: z.number().int(),
      spec: AugmentSpec,
      /** Square side in pixels (default: the chosen base's input size, 224). */
      size: z.number().int().min(32).max(512).default(224),
      resize: ResizeMode.default('stretch'),
    }),
    response: z.object({ items: z.array(AugmentPreviewItem), ms: z.number() }),
  },

  // ----- train -----
  /** Remember the draft configuration for a dataset (restored when it is opened again). */
  saveTrainConfig: {
    request: z.object({ datasetId: z.string().min(1), config: TrainConfig }),
    response: z.object({ saved: z.boolean() }),
  },
  /** Start training on an opened dataset (its current split). Answers at once; progress arrives as events. */
  startTraining: {
    request: z.object({ datasetId: z.string().min(1), config: TrainConfig }),
    response: RunView,
  },
  /** Stop a run: it keeps its best weights and evaluates them. */
  stopTraining: {
    request: z.object({ runId: z.string().min(1) }),
    response: z.object({ stopping: z.boolean() }),
  },
  /**
   * Continue a stopped or failed run from its last completed epoch (its own config and data); it ends
   * where the uninterrupted run would have. Answers at once with the new run, which replaces the old one
   * in the history.
   */
  resumeTraining: {
    request: z.object({ runId: z.string().min(1) }),
    response: RunView,
  },
  /** The running run (if any) and the run history, newest first. */
  listRuns: { request: Empty, response: z.object({ runs: z.array(RunView) }) },
  deleteRun: {
    request: z.object({ runId: z.string().min(1) }),
    response: z.object({ runs: z.array(RunView) }),
  },

  // ----- evaluate / export -----
  /** Top-k predictions of a run's model: files or folders by path, or uploaded bytes (base64). */
  predictImages: {
    request: z.object({
      runId: z.string().min(1),
      items: z
        .array(
          z.union([
            z.object({ name: z.string().max(1024), path: z.string().min(1).max(4096) }),
            z.object({ name: z.string().max(1024), data: z.string().min(1).max(MAX_UPLOAD_BASE64) }),
          ]),
        )
        .min(1)
        .max(64),
      k: z.number().int().min(1).max(20).default(5),
    }),
    response: z.object({ predictions: z.array(Prediction), ms: z.number() }),
  },
  exportModel: {
    request: z.object({
      runId: z.string().min(1),
      outDir: z.string().min(1).max(4096),
      /** Written together: every one lands, or none and the previous export is untouched. */
      formats: ExportFormats,
    }),
    response: ExportOutcome,
  },
  /** Reveal a file or folder in the OS file manager (Electron only; UNSUPPORTED in browser mode). */
  showInFolder: {
    request: z.object({ path: z.string().min(1).max(4096) }),
    response: z.object({ shown: z.boolean() }),
  },
} as const satisfies Record<string, { request: z.ZodType; response: z.ZodType }>;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export const channelNames = Object.keys(channels) as ChannelName[];
/** What a caller passes (defaults may be omitted). */
export type RequestInput<C extends ChannelName> = z.input<Channels[C]['request']>;
/** What a handler receives (defaults applied). */
export type Request<C extends ChannelName> = z.output<Channels[C]['request']>;
export type Response<C extends ChannelName> = z.output<Channels[C]['response']>;

// ---------- events (main → renderer) ----------

export const JobState = z.enum(['running', 'done', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;

export const events = {
  /** A job started or ended. */
  jobState: z.object({
    jobId: z.string(),
    kind: z.string(),
    label: z.string(),
    state: JobState,
    error: ApiError.optional(),
  }),
  jobProgress: z.object({
    jobId: z.string(),
    kind: z.string(),
    stage: Stage,
    done: z.number(),
    total: z.number(),
  }),
  jobLog: z.object({ jobId: z.string(), level: z.enum(['info', 'warn']), message: z.string() }),
  jobProblem: z.object({ jobId: z.string(), problem: DatasetProblem }),
  /** Engine batch/epoch events as they are (thinned to ≤ 10 batches a second by the engine). */
  jobBatch: BatchEvent,
  jobEpoch: EpochEvent,
  /** A base downloading (bytes, speed, ETA), for the base card and its Cancel button. */
  jobDownload: DownloadEvent.extend({ kind: z.string() }),
  engineStatus: EngineStatus,
  /** A run started, changed status (stopping, stopped) or ended (with its summary). */
  runUpdate: RunView,
  /** Main asks the renderer to open a dataset (app menu, recent list, second instance). */
  openDatasetRequested: z.object({ path: z.string() }),
} as const satisfies Record<string, z.ZodType>;

export type Events = typeof events;
export type EventName = keyof Events;
export const eventNames = Object.keys(events) as EventName[];
export type EventPayload<E extends EventName> = z.output<Events[E]>;

/** `jobProgress` → `onJobProgress`. */
export type SubscriberName<E extends EventName> = `on${Capitalize<E>}`;
export const subscriberName = <E extends EventName>(e: E): SubscriberName<E> =>
  `on${e[0].toUpperCase()}${e.slice(1)}` as SubscriberName<E>;

// ---------- the renderer-facing API ----------

export type InvokeApi = { [C in ChannelName]: (request: RequestInput<C>) => Promise<ApiResult<Response<C>>> };
export type SubscribeApi = {
  [E in EventName as SubscriberName<E>]: (listener: (payload: EventPayload<E>) => void) => () => void;
};
export type StudioApi = InvokeApi &
  SubscribeApi & {
    mode: 'electron' | 'browser';
    /** Electron only: the absolute path of a dropped file/folder (webUtils.getPathForFile). */
    getPathForFile?: (file: File) => string;
  };

/**
 * Build `window.api` from the contract, given how to invoke a channel and subscribe to an event.
 * Used by the preload (Electron IPC) and by the renderer's WebSocket transport (browser mode).
 */
export function buildApi(
  mode: StudioApi['mode'],
  invoke: (channel: ChannelName, request: unknown) => Promise<ApiResult<unknown>>,
  subscribe: (event: EventName, listener: (payload: unknown) => void) => () => void,
): StudioApi {
  const api: Record<string, unknown> = { mode };
  for (const c of channelNames) api[c] = (request: unknown) => invoke(c, request ?? {});
  for (const e of eventNames)
    api[subscriberName(e)] = (listener: (p: unknown) => void) => subscribe(e, listener);
  return api as StudioApi;
}

/** Electron IPC channel strings. */
export const ipcInvokeChannel = (c: ChannelName) => `studio:invoke:${c}`;
export const ipcEventChannel = (e: EventName) => `studio:event:${e}`;
