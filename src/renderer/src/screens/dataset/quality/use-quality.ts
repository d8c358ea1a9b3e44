/** The open dataset's quality decisions (undo log), shared by the duplicates panel and the review queue. */
import { useCallback, useState } from 'react';
import type { QualityView } from '@shared/ipc/contract';
import { errorText } from '../../../api/client';
import { useDataset } from '../../../state/dataset';

export interface QualityHandle {
  view: QualityView | null;
  busy: boolean;
  error: string | null;
  /** Run a call that answers with the new decisions (and maybe a rescanned dataset). */
  apply(p: Promise<QualityView>): Promise<boolean>;
  /** Run any call with the busy flag and error reporting. */
  run<T>(p: Promise<T>): Promise<T | null>;
  set(view: QualityView): void;
}

export function useQuality(): QualityHandle {
  const { replace } = useDataset();
  const [view, setView] = useState<QualityView | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = useCallback(
    (v: QualityView) => {
      setView(v);
      if (v.dataset) replace(v.dataset);
    },
    [replace],
  );
  const run = useCallback(async <T>(p: Promise<T>): Promise<T | null> => {
    setBusy(true);
    setError(null);
    try {
      return await p;
    } catch (e) {
      setError(errorText(e));
      return null;
    } finally {
      setBusy(false);
    }
  }, []);
  const apply = useCallback(
    async (p: Promise<QualityView>) => {
      const v = await run(p);
      if (v) set(v);
      return !!v;
    },
    [run, set],
  );
  return { view, busy, error, apply, run, set };
}
