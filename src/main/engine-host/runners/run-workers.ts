/**
 * The engine process's side of run workers: 'train' starts one worker thread per run; 'predict' and
 * 'export' are forwarded to the worker holding that run's model; 'releaseRun' ends it. Stop sets the
 * worker's shared flag.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import { fromErrorInfo, type JobContext } from '../job-context';
import type { FromRunWorker, RunWorkerData, ToRunWorker } from '../run-worker-protocol';
import { reportWorkerRuntime } from '../runtime';
import { RunNotFoundError } from './live-runs';

interface RunWorker {
  worker: Worker;
  ready: boolean;
  nextReq: number;
  pending: Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>;
  /** Job contexts whose events the worker may send (the train job, export jobs), by job id. */
  contexts: Map<string, JobContext>;
}

const workers = new Map<string, RunWorker>();

function workerEntry(): { file: string | URL; tsEntry?: string } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts'))
    return {
      file: new URL('../ts-worker-boot.mjs', import.meta.url),
      tsEntry: new URL('../run-worker.ts', import.meta.url).href,
    };
  // Built: out/main/run-worker.js, beside the engine-host bundle or one folder up from its chunks.
  const dir = path.dirname(here);
  for (const p of [path.join(dir, 'run-worker.js'), path.join(dir, '..', 'run-worker.js')])
    if (existsSync(p)) return { file: p };
  throw new Error(`run-worker.js not found near ${dir}`);
}

export function trainInWorker(p: JobPayload<'train'>, ctx: JobContext): Promise<JobResult<'train'>> {
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const entry = workerEntry();
  const data: RunWorkerData = { runId: ctx.jobId, payload: p, stop, __tsEntry: entry.tsEntry };
  const worker = new Worker(entry.file, { workerData: data });
  const rw: RunWorker = {
    worker,
    ready: false,
    nextReq: 1,
    pending: new Map(),
    contexts: new Map([[ctx.jobId, ctx]]),
  };
  workers.set(ctx.jobId, rw);
  const onAbort = () => Atomics.store(flag, 0, 1);
  if (ctx.signal.aborted) onAbort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  return new Promise((resolve, reject) => {
    let settled = false;
    const end = (error: Error) => {
      workers.delete(ctx.jobId);
      reportWorkerRuntime(ctx.jobId, null);
      for (const r of rw.pending.values()) r.reject(error);
      rw.pending.clear();
      if (!settled) {
        settled = true;
        reject(error);
      }
    };
    worker.on('message', (m: FromRunWorker) => {
      switch (m.type) {
        case 'event':
          rw.contexts.get(m.event.jobId)?.emit(m.event);
          return;
        case 'runtime':
          // A released worker still reports once while it frees its tensors: that report must not
          // come back as a live entry (each released run then added its leftovers to the status).
          if (workers.get(ctx.jobId) === rw) reportWorkerRuntime(ctx.jobId, m.runtime);
          return;
        case 'trained':
          rw.ready = true;
          rw.contexts.delete(ctx.jobId);
          settled = true;
          resolve(m.summary);
          return;
        case 'failed':
          end(fromErrorInfo(m.error));
          void worker.terminate();
          return;
        case 'reply': {
          const r = rw.pending.get(m.reqId);
          rw.pending.delete(m.reqId);
          if (m.ok) r?.resolve(m.result);
          else r?.reject(fromErrorInfo(m.error));
          return;
        }
      }
    });
    worker.on('error', (e) => end(e));
    worker.on('exit', (code) => {
      if (workers.get(ctx.jobId) === rw)
        end(new Error(`the training worker exited unexpectedly (code ${code})`));
    });
  });
}

function ready(runId: string): RunWorker {
  const rw = workers.get(runId);
  if (!rw || !rw.ready)
    throw new RunNotFoundError(
      `run ${runId} is not in the engine's memory (the engine restarted, or the run was released): train it again to use its model`,
    );
  return rw;
}

function request<T>(rw: RunWorker, msg: (reqId: number) => ToRunWorker): Promise<T> {
  const reqId = rw.nextReq++;
  return new Promise<T>((resolve, reject) => {
    rw.pending.set(reqId, { resolve: resolve as (r: unknown) => void, reject });
    rw.worker.postMessage(msg(reqId));
  });
}

export function predictInWorker(p: JobPayload<'predict'>): Promise<JobResult<'predict'>> {
  return request(ready(p.runId), (reqId) => ({ type: 'predict', reqId, payload: p }));
}

export function gradCamInWorker(p: JobPayload<'gradCam'>): Promise<JobResult<'gradCam'>> {
  return request(ready(p.runId), (reqId) => ({ type: 'gradCam', reqId, payload: p }));
}

export async function exportInWorker(p: JobPayload<'export'>, ctx: JobContext): Promise<JobResult<'export'>> {
  const rw = ready(p.runId);
  rw.contexts.set(ctx.jobId, ctx);
  try {
    return await request(rw, (reqId) => ({ type: 'export', reqId, payload: p, jobId: ctx.jobId }));
  } finally {
    rw.contexts.delete(ctx.jobId);
  }
}

export async function releaseWorker(runId: string): Promise<boolean> {
  const rw = workers.get(runId);
  if (!rw) return false;
  workers.delete(runId);
  reportWorkerRuntime(runId, null);
  rw.worker.postMessage({ type: 'release' } satisfies ToRunWorker);
  // Give it a moment to free its tensors cleanly, then make sure it is gone.
  await new Promise((r) => setTimeout(r, 200));
  await rw.worker.terminate();
  return true;
}
