/** Runs engine jobs on behalf of handlers and turns their engine events into contract events. */
import type { EngineEvent } from '@shared/engine-events';
import type { JobKind, JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import type { EngineHost } from '../engine-host/host';
import { toApiError } from './api-error';
import type { EventBus } from './event-bus';

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
    case 'download':
      events.emit('jobDownload', { ...e, jobId, kind });
      return;
  }
}

export interface StartedJob<K extends JobKind> {
  jobId: string;
  result: Promise<JobResult<K>>;
}

/**
 * Start a job, announce it (jobState running → done/failed/cancelled) and stream its events; returns at
 * once. `onEvent` sees each engine event too (after it is forwarded), for callers that keep state.
 */
export function startJob<K extends JobKind>(
  engine: EngineHost,
  events: EventBus,
  kind: K,
  payload: JobPayload<K>,
  label: string,
  onEvent?: (jobId: string, e: EngineEvent) => void,
): StartedJob<K> {
  let id = '';
  const { jobId, result } = engine.run(kind, payload, {
    label,
    onEvent: (e) => {
      forwardEngineEvent(events, id, kind, e);
      onEvent?.(id, e);
    },
  });
  id = jobId;
  events.emit('jobState', { jobId, kind, label, state: 'running' });
  const announced = result.then(
    (r) => {
      events.emit('jobState', { jobId, kind, label, state: 'done' });
      return r;
    },
    (e: unknown) => {
      const error = toApiError(e);
      events.emit('jobState', {
        jobId,
        kind,
        label,
        state: error.code === 'CANCELLED' ? 'cancelled' : 'failed',
        error,
      });
      throw e;
    },
  );
  return { jobId, result: announced };
}

/** Start a job and wait for its result (see startJob). */
export async function runJob<K extends JobKind>(
  engine: EngineHost,
  events: EventBus,
  kind: K,
  payload: JobPayload<K>,
  label: string,
): Promise<JobResult<K>> {
  return startJob(engine, events, kind, payload, label).result;
}
