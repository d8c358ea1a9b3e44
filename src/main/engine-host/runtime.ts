/**
 * What the engine process knows about its compute runtime. Job runners that initialise tfjs call
 * `setTfRuntime` so status reports carry the backend, device and tensor memory; run workers (worker
 * threads with their own tfjs) report theirs with `reportWorkerRuntime`. Before any of that the status
 * says 'not started' (null) instead of loading tfjs just to report on it.
 */
import type { WorkerRuntime } from './run-worker-protocol';

interface TfLike {
  getBackend(): string;
  memory(): { numTensors: number; numBytes: number };
}

let tf: TfLike | null = null;
let device: string | null = null;
const workers = new Map<string, WorkerRuntime>();
/** The latest run's frozen-base line; kept after its worker ends (it still says what ran last). */
let baseRuntime: string | null = null;

export function setTfRuntime(tfModule: TfLike, deviceName: string): void {
  tf = tfModule;
  device = deviceName;
}

/** A run worker's latest runtime report, or null when it is gone. */
export function reportWorkerRuntime(id: string, runtime: WorkerRuntime | null): void {
  if (runtime) workers.set(id, runtime);
  else workers.delete(id);
  if (runtime?.baseRuntime) baseRuntime = runtime.baseRuntime;
}

export function runtimeInfo(): {
  backend: string | null;
  device: string | null;
  runtime: string | null;
  tensors: number | null;
  tensorBytes: number | null;
} {
  const ws = [...workers.values()];
  if (!tf && ws.length === 0)
    return { backend: null, device: null, runtime: baseRuntime, tensors: null, tensorBytes: null };
  const m = tf?.memory() ?? { numTensors: 0, numBytes: 0 };
  const latest = ws.at(-1);
  return {
    // A training worker's backend is the one doing the heavy work: it wins over the main thread's.
    backend: latest?.backend ?? tf?.getBackend() ?? null,
    device: latest?.device ?? device ?? null,
    runtime: baseRuntime,
    tensors: m.numTensors + ws.reduce((a, w) => a + w.tensors, 0),
    tensorBytes: m.numBytes + ws.reduce((a, w) => a + w.tensorBytes, 0),
  };
}
