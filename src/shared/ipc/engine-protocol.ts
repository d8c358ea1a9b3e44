/**
 * The message protocol between main (the engine host) and the engine process (an Electron
 * utilityProcess in the app, a Node child process in browser mode and tests). Pure types.
 *
 * Adding a job kind: one entry in `EngineJobs` here, one runner in src/main/engine-host/jobs.ts.
 */
import type { DatasetScan, SplitOptions } from '../dataset';
import type { EngineEvent } from '../events';

/** Job kind → what main sends and what the engine answers. */
export interface EngineJobs {
  scan: { payload: { root: string; split: Partial<SplitOptions> }; result: DatasetScan };
}
export type JobKind = keyof EngineJobs;
export type JobPayload<K extends JobKind> = EngineJobs[K]['payload'];
export type JobResult<K extends JobKind> = EngineJobs[K]['result'];

/** What the engine process knows about itself; sent on start, after each job and periodically. */
export interface EngineProcessStatus {
  pid: number;
  /** tfjs backend in use, or null before any job initialised tfjs. */
  backend: string | null;
  device: string | null;
  /** Process memory (bytes) and, once tfjs is loaded, its tensor bookkeeping. */
  memory: {
    rss: number;
    heapUsed: number;
    external: number;
    tensors: number | null;
    tensorBytes: number | null;
  };
  runningJobs: string[];
}

export type HostToEngine =
  | { [K in JobKind]: { type: 'start'; jobId: string; kind: K; payload: JobPayload<K> } }[JobKind]
  | { type: 'stop'; jobId: string }
  | { type: 'status' };

export interface EngineErrorInfo {
  /** Error class name (DatasetError, AbortError, …) so main can map it to an API error code. */
  name: string;
  message: string;
}

export type EngineToHost =
  | { type: 'ready'; status: EngineProcessStatus }
  | { type: 'event'; jobId: string; event: EngineEvent }
  | { type: 'result'; jobId: string; result: JobResult<JobKind> }
  | { type: 'error'; jobId: string; error: EngineErrorInfo }
  | { type: 'status'; status: EngineProcessStatus };
