/**
 * Messages between the engine process's main thread and a run worker: one worker thread per training
 * run, which trains and then keeps the run's model to answer predict/export requests for it.
 */
import type { EngineEvent } from '@shared/engine-events';
import type { JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import type { EngineErrorInfo } from '@shared/ipc/engine-protocol';

export interface RunWorkerData {
  runId: string;
  payload: JobPayload<'train'>;
  /** Int32 flag: 1 = stop requested (read by the worker between batches, no event loop needed). */
  stop: SharedArrayBuffer;
  /** Set when booting from TypeScript source. */
  __tsEntry?: string;
}

export type ToRunWorker =
  | { type: 'predict'; reqId: number; payload: JobPayload<'predict'> }
  | { type: 'gradCam'; reqId: number; payload: JobPayload<'gradCam'> }
  | { type: 'export'; reqId: number; payload: JobPayload<'export'>; jobId: string }
  | { type: 'release' };

export interface WorkerRuntime {
  backend: string;
  device: string;
  tensors: number;
  tensorBytes: number;
  /** What runs the run's frozen base (the runtime line), once extraction chose it. */
  baseRuntime: string | null;
}

export type FromRunWorker =
  | { type: 'event'; event: EngineEvent }
  | { type: 'runtime'; runtime: WorkerRuntime }
  | { type: 'trained'; summary: JobResult<'train'> }
  | { type: 'failed'; error: EngineErrorInfo }
  | { type: 'reply'; reqId: number; ok: true; result: unknown }
  | { type: 'reply'; reqId: number; ok: false; error: EngineErrorInfo };
