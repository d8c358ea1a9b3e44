/**
 * The 'train' job as a run worker runs it (see run-worker.ts): runTraining with thinned batch events,
 * the finished run kept in this thread for the worker's later predict/export requests.
 */
import os from 'node:os';
import type { JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import { describeBackend, initBackend } from '../../engine/backend';
import type { EngineEvent } from '@shared/engine-events';
import { pipelineContext } from '../../engine/pipeline/context';
import { chooseHeadForRun } from '../../engine/pipeline/head-auto-run';
import { runTraining } from '../../engine/pipeline/run';
import { resumeRun } from '../../engine/train/resume-run';
import { scanUnderQuality } from '../../engine/quality/apply-scan';
import type { TrainRun } from '../../engine/pipeline/run';
import type { JobContext } from '../job-context';
import { batchThrottle } from '../throttle';
import { keepRun } from './live-runs';

/** IPC budget for batch reports: ≤ 10 per second. */
export const BATCH_INTERVAL_MS = 100;

export function summarize(run: TrainRun): JobResult<'train'> {
  return {
    classes: run.classes,
    history: run.history,
    stopped: run.stopped,
    earlyStopped: run.earlyStopped,
    fineTuned: run.fineTuned,
    fineTuneKept: run.fineTuneKept,
    evaluation: run.evaluation,
    accuracy: run.accuracy,
    features: run.features,
    timings: run.timings,
    backend: describeBackend(run.backend),
    problems: run.problems.length,
    base: {
      id: run.base.id,
      displayName: run.base.displayName,
      inputSize: run.base.inputSize,
      featureShape: run.base.featureShape,
    },
  };
}

export interface TrainHooks {
  /** What runs the frozen base, as soon as extraction has chosen it (and once more at its end). */
  onBaseRuntime?: (line: string) => void;
}

export async function trainJob(
  p: JobPayload<'train'>,
  ctx: JobContext,
  hooks: TrainHooks = {},
): Promise<JobResult<'train'>> {
  // Initialised before the run (runTraining reuses it) so the worker can report its backend at once.
  const backend = await initBackend(p.backend);
  ctx.emit({ type: 'log', jobId: ctx.jobId, level: 'info', message: `backend: ${describeBackend(backend)}` });
  const throttle = batchThrottle(BATCH_INTERVAL_MS, ctx.emit);
  const opts = {
    cacheDir: p.cacheDir,
    backend: p.backend,
    device: p.device ?? 'auto',
    onBaseRuntime: hooks.onBaseRuntime,
    onEvent: (e: EngineEvent) => {
      if (e.type === 'batch') return throttle.push(e);
      if (e.type === 'epoch') throttle.epochEnd();
      if (e.type === 'stage' && e.stage === 'evaluate') throttle.flush();
      ctx.emit(e);
    },
  };
  const context = pipelineContext({ jobId: ctx.jobId, signal: ctx.signal, onEvent: opts.onEvent });
  // A resume reads the run's own scan (as it trained, decisions applied) from its folder.
  if ('resume' in p) {
    const resumed = await resumeRun(p.resume, { ...opts, context });
    keepRun(ctx.jobId, resumed);
    return summarize(resumed);
  }
  // The scan main holds (the Dataset screen's, with its split): no second scan.
  // The project's quality decisions (duplicates excluded, groups moved into one split) apply to this run.
  const scan = p.quality ? await scanUnderQuality(p.scan, p.quality) : p.scan;
  if (scan !== p.scan)
    ctx.emit({
      type: 'log',
      jobId: ctx.jobId,
      level: 'info',
      message: `quality decisions: ${p.scan.files.length - scan.files.length} image(s) excluded`,
    });
  // "Auto" head: chosen by cross-validation on the training split, then trained like any other.
  const auto = p.config.headAuto
    ? await chooseHeadForRun(context, {
        scan,
        config: p.config,
        cacheDir: p.cacheDir,
        backend,
        device: opts.device,
        engines: Math.max(1, os.availableParallelism()),
      })
    : null;
  const run = await runTraining(auto?.config ?? p.config, scan, {
    ...opts,
    context,
    runDir: p.runDir ?? null,
  });
  keepRun(ctx.jobId, run);
  return { ...summarize(run), ...(auto ? { headAuto: auto.result } : {}) };
}
