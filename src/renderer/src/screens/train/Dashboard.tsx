/** The live (or reopened) run: status, stage progress, throughput/elapsed/ETA, and its curves. */
import { useEffect, useState } from 'react';
import type { Stage } from '@shared/engine-events';
import type { RunView } from '@shared/ipc/run-record';
import { ProgressBar } from '../../components/ProgressBar';
import { bestEpoch, runAccuracy, runProgress } from '@shared/run-state';
import { headSummary, runLabel } from '../../lib/run-labels';
import { formatDuration, pct } from '../../lib/format';
import { useRuns } from '../../state/runs';
import { LrChart, MetricChart } from './Charts';

const STAGE_TEXT: Record<Stage, string> = {
  scan: 'Reading the dataset',
  'load-base': 'Loading the base model',
  extract: 'Extracting features (cached for later runs)',
  train: 'Training the head',
  'fine-tune': 'Fine-tuning the base',
  evaluate: 'Evaluating',
  export: 'Exporting',
};

function statusText(r: RunView, stopRequested: boolean): string {
  switch (r.status) {
    case 'running':
      return stopRequested ? 'Stopping…' : r.epochs.length || r.batches.length ? 'Training' : 'Preparing';
    case 'stopping':
      return 'Stopping…';
    case 'stopped':
      return r.summary ? 'Stopped — kept the best weights' : 'Stopped — evaluating the kept weights…';
    case 'done':
      return 'Finished';
    case 'failed':
      return `Failed: ${r.error ?? 'unknown error'}`;
    case 'cancelled':
      return 'Stopped before training began';
  }
}

/** Re-render every second while `on`, for the elapsed clock. */
function useClock(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [on]);
  return now;
}

export function Dashboard({ run }: { run: RunView }) {
  const { lastBatch, stopRequestedAt, active } = useRuns();
  const live = run.status === 'running' || run.status === 'stopping';
  const now = useClock(live);
  const progress = runProgress(run, lastBatch);
  const xMax = Math.max(progress.planned, run.epochs.at(-1)?.epoch ?? 0);
  const stage = run.stage;
  const preparing = live && run.epochs.length === 0 && run.batches.length === 0;
  const elapsed = (run.finishedAt ? Date.parse(run.finishedAt) : now) - Date.parse(run.createdAt);
  const best = bestEpoch(run);
  const stopRequested = !!stopRequestedAt && active?.id === run.id;
  return (
    <div className="dashboard" data-testid="dashboard">
      <div className="card run-head">
        <div className="run-status-line">
          <span
            className={`run-status status-${run.status}`}
            data-testid="run-status"
            data-status={run.status}
          >
            {statusText(run, stopRequested)}
          </span>
          <span className="muted small">{runLabel(run)}</span>
          <span className="muted small">head: {headSummary(run.config.head)}</span>
        </div>
        {preparing && stage && (
          <div className="stage-progress" data-testid="stage-progress">
            <span>
              {STAGE_TEXT[stage.stage]}
              {stage.total > 0 && ` — ${stage.done} / ${stage.total}`}
            </span>
            <ProgressBar done={stage.done} total={stage.total} label="Preparation progress" />
          </div>
        )}
        <dl className="run-stats">
          <dt>Epoch</dt>
          <dd data-testid="stat-epoch">
            {`${progress.epoch} / ${progress.planned}`}
            {progress.batch && (
              <span className="muted small">
                {' '}
                (batch {progress.batch.batch}/{progress.batch.batches})
              </span>
            )}
          </dd>
          <dt>Images/s</dt>
          <dd>{progress.imagesPerSec !== null ? progress.imagesPerSec.toFixed(0) : '—'}</dd>
          <dt>Elapsed</dt>
          <dd>{formatDuration(elapsed)}</dd>
          <dt>ETA</dt>
          <dd>{progress.etaMs !== null ? formatDuration(progress.etaMs) : live ? '—' : 'done'}</dd>
          <dt>Val accuracy</dt>
          <dd data-testid="stat-val-acc">
            {pct(runAccuracy(run))}
            {best && <span className="muted small"> (best epoch {best.epoch})</span>}
          </dd>
          <dt>Learning rate</dt>
          <dd>
            {progress.learningRate !== null
              ? progress.learningRate.toExponential(1)
              : run.config.learningRate}
          </dd>
        </dl>
        {run.summary && (
          <p className="muted small" data-testid="run-summary">
            {run.summary.features.computed} images through the base, {run.summary.features.cached} from the
            cache
            {run.summary.features.views > 1
              ? ` (${run.summary.features.views} augmented views each)`
              : ''} · {run.summary.earlyStopped ? 'early-stopped · ' : ''}
            {run.summary.fineTuned
              ? run.summary.fineTuneKept === false
                ? 'fine-tuning did not beat the head (head kept) · '
                : 'fine-tuned · '
              : ''}
            {run.summary.problems ? `${run.summary.problems} files skipped · ` : ''}
            backend {run.summary.backend.split(' — ')[0]}
            {run.summary.features.runtime &&
              ` · frozen base: ${run.summary.features.runtime.split(' — ')[0]}`}
            {run.summary.features.corrupt > 0 &&
              ` · ${run.summary.features.corrupt} damaged cache entries recomputed`}
          </p>
        )}
      </div>
      <div className="charts">
        <MetricChart
          title="Loss"
          metric="loss"
          epochs={run.epochs}
          batches={run.batches}
          fineTuneStart={run.fineTuneStart}
          xMax={xMax}
          testId="loss-chart"
        />
        <MetricChart
          title="Accuracy"
          metric="acc"
          epochs={run.epochs}
          batches={run.batches}
          fineTuneStart={run.fineTuneStart}
          xMax={xMax}
          testId="acc-chart"
        />
      </div>
      <LrChart epochs={run.epochs} xMax={xMax} />
    </div>
  );
}
