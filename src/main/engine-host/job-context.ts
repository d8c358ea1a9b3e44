/** What a job runner gets from the engine process: its id, a stop signal, and where its events go. */
import type { EngineEvent } from '@shared/engine-events';
import type { EngineErrorInfo, JobKind, JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import { CodedError, errorCode } from '@shared/errors';

export interface JobContext {
  jobId: string;
  /** Aborted when main sends stop for this job. */
  signal: AbortSignal;
  emit(event: EngineEvent): void;
}

export type JobRunner<K extends JobKind> = (payload: JobPayload<K>, ctx: JobContext) => Promise<JobResult<K>>;

export class AbortError extends CodedError {
  override name = 'AbortError';
  constructor(message: string) {
    super('CANCELLED', message);
  }
}

/** An error as it crosses a thread or process boundary: its class name, code and message. */
export function errorInfo(e: unknown): EngineErrorInfo {
  return e instanceof Error
    ? { name: e.name, code: errorCode(e), message: e.message }
    : { name: 'Error', code: 'INTERNAL', message: String(e) };
}

/** The error again on the other side, code intact. */
export function fromErrorInfo(info: EngineErrorInfo): CodedError {
  const e = new CodedError(info.code, info.message);
  e.name = info.name;
  return e;
}
