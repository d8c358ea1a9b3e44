/**
 * Entry of the engine process (Electron utilityProcess or Node child_process.fork). Receives
 * start/stop/status messages, runs jobs from the job table, streams their events, reports status.
 */
import type { EngineEvent } from '@shared/engine-events';
import type {
  EngineProcessStatus,
  EngineToHost,
  HostToEngine,
  JobKind,
  JobResult,
} from '@shared/ipc/engine-protocol';
import { jobRunners } from './job-table';
import { errorInfo, type JobRunner } from './job-context';
import { runtimeInfo } from './runtime';

interface Port {
  send(msg: EngineToHost): void;
  onMessage(listener: (msg: HostToEngine) => void): void;
}

/** Electron's utilityProcess exposes `process.parentPort`; a Node fork has `process.send`. */
function connect(): Port {
  const parentPort = (
    process as NodeJS.Process & {
      parentPort?: {
        postMessage(m: unknown): void;
        on(e: 'message', l: (ev: { data: unknown }) => void): void;
      };
    }
  ).parentPort;
  if (parentPort) {
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (l) => parentPort.on('message', (ev) => l(ev.data as HostToEngine)),
    };
  }
  if (process.send) {
    // The host is gone: nobody to work for.
    process.on('disconnect', () => process.exit(0));
    return {
      send: (m) => {
        if (process.connected) process.send!(m);
      },
      onMessage: (l) => process.on('message', (m) => l(m as HostToEngine)),
    };
  }
  throw new Error('engine-host: started without a parent process to talk to');
}

const port = connect();
const running = new Map<string, AbortController>();

function status(): EngineProcessStatus {
  const mem = process.memoryUsage();
  const rt = runtimeInfo();
  return {
    pid: process.pid,
    backend: rt.backend,
    device: rt.device,
    runtime: rt.runtime,
    memory: {
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      external: mem.external,
      tensors: rt.tensors,
      tensorBytes: rt.tensorBytes,
    },
    runningJobs: [...running.keys()],
  };
}

async function start(jobId: string, run: () => Promise<unknown>) {
  let answer: EngineToHost;
  try {
    answer = { type: 'result', jobId, result: (await run()) as JobResult<JobKind> };
  } catch (e) {
    answer = { type: 'error', jobId, error: errorInfo(e) };
  }
  running.delete(jobId);
  // Status first: whoever awaits the answer then sees the runtime the job set up.
  port.send({ type: 'status', status: status() });
  port.send(answer);
}

port.onMessage((msg) => {
  switch (msg.type) {
    case 'start': {
      const ac = new AbortController();
      running.set(msg.jobId, ac);
      const emit = (event: EngineEvent) => port.send({ type: 'event', jobId: msg.jobId, event });
      const runner = jobRunners[msg.kind] as JobRunner<typeof msg.kind> | undefined;
      void start(msg.jobId, async () => {
        if (!runner) throw new Error(`unknown job kind "${String(msg.kind)}"`);
        return runner(msg.payload, { jobId: msg.jobId, signal: ac.signal, emit });
      });
      return;
    }
    case 'stop':
      running.get(msg.jobId)?.abort();
      return;
    case 'status':
      port.send({ type: 'status', status: status() });
      return;
  }
});

// Memory while work runs; unref'd so an idle engine costs nothing.
setInterval(() => {
  if (running.size > 0) port.send({ type: 'status', status: status() });
}, 1000).unref();

port.send({ type: 'ready', status: status() });
