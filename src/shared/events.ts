import type { DatasetProblem } from './dataset';

/** Structured engine events. Every event names its job. */
export type EngineEvent =
  | { type: 'stage'; jobId: string; stage: Stage; done: number; total: number }
  | { type: 'problem'; jobId: string; problem: DatasetProblem }
  | ({ type: 'batch'; jobId: string } & BatchMetrics)
  | ({ type: 'epoch'; jobId: string } & EpochMetrics)
  | { type: 'log'; jobId: string; level: 'info' | 'warn'; message: string };

export type Stage = 'scan' | 'load-base' | 'extract' | 'train' | 'fine-tune' | 'evaluate' | 'export';

export type Phase = 'head' | 'fine-tune';

export interface BatchMetrics {
  phase: Phase;
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  acc: number;
  lr: number;
  imagesPerSec: number;
  elapsedMs: number;
  etaMs: number;
}

export interface EpochMetrics {
  phase: Phase;
  epoch: number;
  epochs: number;
  loss: number;
  acc: number;
  valLoss: number | null;
  valAcc: number | null;
  lr: number;
  imagesPerSec: number;
  elapsedMs: number;
  etaMs: number;
  best: boolean;
}

export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Misclassified {
  rel: string;
  path: string;
  trueClass: number;
  predicted: number;
  probabilities: number[];
}

export interface Evaluation {
  split: 'val' | 'test' | 'train';
  count: number;
  accuracy: number;
  loss: number;
  topK: { k: number; accuracy: number };
  perClass: ClassMetrics[];
  /** confusion[true][predicted] */
  confusion: number[][];
  misclassified: Misclassified[];
}
