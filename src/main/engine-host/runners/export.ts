/** The 'export' job: a kept run's model in the requested formats, written together (all or none). */
import type { JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import { exportSubject } from '../../engine/export';
import { pipelineContext, runStage } from '../../engine/pipeline/context';
import { exportStage } from '../../engine/pipeline/export';
import type { JobContext } from '../job-context';
import { getRun } from './live-runs';

export async function exportJob(p: JobPayload<'export'>, ctx: JobContext): Promise<JobResult<'export'>> {
  const run = getRun(p.runId);
  const t0 = Date.now();
  const r = await runStage(
    pipelineContext({ jobId: ctx.jobId, signal: ctx.signal, onEvent: ctx.emit }),
    exportStage,
    { subject: exportSubject(run), outDir: p.outDir, formats: p.formats },
  );
  return { ...r, ms: Date.now() - t0 };
}
