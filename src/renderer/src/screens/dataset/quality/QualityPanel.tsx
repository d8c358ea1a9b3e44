/** Data quality on the Dataset screen: duplicates and leaks, the label review queue, and undo/redo. */
import { useEffect } from 'react';
import type { DatasetView } from '@shared/ipc/contract';
import { call } from '../../../api/client';
import { DuplicatesPanel } from './DuplicatesPanel';
import { ReviewQueue } from './ReviewQueue';
import { useQuality } from './use-quality';
import './quality.css';

export function QualityPanel({ dataset }: { dataset: DatasetView }) {
  const q = useQuality();
  const { run, set } = q;
  useEffect(() => {
    let live = true;
    void run(call('getQuality', { datasetId: dataset.id })).then((v) => live && v && set(v));
    return () => {
      live = false;
    };
  }, [dataset.id, run, set]);
  const state = q.view?.state;
  const lastUndo = state?.undo.at(-1);
  const lastRedo = state?.redo.at(-1);
  return (
    <section className="quality" aria-label="Data quality" data-testid="quality-panel">
      <div className="quality-bar">
        <span className="muted small" data-testid="quality-summary">
          {state
            ? `${state.exclusions.length} image(s) excluded · ${Object.keys(state.keepCopy).length} byte-identical copies set aside · ${Object.keys(state.splitOverrides).length} moved to another split`
            : ''}
        </span>
        <button
          type="button"
          disabled={!lastUndo || q.busy}
          data-testid="quality-undo"
          title={lastUndo ? `Undo: ${lastUndo.label}` : 'Nothing to undo'}
          onClick={() => void q.apply(call('undoQuality', { datasetId: dataset.id }))}
        >
          Undo{lastUndo ? `: ${lastUndo.label}` : ''}
        </button>
        <button
          type="button"
          disabled={!lastRedo || q.busy}
          data-testid="quality-redo"
          onClick={() => void q.apply(call('redoQuality', { datasetId: dataset.id }))}
        >
          Redo
        </button>
        {q.busy && <span className="muted small">working…</span>}
        {q.error && (
          <span className="error small" role="alert" data-testid="quality-error">
            {q.error}
          </span>
        )}
      </div>
      <DuplicatesPanel dataset={dataset} q={q} />
      <ReviewQueue dataset={dataset} q={q} />
    </section>
  );
}
