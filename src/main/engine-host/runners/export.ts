/** The 'export' job: a kept run's model written as tfjs, SavedModel or both (each atomically). */
import type { JobPayload, JobResult } from '../../../shared/ipc/engine-protocol';
import { exportRun } from '../../engine/export';
import type { JobContext } from '../job-context';
import { getRun } from './live-runs';

export async function exportJob(p: JobPayload<'export'>, ctx: JobContext): Promise<JobResult<'export'>> {
  const run = getRun(p.runId);
  const t0 = Date.now();
  const steps = p.format === 'both' ? 2 : 1;
  ctx.emit({ type: 'stage', jobId: ctx.jobId, stage: 'export', done: 0, total: steps });
  const r = await exportRun(run, {
    outDir: p.outDir,
    format: p.format,
    onProgress: (done, total) => ctx.emit({ type: 'stage', jobId: ctx.jobId, stage: 'export', done, total }),
  });
  return {
    outDir: r.outDir,
    tfjs: r.tfjs ?? null,
    savedmodel: r.savedmodel ?? null,
    ms: Date.now() - t0,
  };
}
