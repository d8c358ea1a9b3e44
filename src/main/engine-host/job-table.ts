/**
 * The engine process's job table: one runner per job kind (see EngineJobs in
 * src/shared/ipc/engine-protocol.ts). Runs inside the engine process only — tensor work lives here.
 */
import type { JobKind } from '../../shared/ipc/engine-protocol';
import { scanDataset } from '../engine/dataset/scan';
import { AbortError, type JobRunner } from './job-context';
import { throttledProgress } from './throttle';

/*
 * Runners that need tfjs (or the engine's heavier modules) are imported on first use: a scan never
 * loads tfjs, and the status bar says "not started" until something does.
 */
export const jobRunners: { [K in JobKind]: JobRunner<K> } = {
  // Training (and the trained model) lives in a worker thread per run: see runners/run-workers.ts.
  train: async (p, ctx) => (await import('./runners/run-workers')).trainInWorker(p, ctx),
  predict: async (p) => (await import('./runners/run-workers')).predictInWorker(p),
  export: async (p, ctx) => (await import('./runners/run-workers')).exportInWorker(p, ctx),
  releaseRun: async ({ runId }) => ({
    released: await (await import('./runners/run-workers')).releaseWorker(runId),
  }),
  augmentPreview: async (p, ctx) => (await import('./runners/augment-preview')).augmentPreviewJob(p, ctx),
  describeBase: async (p, ctx) => (await import('./runners/describe-base')).describeBaseJob(p, ctx),
  scan: async ({ root, split }, { jobId, signal, emit }) => {
    const progress = throttledProgress(50, (done, total) =>
      emit({ type: 'stage', jobId, stage: 'scan', done, total }),
    );
    emit({ type: 'stage', jobId, stage: 'scan', done: 0, total: 0 });
    return scanDataset(root, {
      ...split,
      onProgress: (done, total) => {
        // scanDataset takes no signal; throwing from its progress callback unwinds it.
        if (signal.aborted) throw new AbortError('scan cancelled');
        progress(done, total);
      },
    });
  },
};
