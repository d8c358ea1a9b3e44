/**
 * Training runs as main and the renderer see them: the run record (config, curves, evaluation) kept in
 * the run history, and the payloads of the training-related channels. Zod schemas, because the
 * contract validates every answer and the history file is read back from disk.
 */
import { z } from 'zod';
import type { ClassMetrics, EpochMetrics, Evaluation, Misclassified } from '../events';
import { TrainConfig } from '../train';

const Phase = z.enum(['head', 'fine-tune']);

export const EpochPoint = z.object({
  phase: Phase,
  epoch: z.number(),
  epochs: z.number(),
  loss: z.number(),
  acc: z.number(),
  valLoss: z.number().nullable(),
  valAcc: z.number().nullable(),
  lr: z.number(),
  imagesPerSec: z.number(),
  elapsedMs: z.number(),
  etaMs: z.number(),
  best: z.boolean(),
});
// Compile-time check that the schema and the engine's event type stay the same shape.
export type EpochPoint = z.infer<typeof EpochPoint>;
const _epochSame: [EpochPoint, EpochMetrics] = [{} as EpochMetrics, {} as EpochPoint];

/** One (throttled) batch report: `x` is the fractional epoch (epoch − 1 + batch / batches). */
export const BatchPoint = z.object({
  x: z.number(),
  phase: Phase,
  loss: z.number(),
  acc: z.number(),
});
export type BatchPoint = z.infer<typeof BatchPoint>;

const ClassMetricsSchema = z.object({
  name: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number(),
});
const MisclassifiedSchema = z.object({
  rel: z.string(),
  path: z.string(),
  trueClass: z.number().int(),
  predicted: z.number().int(),
  probabilities: z.array(z.number()),
});
export const EvaluationSchema = z.object({
  split: z.enum(['val', 'test', 'train']),
  count: z.number().int(),
  accuracy: z.number(),
  loss: z.number(),
  topK: z.object({ k: z.number().int(), accuracy: z.number() }),
  perClass: z.array(ClassMetricsSchema),
  confusion: z.array(z.array(z.number().int())),
  misclassified: z.array(MisclassifiedSchema),
});
const _evalSame: [z.infer<typeof EvaluationSchema>, Evaluation, ClassMetrics, Misclassified] = [
  {} as Evaluation,
  {} as z.infer<typeof EvaluationSchema>,
  {} as z.infer<typeof ClassMetricsSchema>,
  {} as z.infer<typeof MisclassifiedSchema>,
];
void _epochSame;
void _evalSame;

