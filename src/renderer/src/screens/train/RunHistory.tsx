/** Past runs: reopen one (curves here, evaluation and export on the next steps), load its config, compare two. */
import type { RunView } from '@shared/ipc/run-record';
import { headSummary, runAccuracy, runTime, STATUS_TEXT } from '../../lib/run-labels';
import { pct } from '../../lib/format';
import { useConfig } from '../../state/config';
import { useRuns } from '../../state/runs';

export function RunHistory({ viewed, onView }: { viewed: string | null; onView(id: string): void }) {
  const { runs, active, starting, compare, toggleCompare, remove, resume, select } = useRuns();
  const { replace } = useConfig();
  if (runs.length === 0) return null;
  const open = (r: RunView) => {
    onView(r.id);
    select(r.id);
  };
  return (
    <div className="card run-history" data-testid="run-history">
      <h2>Run history</h2>
      <p className="muted small">Tick two runs to compare their curves on one chart.</p>
      <div className="table-wrap">
        <table className="class-table history-table">
          <thead>
            <tr>
              <th scope="col">Compare</th>
              <th scope="col">Started</th>
              <th scope="col">Dataset</th>
              <th scope="col">Base</th>
              <th scope="col">Head</th>
              <th scope="col" className="num">
                Epochs
              </th>
              <th scope="col" className="num">
                Val acc
              </th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-run={r.id} className={viewed === r.id ? 'viewed' : undefined}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare run of ${runTime(r)}`}
                    checked={compare.includes(r.id)}
                    onChange={() => toggleCompare(r.id)}
                  />
                </td>
                <td>{runTime(r)}</td>
                <td>{r.datasetName}</td>
                <td>{r.config.base}</td>
                <td className="small">{headSummary(r.config.head)}</td>
                <td className="num">{r.epochs.length}</td>
                <td className="num">{pct(runAccuracy(r))}</td>
                <td>
                  {STATUS_TEXT[r.status]}
                  {r.live && (
                    <span className="chip small" title="Its model is in memory: Try it and Export work">
                      model ready
                    </span>
                  )}
                </td>
                <td>
                  <div className="history-actions">
                    <button type="button" onClick={() => open(r)}>
                      Open
                    </button>
                    <button
                      type="button"
                      onClick={() => replace(r.config)}
                      title="Use this run's settings for the next run"
                    >
                      Load config
                    </button>
                    {r.resumable && (
                      <button
                        type="button"
                        disabled={!!active || starting}
                        aria-label={`Resume run of ${runTime(r)}`}
                        title="Continue this run from its last completed epoch"
                        onClick={() => void resume(r.id)}
                      >
                        Resume
                      </button>
                    )}
                    <button
                      type="button"
                      disabled={r.status === 'running' || r.status === 'stopping'}
                      aria-label={`Delete run of ${runTime(r)}`}
                      onClick={() => remove(r.id)}
                    >
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
