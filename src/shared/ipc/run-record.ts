/**
 * Training runs as main and the renderer see them: the run record (config, curves, evaluation) kept in
 * the run history, and what the engine answers when a training job ends. Zod schemas, because the
 * contract validates every answer and the history file is read back from disk.
 */
import { z } from 'zod';
import { EpochMetrics, Evaluation, Phase, Stage } from '../engine-events';
import { HeadAutoResult } from '../quality';
import { TrainConfig } from '../train';

/** One (throttled) batch report: `x` is the fractional epoch (epoch − 1 + batch / batches). */
export const BatchPoint = z.object({
  x: z.number(),
  phase: Phase,
  loss: z.number(),
  acc: z.number(),
});
export type BatchPoint = z.infer<typeof BatchPoint>;

export const RunStatus = z.enum(['running', 'stopping', 'stopped', 'done', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

export const StageProgress = z.object({ stage: Stage, done: z.number(), total: z.number() });
export type StageProgress = z.infer<typeof StageProgress>;

/** What the engine answers when a training job ends. */
export const TrainSummary = z.object({
  classes: z.array(z.string()),
  history: z.array(EpochMetrics),
  stopped: z.boolean(),
  earlyStopped: z.boolean(),
  fineTuned: z.boolean(),
  /** The run ended on fine-tuned weights (absent in records from before the head could win). */
  fineTuneKept: z.boolean().optional(),
  evaluation: z.object({ val: Evaluation.nullable(), test: Evaluation.nullable() }),
  accuracy: z.number().nullable(),
  features: z.object({
    computed: z.number(),
    cached: z.number(),
    /** Stored vectors that failed their check and were recomputed (0 in history files from before). */
    corrupt: z.number().default(0),
    engines: z.number(),
    views: z.number(),
    /** What ran the frozen base, one line ('' in history files from before it was recorded). */
    runtime: z.string().default(''),
  }),
  timings: z.record(z.string(), z.number()),
  backend: z.string(),
  problems: z.number().int(),
  /** With `config.headAuto`: the cross-validation table and the head the run trained. */
  headAuto: HeadAutoResult.optional(),
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
  epochs: z.array(EpochMetrics),
  batches: z.array(BatchPoint),
  /** The stage the run is in while it runs (extraction progress before epochs begin). */
  stage: StageProgress.nullable(),
  /** Where fine-tuning began on the epoch axis (x of its first batch), if it did. */
  fineTuneStart: z.number().nullable(),
  summary: TrainSummary.nullable(),
  error: z.string().nullable(),
  /** The run's folder in the engine (its config, scan and epoch-end checkpoints), while it has one. */
  runDir: z.string().nullable().optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/**
 * A run plus whether its trained model is still in the engine's memory (Try it, Export), and whether
 * it can be resumed (stopped or failed, with a checkpoint of a completed epoch in its folder).
 */
export const RunView = RunRecord.extend({ live: z.boolean(), resumable: z.boolean() });
export type RunView = z.infer<typeof RunView>;
