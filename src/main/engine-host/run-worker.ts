/**
 * A run worker (worker thread in the engine process): trains one run, then keeps its model for
 * predict/export requests until released. Training here leaves the engine's main thread free to
 * receive Stop, report status and run other jobs. A stop arrives through a shared-memory flag that
 * the training loop reads between batches, so it needs no message to get through.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineEvent } from '@shared/engine-events';
import { currentBackend } from '../engine/backend';
import { tf } from '../engine/tf';
import { errorInfo, type JobContext } from './job-context';
import type { FromRunWorker, RunWorkerData, ToRunWorker } from './run-worker-protocol';
import { exportJob } from './runners/export';
import { releaseRun } from './runners/live-runs';
import { predictJob } from './runners/predict-job';
import { gradCamJob } from './runners/quality';
import { trainJob } from './runners/train';

const data = workerData as RunWorkerData;
const port = parentPort!;
const send = (m: FromRunWorker) => port.postMessage(m);

const stopFlag = new Int32Array(data.stop);
const controller = new AbortController();
// A real AbortSignal whose `aborted` reads the shared flag, so checks between batches see a stop at once.
Object.defineProperty(controller.signal, 'aborted', { get: () => Atomics.load(stopFlag, 0) === 1 });

let lastRuntime = 0;
let baseRuntime: string | null = null;
const runtime = (force = false) => {
  if (!force && Date.now() - lastRuntime < 500) return;
  lastRuntime = Date.now();
  const m = tf.memory();
  send({
    type: 'runtime',
    runtime: {
      backend: tf.getBackend(),
      device: currentBackend()?.device ?? 'CPU',
      tensors: m.numTensors,
      tensorBytes: m.numBytes,
      baseRuntime,
    },
  });
};

const ctx = (jobId: string, signal: AbortSignal): JobContext => ({
  jobId,
  signal,
  emit: (event: EngineEvent) => {
    send({ type: 'event', event });
    runtime();
  },
});

port.on('message', (m: ToRunWorker) => {
  if (m.type === 'release') {
    releaseRun(data.runId);
    runtime(true);
    port.close();
    return;
  }
  const run: Promise<unknown> =
    m.type === 'predict'
      ? predictJob(m.payload, ctx(data.runId, new AbortController().signal))
      : m.type === 'gradCam'
        ? gradCamJob(m.payload)
        : exportJob(m.payload, ctx(m.jobId, new AbortController().signal));
  run.then(
    (result) => send({ type: 'reply', reqId: m.reqId, ok: true, result }),
    (e) => send({ type: 'reply', reqId: m.reqId, ok: false, error: errorInfo(e) }),
  );
});

const onBaseRuntime = (line: string) => {
  baseRuntime = line;
  runtime(true);
};
trainJob(data.payload, ctx(data.runId, controller.signal), { onBaseRuntime }).then(
  (summary) => {
    runtime(true);
    send({ type: 'trained', summary });
  },
  (e) => send({ type: 'failed', error: errorInfo(e) }),
);
