/**
 * The training configuration being edited (Augment, Model and Train screens all edit one draft), the
 * base cards and the chosen base's description (layers, feature shape) from the engine. The draft is
 * restored per dataset and saved back (debounced) as the user edits.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { BaseCard, BaseDescription } from '@shared/ipc/bases';
import { TrainConfig } from '@shared/train';
import { call, errorText } from '../api/client';
import { useAppState } from './app-state';
import { useDataset } from './dataset';

/** A new draft's head is "Auto" (chosen by cross-validation when training starts), as the CLI's default. */
export const DEFAULT_CONFIG: TrainConfig = TrainConfig.parse({ headAuto: true });

interface ConfigState {
  draft: TrainConfig;
  update(change: Partial<TrainConfig> | ((c: TrainConfig) => TrainConfig)): void;
  /** Replace the whole draft (e.g. "load this run's configuration"). */
  replace(c: TrainConfig): void;
  bases: BaseCard[] | null;
  basesError: string | null;
  refreshBases(): void;
  /** Descriptions loaded so far, by base ref (registry id or folder). */
  descriptions: Record<string, BaseDescription>;
  /** The draft base's description, once loaded. */
  description: BaseDescription | null;
  describing: string | null;
  describeError: string | null;
  describe(ref: string, download?: boolean): Promise<BaseDescription | null>;
}

const Ctx = createContext<ConfigState | null>(null);

export function ConfigProvider({ children }: { children: ReactNode }) {
  const { connection } = useAppState();
  const { dataset } = useDataset();
  const [draft, setDraft] = useState<TrainConfig>(DEFAULT_CONFIG);
  const [bases, setBases] = useState<BaseCard[] | null>(null);
  const [basesError, setBasesError] = useState<string | null>(null);
  const [descriptions, setDescriptions] = useState<Record<string, BaseDescription>>({});
  const [describing, setDescribing] = useState<string | null>(null);
  const [describeError, setDescribeError] = useState<string | null>(null);
  const dirty = useRef(false);
  const datasetId = dataset?.id ?? null;
  const root = dataset?.root ?? null;

  const refreshBases = useCallback(() => {
    call('listBases', {}).then(
      (r) => {
        setBases(r.bases);
        setBasesError(null);
      },
      (e) => setBasesError(errorText(e)),
    );
  }, []);
  useEffect(() => {
    if (connection === 'open') refreshBases();
  }, [connection, refreshBases]);

  // A dataset opened: restore what was last used with it (fresh from main, not a stale snapshot).
  useEffect(() => {
    if (!root) return;
    let live = true;
    void call('getSettings', {}).then(
      (s) => {
        if (!live) return;
        const saved = s.datasetConfigs[root]?.train;
        dirty.current = false;
        setDraft(saved ? TrainConfig.parse(saved) : DEFAULT_CONFIG);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [root]);

  // Save edits per dataset, debounced.
  useEffect(() => {
    if (!dirty.current || !datasetId) return;
    const t = setTimeout(() => {
      void call('saveTrainConfig', { datasetId, config: draft }).catch(() => undefined);
    }, 800);
    return () => clearTimeout(t);
  }, [draft, datasetId]);

  const update = useCallback((change: Partial<TrainConfig> | ((c: TrainConfig) => TrainConfig)) => {
    dirty.current = true;
    setDraft((c) => (typeof change === 'function' ? change(c) : { ...c, ...change }));
  }, []);
  const replace = useCallback((c: TrainConfig) => {
    dirty.current = true;
    setDraft(c);
  }, []);

  const describe = useCallback(async (ref: string, download = false) => {
    setDescribing(ref);
    setDescribeError(null);
    try {
      const d = await call('describeBase', { base: ref, download });
      setDescriptions((all) => ({ ...all, [ref]: d, [d.ref]: d }));
      return d;
    } catch (e) {
      setDescribeError(`${ref}: ${errorText(e)}`);
      return null;
    } finally {
      setDescribing((cur) => (cur === ref ? null : cur));
    }
  }, []);

  const value = useMemo(
    () => ({
      draft,
      update,
      replace,
      bases,
      basesError,
      refreshBases,
      descriptions,
      description: descriptions[draft.base] ?? null,
      describing,
      describeError,
      describe,
    }),
    [
      draft,
      update,
      replace,
      bases,
      basesError,
      refreshBases,
      descriptions,
      describing,
      describeError,
      describe,
    ],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useConfig(): ConfigState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useConfig outside ConfigProvider');
  return v;
}

/** The draft base's feature shape: from its description, else from its card (registry). */
export function useFeatureShape(): number[] | null {
  const { description, bases, draft } = useConfig();
  return description?.featureShape ?? bases?.find((b) => b.id === draft.base)?.featureShape ?? null;
}

/**
 * Describe the chosen base when it is on this machine (its layers feed the fine-tune list). Called by
 * the Model screen only, so the engine loads a model when the user looks at models, not at start-up.
 */
export function useDescribeChosenBase(): void {
  const { bases, draft, descriptions, describe } = useConfig();
  const card = bases?.find((b) => b.id === draft.base);
  const known = !!descriptions[draft.base];
  const cardId = card?.state === 'local' ? card.id : null;
  useEffect(() => {
    if (known || !cardId) return;
    const t = setTimeout(() => void describe(cardId), 0);
    return () => clearTimeout(t);
  }, [known, cardId, describe]);
}
