/**
 * The pipeline runner: a run is a sequence of stages, each a function with typed input and output.
 * The runner, not the stage, announces progress — `stage` events: one as the stage starts, the stage's
 * own reports thinned to one per 50 ms (its last one always sent), or a completed one at the end when
 * the stage reported nothing — and times each stage.
 */
import { randomUUID } from 'node:crypto';
import type { EngineEvent, Stage } from '@shared/engine-events';

/** One run's context, shared by its stages. */
export interface PipelineContext {
  jobId: string;
  signal?: AbortSignal;
  emit(e: EngineEvent): void;
  /** When the run began (ms since epoch). */
  startedAt: number;
  /** Milliseconds spent in each stage so far. */
  timings: Partial<Record<Stage, number>>;
}

/** What a stage gets: the run's identity and stop signal, its events, and a progress reporter. */
export interface StageContext {
  jobId: string;
  signal?: AbortSignal;
  /** Problems, logs, batch and epoch metrics. */
  emit(e: EngineEvent): void;
  /** Progress within the stage; the runner turns it into `stage` events. */
  progress(done: number, total: number): void;
}

export interface PipelineStage<I, O> {
  name: Stage;
  /** The progress total announced as the stage starts (0 when not known yet). */
  total(input: I): number;
  run(input: I, ctx: StageContext): Promise<O>;
}

/** At most one progress event per this many ms, except a completed one. */
const PROGRESS_MS = 50;

export function pipelineContext(
  o: { jobId?: string; signal?: AbortSignal; onEvent?: (e: EngineEvent) => void } = {},
): PipelineContext {
  return {
    jobId: o.jobId ?? randomUUID(),
    signal: o.signal,
    emit: (e) => o.onEvent?.(e),
    startedAt: Date.now(),
    timings: {},
  };
}

export async function runStage<I, O>(p: PipelineContext, stage: PipelineStage<I, O>, input: I): Promise<O> {
  const t0 = Date.now();
  let latest = { done: 0, total: stage.total(input) };
  let sent = latest;
  let sentAt = 0;
  let reported = false;
  const send = () => {
    sent = latest;
    sentAt = Date.now();
    p.emit({ type: 'stage', jobId: p.jobId, stage: stage.name, done: sent.done, total: sent.total });
  };
  send();
  try {
    const out = await stage.run(input, {
      jobId: p.jobId,
      signal: p.signal,
      emit: p.emit,
      progress(done, total) {
        reported = true;
        latest = { done, total };
        if (done === total || Date.now() - sentAt >= PROGRESS_MS) send();
      },
    });
    if (reported && latest !== sent) send();
    else if (!reported && sent.done !== sent.total) {
      latest = { done: sent.total, total: sent.total };
      send();
    }
    return out;
  } finally {
    p.timings[stage.name] = (p.timings[stage.name] ?? 0) + Date.now() - t0;
  }
}
