/** Runs engine jobs on behalf of handlers and turns their engine events into contract events. */
import type { EngineEvent } from '../../shared/events';
import type { JobKind, JobPayload, JobResult } from '../../shared/ipc/engine-protocol';
import type { EngineHost } from '../engine-host/host';
import { toApiError } from './api-error';
import type { EventBus } from './events';

export function forwardEngineEvent(events: EventBus, jobId: string, kind: JobKind, e: EngineEvent): void {
  switch (e.type) {
    case 'stage':
      events.emit('jobProgress', { jobId, kind, stage: e.stage, done: e.done, total: e.total });
      return;
    case 'log':
      events.emit('jobLog', { jobId, level: e.level, message: e.message });
      return;
    case 'problem':
      events.emit('jobProblem', { jobId, problem: e.problem });
      return;
    case 'batch':
      events.emit('jobBatch', { ...e, jobId });
      return;
    case 'epoch':
      events.emit('jobEpoch', { ...e, jobId });
      return;
  }
}

/** Start a job, announce it (jobState running → done/failed/cancelled) and stream its events. */
export async function runJob<K extends JobKind>(
  engine: EngineHost,
  events: EventBus,
  kind: K,
  payload: JobPayload<K>,
  label: string,
): Promise<JobResult<K>> {
  let id = '';
  const { jobId, result } = engine.run(kind, payload, {
    label,
    onEvent: (e) => forwardEngineEvent(events, id, kind, e),
  });
  id = jobId;
  events.emit('jobState', { jobId, kind, label, state: 'running' });
  try {
    const r = await result;
    events.emit('jobState', { jobId, kind, label, state: 'done' });
    return r;
  } catch (e) {
    const error = toApiError(e);
    events.emit('jobState', {
      jobId,
      kind,
      label,
      state: error.code === 'CANCELLED' ? 'cancelled' : 'failed',
      error,
    });
    throw e;
  }
}
