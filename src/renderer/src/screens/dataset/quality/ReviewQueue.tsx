/**
 * "Review labels": training images whose label the out-of-fold predictions doubt, worst first — the
 * image large, its label, the suggested label and the probabilities. Relabel (after a confirmation
 * naming exactly what moves where), exclude, or keep (not shown again); all undoable.
 */
import { useState } from 'react';
import type { DatasetView } from '@shared/ipc/contract';
import { imageUrl } from '@shared/ipc/image-url';
import type { LabelReview, LabelSuspect, RelabelPlan } from '@shared/quality';
import { call } from '../../../api/client';
import { useAppState } from '../../../state/app-state';
import { useConfig } from '../../../state/config';
import { ProbBars } from '../../evaluate/ProbBars';
import type { QualityHandle } from './use-quality';

export function ReviewQueue({ dataset, q }: { dataset: DatasetView; q: QualityHandle }) {
  const { info } = useAppState();
  const { draft } = useConfig();
  const mode = info?.mode ?? 'browser';
  const [review, setReview] = useState<LabelReview | null>(null);
  /** Images decided on in this session (relabelled, excluded, kept): the queue moves past them. */
  const [done, setDone] = useState<Set<string>>(new Set());
  const [plan, setPlan] = useState<RelabelPlan | null>(null);
  const [target, setTarget] = useState<string>('');

  const start = async () => {
    const r = await q.run(call('reviewLabels', { datasetId: dataset.id, config: draft }));
    if (r) {
      setReview(r.review);
      setDone(new Set());
      q.set(r.quality);
    }
  };
  const excluded = new Set(q.view?.state.exclusions ?? []);
  const kept = new Set(q.view?.state.keptLabels ?? []);
  const queue = (review?.queue ?? []).filter(
    (s) => !done.has(s.rel) && !excluded.has(s.contentHash) && !kept.has(s.contentHash),
  );
  const cur: LabelSuspect | undefined = queue[0];
  const classes = review?.classes ?? dataset.classes;
  const toClass = target || (cur ? classes[cur.suggested] : '');
  const next = (s: LabelSuspect) => {
    setDone((d) => new Set(d).add(s.rel));
    setPlan(null);
    setTarget('');
  };

  return (
    <div className="card quality-card" data-testid="review-queue">
      <div className="quality-head">
        <h2>Review labels</h2>
        <button type="button" onClick={() => void start()} disabled={q.busy} data-testid="review-labels">
          {review ? 'Review again' : 'Find likely label errors'}
        </button>
        {review && (
          <span className="muted small" data-testid="review-summary">
            {review.flagged} flagged of {review.queue.length} training images ·{' '}
            {`${review.cv.folds}-fold CV${(review.cv.repeats ?? 1) > 1 ? ` × ${review.cv.repeats} splits` : ''}`}{' '}
            accuracy {(review.cv.accuracy * 100).toFixed(1)}% · {queue.length} left
          </span>
        )}
      </div>
      {review && !cur && <p className="muted">Nothing left to review.</p>}
      {cur && (
        <div className="review-item" data-testid="review-item">
          <img className="review-image" src={imageUrl(mode, 'preview', dataset.id, cur.rel)} alt={cur.rel} />
          <div className="review-side">
            <p className="break">
              <strong>{cur.rel}</strong>
            </p>
            <p>
              Labelled <strong data-testid="review-label">{classes[cur.label]}</strong>; the model suggests{' '}
              <strong className="error" data-testid="review-suggested">
                {classes[cur.suggested]}
              </strong>
              {cur.flagged ? ' (flagged)' : ''}.
            </p>
            <ProbBars
              rows={classes
                .map((label, i) => ({ label, probability: cur.probabilities[i] }))
                .sort((a, b) => b.probability - a.probability)}
              highlight={classes[cur.label]}
            />
            {!plan && (
              <div className="review-actions">
                <select aria-label="Relabel to" value={toClass} onChange={(e) => setTarget(e.target.value)}>
                  {classes
                    .filter((_, i) => i !== cur.label)
                    .map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                </select>
                <button
                  type="button"
                  disabled={q.busy}
                  data-testid="relabel"
                  onClick={async () => {
                    const p = await q.run(
                      call('planRelabel', { datasetId: dataset.id, rel: cur.rel, toClass }),
                    );
                    if (p) setPlan(p);
                  }}
                >
                  Relabel…
                </button>
                <button
                  type="button"
                  disabled={q.busy}
                  data-testid="exclude"
                  onClick={async () => {
                    const ok = await q.apply(
                      call('setExcluded', {
                        datasetId: dataset.id,
                        hashes: [cur.contentHash],
                        excluded: true,
                        label: `exclude ${cur.rel}`,
                      }),
                    );
                    if (ok) next(cur);
                  }}
                >
                  Exclude
                </button>
                <button
                  type="button"
                  disabled={q.busy}
                  data-testid="keep-label"
                  onClick={async () => {
                    const ok = await q.apply(
                      call('keepLabel', {
                        datasetId: dataset.id,
                        contentHash: cur.contentHash,
                        rel: cur.rel,
                      }),
                    );
                    if (ok) next(cur);
                  }}
                >
                  Keep label
                </button>
              </div>
            )}
            {plan && (
              <div className="banner" role="alertdialog" data-testid="relabel-confirm">
                <p>
                  Move <code className="break">{plan.from}</code> to <code className="break">{plan.to}</code>{' '}
                  (class <strong>{plan.fromClass}</strong> → <strong>{plan.toClass}</strong>)? The file is
                  moved, not copied; Undo moves it back.
                </p>
                <button
                  type="button"
                  disabled={q.busy}
                  data-testid="relabel-confirm-yes"
                  onClick={async () => {
                    const ok = await q.apply(
                      call('applyRelabel', { datasetId: dataset.id, relabel: { plan, confirmed: true } }),
                    );
                    if (ok) next(cur);
                  }}
                >
                  Move it
                </button>
                <button type="button" onClick={() => setPlan(null)}>
                  Cancel
                </button>
              </div>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
