/**
 * Training runs, app-wide so a run survives moving between screens: the history from main, the live
 * run's curves (jobEpoch/jobBatch/jobProgress folded in by the same reducer main uses,
 * src/shared/run-state.ts), which run Evaluate and Export look at, and which two runs are compared.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { applyEngineEvents } from '@shared/run-state';
import type { RunView } from '@shared/ipc/run-record';
import type { BatchEvent, EngineEvent } from '@shared/engine-events';
import type { TrainConfig } from '@shared/train';
import { call, errorText } from '../api/client';
import { useAppState } from './app-state';
import { coalescer, type Coalescer } from '../lib/coalesce';
import { useEvent } from './use-event';

interface RunsState {
  runs: RunView[];
  /** The run training right now (running or stopping), if any. */
  active: RunView | null;
  /** The run Evaluate and Export show: the user's pick, else the newest finished one. */
  selected: RunView | null;
  select(id: string | null): void;
  compare: string[];
  toggleCompare(id: string): void;
  starting: boolean;
  error: string | null;
  clearError(): void;
  start(datasetId: string, config: TrainConfig): Promise<void>;
  stop(): void;
  remove(id: string): void;
  /** When the user pressed Stop (ms since epoch), for the "stopping…" display. */
  stopRequestedAt: number | null;
  /** The latest batch report of the active run (throughput, ETA). */
  lastBatch: BatchEvent | null;
}

const Ctx = createContext<RunsState | null>(null);
/** The longest a batch report waits to be drawn (several are drawn together). */
const BATCH_FLUSH_MS = 250;
/** At most one update of the runs (and so of the charts) per this many ms: ≤ 10 updates/s. */
const MIN_UPDATE_MS = 100;
const isActive = (r: RunView) => r.status === 'running' || r.status === 'stopping';

export function RunsProvider({ children }: { children: ReactNode }) {
  const { connection } = useAppState();
  const [runs, setRuns] = useState<RunView[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [compare, setCompare] = useState<string[]>([]);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [stopRequestedAt, setStopRequestedAt] = useState<number | null>(null);
  const [lastBatch, setLastBatch] = useState<RunsState['lastBatch']>(null);

  useEffect(() => {
    if (connection !== 'open') return;
    // (Re)load after every (re)connect: a run may have progressed or ended meanwhile.
    void call('listRuns', {}).then(
      (r) => setRuns(r.runs),
      () => undefined,
    );
  }, [connection]);

  /** Fold events into the runs they belong to, for runs still training (the shared reducer). */
  const apply = useCallback((events: EngineEvent[]) => {
    setRuns((all) => {
      const next = all.map((r) =>
        isActive(r)
          ? applyEngineEvents(
              r,
              events.filter((e) => e.jobId === r.id),
            )
          : r,
      );
      return next.some((r, i) => r !== all[i]) ? next : all;
    });
  }, []);

  // Training events are applied in groups, at most one update (one chart redraw) per MIN_UPDATE_MS, so
  // the charts stay within 10 updates/s however fast epochs end. Batch points may wait BATCH_FLUSH_MS;
  // epochs and stage progress go out at the next allowed moment.
  const queue = useRef<Coalescer<EngineEvent> | null>(null);
  useEffect(() => {
    const q = coalescer<EngineEvent>(MIN_UPDATE_MS, (list) => {
      const batch = list.findLast((e): e is BatchEvent => e.type === 'batch');
      if (batch) setLastBatch(batch);
      apply(list);
    });
    queue.current = q;
    return () => q.dispose();
  }, [apply]);
  const enqueue = (e: EngineEvent, maxWaitMs: number) => queue.current?.push(e, maxWaitMs);
  useEvent('runUpdate', (v) => {
    setRuns((all) =>
      all.some((r) => r.id === v.id) ? all.map((r) => (r.id === v.id ? v : r)) : [v, ...all],
    );
    if (!isActive(v)) setStopRequestedAt(null);
  });
  useEvent('jobEpoch', (e) => enqueue(e, 0));
  useEvent('jobBatch', (e) => enqueue(e, BATCH_FLUSH_MS));
  useEvent('jobProgress', (e) =>
    enqueue({ type: 'stage', jobId: e.jobId, stage: e.stage, done: e.done, total: e.total }, 0),
  );

  const start = useCallback(async (datasetId: string, config: TrainConfig) => {
    setStarting(true);
    setError(null);
    try {
      const v = await call('startTraining', { datasetId, config });
      setRuns((all) => [v, ...all.filter((r) => r.id !== v.id)]);
      setSelectedId(null);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setStarting(false);
    }
  }, []);

  const active = runs.find(isActive) ?? null;
  const activeId = active?.id ?? null;
  const stop = useCallback(() => {
    if (!activeId) return;
    setStopRequestedAt(Date.now());
    call('stopTraining', { runId: activeId }).then(
      (r) => {
        if (!r.stopping) setStopRequestedAt(null);
      },
      (e) => {
        setStopRequestedAt(null);
        setError(errorText(e));
      },
    );
  }, [activeId]);

  const remove = useCallback((id: string) => {
    call('deleteRun', { runId: id }).then(
      (r) => {
        setRuns(r.runs);
        setCompare((c) => c.filter((x) => x !== id));
        setSelectedId((s) => (s === id ? null : s));
      },
      (e) => setError(errorText(e)),
    );
  }, []);

  const toggleCompare = useCallback((id: string) => {
    // Two at most: picking a third replaces the older pick.
    setCompare((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id].slice(-2)));
  }, []);

  const selected =
    (selectedId ? runs.find((r) => r.id === selectedId) : undefined) ?? runs.find((r) => r.summary) ?? null;
  const clearError = useCallback(() => setError(null), []);
  const value = useMemo(
    () => ({
      runs,
      active,
      selected,
      select: setSelectedId,
      compare,
      toggleCompare,
      starting,
      error,
      clearError,
      start,
      stop,
      remove,
      stopRequestedAt,
      lastBatch,
    }),
    [
      runs,
      active,
      selected,
      compare,
      toggleCompare,
      starting,
      error,
      clearError,
      start,
      stop,
      remove,
      stopRequestedAt,
      lastBatch,
    ],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useRuns(): RunsState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useRuns outside RunsProvider');
  return v;
}
