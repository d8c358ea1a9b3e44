/**
 * What the engine reports while it works, as zod schemas: the one source of these types for the
 * engine, main, the renderer and the CLI's JSONL. Every event names its job.
 */
import { z } from 'zod';
import { DatasetProblem } from './dataset';

/** The run's stages, in order (see src/main/engine/pipeline). */
export const Stage = z.enum(['scan', 'load-base', 'extract', 'train', 'fine-tune', 'evaluate', 'export']);
export type Stage = z.infer<typeof Stage>;

export const Phase = z.enum(['head', 'fine-tune']);
export type Phase = z.infer<typeof Phase>;

export const BatchMetrics = z.object({
  phase: Phase,
  epoch: z.number(),
  batch: z.number(),
  batches: z.number(),
  loss: z.number(),
  acc: z.number(),
  lr: z.number(),
  imagesPerSec: z.number(),
  elapsedMs: z.number(),
  etaMs: z.number(),
});
export type BatchMetrics = z.infer<typeof BatchMetrics>;

export const EpochMetrics = z.object({
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
export type EpochMetrics = z.infer<typeof EpochMetrics>;

export const ClassMetrics = z.object({
  name: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number(),
});
export type ClassMetrics = z.infer<typeof ClassMetrics>;

export const Misclassified = z.object({
  rel: z.string(),
  path: z.string(),
  trueClass: z.number().int(),
  predicted: z.number().int(),
  probabilities: z.array(z.number()),
});
export type Misclassified = z.infer<typeof Misclassified>;

export const Evaluation = z.object({
  split: z.enum(['val', 'test', 'train']),
  count: z.number().int(),
  accuracy: z.number(),
  loss: z.number(),
  topK: z.object({ k: z.number().int(), accuracy: z.number() }),
  perClass: z.array(ClassMetrics),
  /** confusion[true][predicted] */
  confusion: z.array(z.array(z.number().int())),
  misclassified: z.array(Misclassified),
});
export type Evaluation = z.infer<typeof Evaluation>;

const job = { jobId: z.string() };

export const StageEvent = z.object({
  type: z.literal('stage'),
  ...job,
  stage: Stage,
  done: z.number(),
  total: z.number(),
});
export type StageEvent = z.infer<typeof StageEvent>;

export const ProblemEvent = z.object({ type: z.literal('problem'), ...job, problem: DatasetProblem });
export type ProblemEvent = z.infer<typeof ProblemEvent>;

export const BatchEvent = BatchMetrics.extend({ type: z.literal('batch'), ...job });
export type BatchEvent = z.infer<typeof BatchEvent>;

export const EpochEvent = EpochMetrics.extend({ type: z.literal('epoch'), ...job });
export type EpochEvent = z.infer<typeof EpochEvent>;

export const LogEvent = z.object({
  type: z.literal('log'),
  ...job,
  level: z.enum(['info', 'warn']),
  message: z.string(),
});
export type LogEvent = z.infer<typeof LogEvent>;

/** A base's weights downloading: bytes so far, total (when known), speed and ETA. */
export const DownloadEvent = z.object({
  type: z.literal('download'),
  ...job,
  /** The base (registry id) being fetched. */
  base: z.string(),
  label: z.string(),
  bytes: z.number(),
  total: z.number().nullable(),
  /** Bytes already on disk when this attempt started (a resumed download). */
  resumedFrom: z.number(),
  bytesPerSec: z.number(),
  etaMs: z.number().nullable(),
  done: z.boolean(),
});
export type DownloadEvent = z.infer<typeof DownloadEvent>;

export const EngineEvent = z.discriminatedUnion('type', [
  StageEvent,
  ProblemEvent,
  BatchEvent,
  EpochEvent,
  LogEvent,
  DownloadEvent,
]);
export type EngineEvent = z.infer<typeof EngineEvent>;
