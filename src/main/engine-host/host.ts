/**
 * The engine host: main's supervisor of the engine process. Starts it lazily, runs jobs by id, routes
 * their events, cancels them, and survives the process dying (crash, OOM, kill): pending jobs fail with
 * ENGINE_CRASHED, the status says what happened, and the next job starts a fresh process.
 */
import { randomUUID } from 'node:crypto';
import type { EngineEvent } from '@shared/engine-events';
import { CodedError, type ErrorCode } from '@shared/errors';
import type { EngineStatus } from '@shared/ipc/contract';
import type {
  EngineProcessStatus,
  EngineToHost,
  HostToEngine,
  JobKind,
  JobPayload,
  JobResult,
} from '@shared/ipc/engine-protocol';
import type { EngineChild, EngineExit, EngineLauncher } from './launcher';

/** A job failed: the engine's own error code (mapped once, where it was thrown) and message. */
export class EngineJobError extends CodedError {
  override name = 'EngineJobError';
}

interface PendingJob {
  jobId: string;
  kind: JobKind;
  label: string;
  resolve: (result: unknown) => void;
  reject: (error: EngineJobError) => void;
  onEvent?: (event: EngineEvent) => void;
}

export interface RunOptions {
  label?: string;
  onEvent?: (event: EngineEvent) => void;
}

export interface EngineHostOptions {
  onStatus?: (status: EngineStatus) => void;
  /** After Stop, how long the engine gets to wind a job down before it is killed and replaced. */
  stopGraceMs?: number;
}

export function describeExit(exit: EngineExit): string {
  const oom =
    exit.reason === 'oom' ||
    /heap out of memory|Allocation failed|OutOfMemory|out of memory/i.test(exit.stderrTail);
  let what: string;
  if (oom) what = 'ran out of memory';
  else if (exit.signal === 'SIGKILL' || exit.reason === 'killed')
    what = "was killed (SIGKILL — possibly the system's out-of-memory killer)";
  else if (exit.signal) what = `was terminated by ${exit.signal}`;
  else if (exit.reason && exit.reason !== 'clean-exit')
    what = `stopped unexpectedly (${exit.reason}, exit code ${exit.code})`;
  else what = `exited unexpectedly with code ${exit.code}`;
  const lastLine = exit.stderrTail
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  return `The engine process ${what}${lastLine && !oom ? ` — last message: ${lastLine.slice(0, 300)}` : ''}.`;
}

export class EngineHost {
  private child: EngineChild | null = null;
  private ready = false;
  private outbox: HostToEngine[] = [];
  private proc: EngineProcessStatus | null = null;
  private readonly jobs = new Map<string, PendingJob>();
  /** Jobs stopped by the user that the engine has not yet confirmed; killed after the grace period. */
  private readonly stopping = new Map<string, NodeJS.Timeout>();
  private starts = 0;
  private lastCrash: EngineStatus['lastCrash'] = null;
  private crashed = false;
  private disposed = false;

  constructor(
    private readonly launch: EngineLauncher,
    private readonly options: EngineHostOptions = {},
  ) {}

  /** Start a job; `result` settles with its result or an EngineJobError. */
  run<K extends JobKind>(
    kind: K,
    payload: JobPayload<K>,
    options: RunOptions = {},
  ): { jobId: string; result: Promise<JobResult<K>> } {
    if (this.disposed) throw new EngineJobError('INTERNAL', 'engine host is shut down');
    const jobId = randomUUID();
    const result = new Promise<JobResult<K>>((resolve, reject) => {
      this.jobs.set(jobId, {
        jobId,
        kind,
        label: options.label ?? kind,
        resolve: resolve as (r: unknown) => void,
        reject,
        onEvent: options.onEvent,
      });
    });
    this.ensureChild();
    this.send({ type: 'start', jobId, kind, payload } as HostToEngine);
    this.emitStatus();
    return { jobId, result };
  }

