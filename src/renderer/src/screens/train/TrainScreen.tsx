/** Step 4: settings, Start/Stop, the live dashboard, run history and run comparison. */
import { useCallback, useState } from 'react';
import { headSummary } from '../../lib/run-labels';
import { startProblems } from '../../lib/validate';
import { useConfig, useFeatureShape } from '../../state/config';
import { useDataset } from '../../state/dataset';
import { useRuns } from '../../state/runs';
import { CompareChart } from './CompareChart';
import { ConfigForm } from './ConfigForm';
import { Dashboard } from './Dashboard';
import { RunHistory } from './RunHistory';
import './train.css';

export function TrainScreen() {
  const { dataset } = useDataset();
  const { draft, update, bases } = useConfig();
  const featureShape = useFeatureShape();
  const { runs, active, start, stop, starting, error, clearError, compare, stopRequestedAt } = useRuns();
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [viewed, setViewed] = useState<string | null>(null);
  const onValidity = useCallback((field: string, message: string | null) => {
    setInvalid((all) => {
      if ((all[field] ?? null) === message) return all;
      const next = { ...all };
      if (message) next[field] = message;
      else delete next[field];
      return next;
    });
  }, []);

  const card = bases?.find((b) => b.id === draft.base);
  const problems = startProblems({
    config: draft,
    datasetOpen: !!dataset,
    numClasses: dataset?.classes.length ?? 0,
    featureShape,
    base: card,
    invalidFields: Object.values(invalid),
    running: !!active,
  });
  // While the base list loads, do not complain about the base.
  const shown = bases === null ? problems.filter((p) => !p.startsWith('Unknown base')) : problems;
  const run = active ?? runs.find((r) => r.id === viewed) ?? runs[0] ?? null;
  const compared = compare.map((id) => runs.find((r) => r.id === id)).filter((r) => r !== undefined);
  const stopping = !!stopRequestedAt || active?.status === 'stopping';

  return (
    <section className="screen train-screen" aria-label="Train">
      <div className="screen-head">
        <h1>Train</h1>
        <span className="muted">
          {card?.displayName ?? draft.base} · head {headSummary(draft.head)} ·{' '}
          {draft.fineTune ? `fine-tune ${draft.fineTune.epochs} epochs` : 'no fine-tuning'}
        </span>
      </div>
      <ConfigForm config={draft} onChange={update} onValidity={onValidity} disabled={!!active} />
      <div className="train-actions">
        {active ? (
          <button type="button" className="danger" onClick={stop} disabled={stopping} data-testid="stop">
            {stopping ? 'Stopping…' : 'Stop'}
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            data-testid="start"
            disabled={shown.length > 0 || starting || !dataset}
            onClick={() => {
              // Show the new run, also once it has ended (a run that fails at once is never active).
              setViewed(null);
              if (dataset) void start(dataset.id, draft);
            }}
          >
            {starting ? 'Starting…' : 'Start training'}
          </button>
        )}
        <span className="muted small">
          {active
            ? 'Stop keeps the best weights so far and evaluates them.'
            : 'Runs continue while you look at other steps.'}
        </span>
      </div>
      {shown.length > 0 && !active && (
        <ul className="start-problems error" data-testid="start-problems">
          {shown.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {error && (
        <div className="banner banner-error" role="alert">
          <span>{error}</span>
          <button type="button" onClick={clearError}>
            Dismiss
          </button>
        </div>
      )}
      {run && <Dashboard run={run} />}
      {compared.length === 2 && <CompareChart runs={compared} />}
      <RunHistory viewed={run?.id ?? null} onView={setViewed} />
    </section>
  );
}
