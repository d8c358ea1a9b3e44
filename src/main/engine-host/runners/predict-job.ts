/** The 'predict' job (Try it): top-k of a kept run's model for files or uploaded bytes, with thumbnails. */
import type { JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import { predictImages } from '../../engine/predict';
import { AbortError } from '../job-context';
import type { JobContext } from '../job-context';
import { thumbDataUrl } from './images';
import { getRun } from './live-runs';

export async function predictJob(p: JobPayload<'predict'>, ctx: JobContext): Promise<JobResult<'predict'>> {
  const run = getRun(p.runId);
  const preds = await predictImages(
    { model: run.fullModel(), labels: run.classes, pixel: run.pixel },
    p.items,
    { k: p.k, signal: ctx.signal, onAbort: () => new AbortError('prediction cancelled') },
  );
  return Promise.all(
    preds.map(async (r) =>
      r.error === null
        ? { name: r.name, thumb: await thumbDataUrl(r.bytes), top: r.top, error: null }
        : { name: r.name, thumb: null, top: [], error: r.error },
    ),
  );
}
