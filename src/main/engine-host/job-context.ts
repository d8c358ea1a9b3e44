/** What a job runner gets from the engine process: its id, a stop signal, and where its events go. */
import type { EngineEvent } from '../../shared/engine-events';
import type { JobKind, JobPayload, JobResult } from '../../shared/ipc/engine-protocol';

export interface JobContext {
  jobId: string;
  /** Aborted when main sends stop for this job. */
  signal: AbortSignal;
  emit(event: EngineEvent): void;
}

export type JobRunner<K extends JobKind> = (payload: JobPayload<K>, ctx: JobContext) => Promise<JobResult<K>>;

export class AbortError extends Error {
  override name = 'AbortError';
}
