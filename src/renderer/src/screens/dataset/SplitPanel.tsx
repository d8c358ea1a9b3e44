/** Split options, applied as they change (main re-splits its kept scan; no file is re-read). */
import { useEffect, useRef, useState } from 'react';
import type { SplitOptions } from '@shared/dataset';
import type { DatasetView } from '@shared/ipc/contract';

export function SplitPanel({
  dataset,
  onChange,
}: {
  dataset: DatasetView;
  onChange(split: SplitOptions): void;
}) {
  const { split, layout } = dataset;
  // Drafts while the user drags/types; the applied options are the dataset's own.
  const [fractionDraft, setFractionDraft] = useState<number | null>(null);
  const [seedDraft, setSeedDraft] = useState<string | null>(null);
  const fraction = fractionDraft ?? split.valFraction;
  const seedText = seedDraft ?? String(split.seed);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const folderSplit = layout === 'splitFolders' && !split.resplit;
  const apply = (patch: Partial<SplitOptions>, delayMs = 0) => {
    clearTimeout(timer.current);
    const next = { ...split, valFraction: fraction, ...patch };
    const run = () => {
      onChange(next);
      setFractionDraft(null);
    };
    if (delayMs) timer.current = setTimeout(run, delayMs);
    else run();
  };

  return (
    <div className="card split-panel" data-testid="split-panel">
      <h2>Train / validation split</h2>
      {layout === 'splitFolders' && (
        <label className="check">
          <input
            type="checkbox"
            checked={folderSplit}
            onChange={(e) => apply({ resplit: !e.target.checked })}
          />
          Use the folders’ own split (<code>train/</code>, <code>val/</code>)
        </label>
      )}
      <div className={folderSplit ? 'split-controls disabled' : 'split-controls'}>
        <label>
          Validation fraction
          <input
            type="range"
            min={0.05}
            max={0.5}
            step={0.01}
            value={fraction}
            disabled={folderSplit}
            aria-label="Validation fraction"
            onChange={(e) => {
              const v = Number(e.target.value);
              setFractionDraft(v);
              apply({ valFraction: v }, 60);
            }}
          />
          <output>{Math.round(fraction * 100)}%</output>
        </label>
        <label>
          Seed
          <input
            type="number"
            step={1}
            value={seedText}
            disabled={folderSplit}
            aria-label="Split seed"
            onBlur={() => setSeedDraft(null)}
            onChange={(e) => {
              setSeedDraft(e.target.value);
              const n = Number(e.target.value);
              if (e.target.value !== '' && Number.isInteger(n)) apply({ seed: n }, 150);
            }}
          />
        </label>
        <button
          type="button"
          disabled={folderSplit}
          onClick={() => apply({ seed: Math.floor(Math.random() * 1e6) })}
        >
          New seed
        </button>
      </div>
      <p className="muted small">
        {folderSplit
          ? 'Files stay in the split of the folder they are in.'
          : 'Each class is split separately (stratified), reproducibly for a given seed. Test files stay test.'}
      </p>
    </div>
  );
}
