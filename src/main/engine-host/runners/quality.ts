/**
 * Quality jobs in the engine process (issue 13): duplicates + label review of a scanned dataset, file
 * moves of relabels and their undo, and Grad-CAM of a kept run's model (run in its run worker).
 */
import type { JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import { initBackend } from '../../engine/backend';
import { pipelineContext } from '../../engine/pipeline/context';
import { qualityCheck } from '../../engine/pipeline/quality-check';
import { gradCamForRequest } from '../../engine/quality/gradcam';
import { applyRelabel, redoLast, undoLast } from '../../engine/quality/relabel';
import type { JobContext } from '../job-context';
import { getRun } from './live-runs';

export async function qualityScanJob(
  p: JobPayload<'qualityScan'>,
  ctx: JobContext,
): Promise<JobResult<'qualityScan'>> {
  const backend = await initBackend(p.backend);
  const r = await qualityCheck(pipelineContext({ jobId: ctx.jobId, signal: ctx.signal, onEvent: ctx.emit }), {
    scan: p.scan,
    config: p.config,
    cacheDir: p.cacheDir,
    backend,
    engines: 1,
    dedupe: false,
    review: p.review,
    headAuto: false,
    duplicateOptions: p.options,
    kept: p.kept,
  });
  return { duplicates: r.duplicates, review: r.review };
}

export function relabelJob(p: JobPayload<'relabel'>): Promise<JobResult<'relabel'>> {
  if (p.op === 'apply') return applyRelabel(p.state, p.request, p.root);
  return p.op === 'undo' ? undoLast(p.state) : redoLast(p.state);
}

/** Runs in the run worker that holds the model. */
export function gradCamJob(p: JobPayload<'gradCam'>): Promise<JobResult<'gradCam'>> {
  const run = getRun(p.runId);
  return gradCamForRequest(
    { features: run.base.model, logits: run.head.logits, pixel: run.pixel },
    p.request,
    p.bytes,
  );
}