export const RunStatus = z.enum(['running', 'stopping', 'stopped', 'done', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

export const StageProgress = z.object({ stage: z.string(), done: z.number(), total: z.number() });

/** What the engine answers when a training job ends. */
export const TrainSummary = z.object({
  classes: z.array(z.string()),
  history: z.array(EpochPoint),
  stopped: z.boolean(),
  earlyStopped: z.boolean(),
  fineTuned: z.boolean(),
  evaluation: z.object({ val: EvaluationSchema.nullable(), test: EvaluationSchema.nullable() }),
  accuracy: z.number().nullable(),
  features: z.object({
    computed: z.number(),
    cached: z.number(),
    engines: z.number(),
    views: z.number(),
  }),
  timings: z.record(z.string(), z.number()),
  backend: z.string(),
  problems: z.number().int(),
  base: z.object({
    id: z.string(),
    displayName: z.string(),
    inputSize: z.tuple([z.number(), z.number()]),
    featureShape: z.array(z.number()),
  }),
});
export type TrainSummary = z.infer<typeof TrainSummary>;

/** One run in the history: its config and curves, and once it ended, how it did. */
export const RunRecord = z.object({
  id: z.string(),
  datasetRoot: z.string(),
  datasetName: z.string(),
  classes: z.array(z.string()),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  status: RunStatus,
  config: TrainConfig,
  epochs: z.array(EpochPoint),
  batches: z.array(BatchPoint),
  /** The stage the run is in while it runs (extraction progress before epochs begin). */
  stage: StageProgress.nullable(),
  /** Where fine-tuning began on the epoch axis (x of its first batch), if it did. */
  fineTuneStart: z.number().nullable(),
  summary: TrainSummary.nullable(),
  error: z.string().nullable(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** Batch points kept per run: beyond it, every other point is dropped (the line keeps its shape). */
export const MAX_BATCH_POINTS = 600;

/**
 * Append a batch point, keeping the line evenly sampled and bounded: when it outgrows `cap`, every other
 * point goes, and from then on a new point is taken only once it is as far along as the kept spacing
 * (so old and new parts of the run keep the same density and the start is never lost).
 */
export function appendBatchPoint(points: BatchPoint[], p: BatchPoint, cap = MAX_BATCH_POINTS): BatchPoint[] {
  const n = points.length;
  if (n >= cap / 2) {
    const spacing = (points[n - 1].x - points[0].x) / (n - 1);
    if (p.x - points[n - 1].x < spacing * 0.75) return points;
  }
  const next = [...points, p];
  return next.length > cap ? next.filter((_, i) => i % 2 === 0 || i === next.length - 1) : next;
}

/** A run plus whether its trained model is still in the engine's memory (Try it, Export). */
export const RunView = RunRecord.extend({ live: z.boolean() });
export type RunView = z.infer<typeof RunView>;

// ---------- bases ----------

export const BaseCard = z.object({
  id: z.string(),
  displayName: z.string(),
  inputSize: z.number(),
  params: z.number(),
  sizeBytes: z.number().nullable(),
  imagenetTop1: z.number().nullable(),
  featureShape: z.array(z.number()).nullable(),
  /** local: a mirror, the download cache or a user folder; download: fetchable; unavailable: neither. */
  state: z.enum(['local', 'download', 'unavailable']),
  /** Where it is (local), or why it cannot be used. */
  detail: z.string(),
  custom: z.boolean(),
});
export type BaseCard = z.infer<typeof BaseCard>;

export const BaseLayer = z.object({
  name: z.string(),
  className: z.string(),
  params: z.number().int(),
  outputShape: z.array(z.number().nullable()),
});
export type BaseLayer = z.infer<typeof BaseLayer>;

export const BaseDescription = z.object({
  id: z.string(),
  /** Registry id, or the model folder for a local base: what `TrainConfig.base` takes. */
  ref: z.string(),
  displayName: z.string(),
  dir: z.string(),
  inputSize: z.tuple([z.number(), z.number()]),
  preprocessing: z.string(),
  featureLayer: z.string(),
  featureShape: z.array(z.number()),
  params: z.number().int(),
  /** The cut base's layers, input first. */
  layers: z.array(BaseLayer),
});
export type BaseDescription = z.infer<typeof BaseDescription>;

// ---------- augment previews, predictions, export ----------

export const AugmentPreviewItem = z.object({
  rel: z.string(),
  original: z.string().nullable(),
  variants: z.array(z.string()),
  error: z.string().nullable(),
});
export type AugmentPreviewItem = z.infer<typeof AugmentPreviewItem>;

export const Prediction = z.object({
  name: z.string(),
  /** A small JPEG data URL of the image as decoded, for the result list. */
  thumb: z.string().nullable(),
  top: z.array(z.object({ label: z.string(), index: z.number().int(), probability: z.number() })),
  error: z.string().nullable(),
});
export type Prediction = z.infer<typeof Prediction>;

export const ExportFormat = z.enum(['tfjs', 'savedmodel', 'both']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportOutcome = z.object({
  outDir: z.string(),
  tfjs: z.object({ dir: z.string(), bytes: z.number() }).nullable(),
  savedmodel: z.object({ dir: z.string(), bytes: z.number(), nodes: z.number() }).nullable(),
  ms: z.number(),
});
export type ExportOutcome = z.infer<typeof ExportOutcome>;
