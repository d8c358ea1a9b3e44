/**
 * The head editor's "Auto" panel: what Auto does, and after a run trained with it, that run's
 * cross-validation table (mean out-of-fold accuracy per candidate) with the head it chose marked.
 */
import { sampledNote, type HeadAutoResult } from '@shared/quality';

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

export function HeadAutoTable({ result }: { result: HeadAutoResult | null }) {
  return (
    <div className="head-auto" data-testid="head-auto">
      <p className="muted small">
        Auto: when training starts, each preset × learning rate × L2 is scored by k-fold cross-validation on
        the training split (never the validation images); the run trains the one with the lowest out-of-fold
        log loss (the loss a run early-stops on; ties go to higher accuracy). On large datasets the candidates
        are ranked on a class-stratified sample (a bounded cost); the winner trains on every image.
      </p>
      {result ? (
        <>
          <p data-testid="head-auto-winner">
            Last run chose <strong>{result.winner.id}</strong> ({result.folds}-fold ×{result.repeats}
            {sampledNote(result)}, {(result.ms / 1000).toFixed(1)} s
            {result.best ? `; CV ${pct(result.best.accuracy)} ± ${pct(result.best.standardError)}` : ''})
          </p>
          <table className="head-auto-table" data-testid="head-auto-table">
            <thead>
              <tr>
                <th>Candidate</th>
                <th>CV accuracy</th>
                <th>Log loss</th>
              </tr>
            </thead>
            <tbody>
              {result.rows.map((r) => (
                <tr
                  key={r.candidate.id}
                  className={r.candidate.id === result.winner.id ? 'winner' : undefined}
                  aria-current={r.candidate.id === result.winner.id ? 'true' : undefined}
                >
                  <td>{r.candidate.id}</td>
                  <td>{r.status === 'done' ? pct(r.accuracy) : <span title={r.reason}>skipped</span>}</td>
                  <td>{r.logLoss === null ? '—' : r.logLoss.toFixed(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p className="muted small" data-testid="head-auto-pending">
          The table appears here after a run trained with Auto.
        </p>
      )}
    </div>
  );
}