  /** Stop a job. Its promise rejects with CANCELLED at once; the engine gets a grace period to wind down. */
  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    this.jobs.delete(jobId);
    job.reject(new EngineJobError('CANCELLED', `${job.label}: cancelled`));
    if (this.ready) this.send({ type: 'stop', jobId });
    else this.outbox = this.outbox.filter((m) => !(m.type === 'start' && m.jobId === jobId));
    if (this.ready) {
      const timer = setTimeout(() => {
        this.stopping.delete(jobId);
        // Unresponsive: replace the process, but never at the cost of other running jobs.
        if (this.jobs.size === 0) this.restart();
      }, this.options.stopGraceMs ?? 3000);
      timer.unref();
      this.stopping.set(jobId, timer);
    }
    this.emitStatus();
    return true;
  }

  /**
   * Ask a job to wind down and still answer (training keeps its best weights and evaluates them). Unlike
   * `cancel`, its promise settles with the engine's answer; if none comes within `graceMs`, the job is
   * cancelled (and an unresponsive engine replaced).
   */
  stop(jobId: string, graceMs = 30_000): boolean {
    if (!this.jobs.has(jobId)) return false;
    this.send({ type: 'stop', jobId });
    const timer = setTimeout(() => this.cancel(jobId), graceMs);
    timer.unref();
    const job = this.jobs.get(jobId)!;
    const settle = () => clearTimeout(timer);
    const { resolve, reject } = job;
    job.resolve = (r) => {
      settle();
      resolve(r);
    };
    job.reject = (e) => {
      settle();
      reject(e);
    };
    return true;
  }

  status(): EngineStatus {
    const state: EngineStatus['state'] = !this.child
      ? this.crashed
        ? 'crashed'
        : 'not-started'
      : !this.ready
        ? 'starting'
        : this.jobs.size > 0
          ? 'busy'
          : 'idle';
    return {
      state,
      pid: this.child?.pid ?? null,
      backend: this.proc?.backend ?? null,
      device: this.proc?.device ?? null,
      runtime: this.proc?.runtime ?? null,
      memory: this.child && this.proc ? this.proc.memory : null,
      jobs: [...this.jobs.values()].map((j) => ({ jobId: j.jobId, kind: j.kind, label: j.label })),
      lastCrash: this.lastCrash,
      starts: this.starts,
    };
  }

  /** Kill the engine process (it is restarted on the next job); pending jobs fail. */
  restart(): void {
    const child = this.child;
    if (!child) return;
    this.detach();
    child.kill();
    this.failAll('ENGINE_CRASHED', 'The engine process was restarted.');
    this.emitStatus();
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.stopping.values()) clearTimeout(t);
    this.stopping.clear();
    const child = this.child;
    this.detach();
    child?.kill();
    this.failAll('CANCELLED', 'The app is shutting down.');
  }

  private ensureChild(): void {
    if (this.child) return;
    const child = this.launch();
    this.child = child;
    this.ready = false;
    this.proc = null;
    this.starts++;
    child.onMessage((m) => {
      if (this.child === child) this.onMessage(m);
    });
    child.onExit((exit) => {
      if (this.child === child) this.onCrash(exit);
    });
  }

  private detach(): void {
    this.child = null;
    this.ready = false;
    this.outbox = [];
    this.proc = null;
  }

  private send(msg: HostToEngine): void {
    if (!this.ready) this.outbox.push(msg);
    else this.child?.send(msg);
  }

  private onMessage(m: EngineToHost): void {
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        this.crashed = false;
        this.proc = m.status;
        const queued = this.outbox;
        this.outbox = [];
        for (const q of queued) this.child?.send(q);
        this.emitStatus();
        return;
      }
      case 'status':
        this.proc = m.status;
        this.emitStatus();
        return;
      case 'event':
        this.jobs.get(m.jobId)?.onEvent?.(m.event);
        return;
      case 'result':
      case 'error': {
        const timer = this.stopping.get(m.jobId);
        if (timer) {
          clearTimeout(timer);
          this.stopping.delete(m.jobId);
        }
        const job = this.jobs.get(m.jobId);
        if (!job) return;
        this.jobs.delete(m.jobId);
        if (m.type === 'result') job.resolve(m.result);
        else job.reject(new EngineJobError(m.error.code, m.error.message));
        this.emitStatus();
        return;
      }
    }
  }

  private onCrash(exit: EngineExit): void {
    const running = [...this.jobs.values()].map((j) => j.label);
    const message =
      describeExit(exit) +
      (running.length ? ` It was running: ${running.join(', ')}.` : '') +
      ' The app is still running; the next job starts a fresh engine.';
    this.detach();
    this.crashed = true;
    this.lastCrash = { at: new Date().toISOString(), message };
    for (const t of this.stopping.values()) clearTimeout(t);
    this.stopping.clear();
    this.failAll('ENGINE_CRASHED', message);
    this.emitStatus();
  }

  private failAll(code: ErrorCode, message: string): void {
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    for (const j of jobs) j.reject(new EngineJobError(code, message));
  }

  private emitStatus(): void {
    this.options.onStatus?.(this.status());
  }
}
