/**
 * The engine process's job table: one runner per job kind (see EngineJobs in
 * src/shared/ipc/engine-protocol.ts). Runs inside the engine process only — tensor work lives here.
 */
import type { JobKind } from '@shared/ipc/engine-protocol';
import type { JobRunner } from './job-context';

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
  qualityScan: async (p, ctx) => (await import('./runners/quality')).qualityScanJob(p, ctx),
  relabel: async (p) => (await import('./runners/quality')).relabelJob(p),
  gradCam: async (p) => (await import('./runners/run-workers')).gradCamInWorker(p),
  describeBase: async (p, ctx) => (await import('./runners/describe-base')).describeBaseJob(p, ctx),
  // Cheap checks only (no session): which ONNX Runtime devices could run the frozen base here.
  listDevices: async () => (await import('../engine/onnx/devices')).listDevices(),
  modelLayers: async (p) => (await import('./runners/model-layers')).modelLayersJob(p),
  // The pipeline's scan stage, alone: its runner reports progress and stop throws out of it.
  scan: async (p, { jobId, signal, emit }) => {
    const { pipelineContext, runStage } = await import('../engine/pipeline/context');
    const { scanStage } = await import('../engine/pipeline/scan');
    return runStage(pipelineContext({ jobId, signal, onEvent: emit }), scanStage, p);
  },
};
