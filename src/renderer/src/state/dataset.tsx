/**
 * The open dataset, shared by every step (later steps train on it). Opening runs a scan job in the
 * engine; its progress arrives as jobProgress events. Re-splits are answered by main from the kept
 * scan, without re-reading files.
 */
import { createContext, useCallback, useContext, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { SplitOptions } from '@shared/dataset';
import type { DatasetView } from '@shared/ipc/contract';
import { ApiCallError, call, errorText } from '../api/client';
import { useAppState } from './app-state';
import { useEvent } from './use-event';

export interface OpeningState {
  path: string;
  jobId: string | null;
}

interface DatasetState {
  dataset: DatasetView | null;
  opening: OpeningState | null;
  error: string | null;
  open(path: string): Promise<void>;
  cancelOpen(): void;
  resplit(split: SplitOptions): void;
  clearError(): void;
  /** Main rescanned the dataset (a relabel or its undo moved files): show what it found. */
  replace(view: DatasetView): void;
}

const Ctx = createContext<DatasetState | null>(null);

export function DatasetProvider({ children }: { children: ReactNode }) {
  const { setSettings } = useAppState();
  const [dataset, setDataset] = useState<DatasetView | null>(null);
  const [opening, setOpening] = useState<OpeningState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const openSeq = useRef(0);
  const splitSeq = useRef(0);
  // Mirrors `opening` for callbacks and event handlers; written only together with the state.
  const openingRef = useRef<OpeningState | null>(null);
  const setOpeningBoth = useCallback((o: OpeningState | null) => {
    openingRef.current = o;
    setOpening(o);
  }, []);

  // The scan job that starts while we are opening is ours (one window, one open at a time).
  useEvent('jobState', (e) => {
    if (e.kind === 'scan' && e.state === 'running' && openingRef.current && !openingRef.current.jobId) {
      setOpeningBoth({ ...openingRef.current, jobId: e.jobId });
    }
  });

  const cancelOpen = useCallback(() => {
    const o = openingRef.current;
    openSeq.current++;
    setOpeningBoth(null);
    if (o?.jobId) void call('cancelJob', { jobId: o.jobId }).catch(() => undefined);
  }, [setOpeningBoth]);

  const open = useCallback(
    async (path: string) => {
      if (openingRef.current) cancelOpen();
      const seq = ++openSeq.current;
      setError(null);
      setOpeningBoth({ path, jobId: null });
      try {
        const view = await call('openDataset', { path });
        if (seq !== openSeq.current) return;
        setDataset(view);
        void call('getSettings', {}).then(setSettings, () => undefined);
      } catch (e) {
        if (seq !== openSeq.current) return;
        if (!(e instanceof ApiCallError && e.code === 'CANCELLED')) setError(errorText(e));
      } finally {
        if (seq === openSeq.current) setOpeningBoth(null);
      }
    },
    [cancelOpen, setSettings, setOpeningBoth],
  );

  useEvent('openDatasetRequested', (e) => void open(e.path));

  const resplit = useCallback(
    (split: SplitOptions) => {
      if (!dataset) return;
      const seq = ++splitSeq.current;
      const id = dataset.id;
      // Show the chosen options at once; counts follow when main answers (milliseconds).
      setDataset((d) => (d && d.id === id ? { ...d, split } : d));
      call('resplitDataset', { datasetId: id, split }).then(
        (r) => {
          if (seq !== splitSeq.current) return;
          setDataset((d) =>
            d && d.id === r.datasetId
              ? {
                  ...d,
                  split: r.split,
                  counts: r.counts,
                  files: d.files.map((f, i) => ({ ...f, split: r.splits[i] })),
                }
              : d,
          );
        },
        (e) => setError(errorText(e)),
      );
    },
    [dataset],
  );

  const clearError = useCallback(() => setError(null), []);
  const replace = useCallback((view: DatasetView) => setDataset(view), []);
  const value = useMemo(
    () => ({ dataset, opening, error, open, cancelOpen, resplit, clearError, replace }),
    [dataset, opening, error, open, cancelOpen, resplit, clearError, replace],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useDataset(): DatasetState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useDataset outside DatasetProvider');
  return v;
}
