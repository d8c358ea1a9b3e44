/** Step 1: open a dataset, see its classes, balance, split, images and problems. */
import { ProgressBar } from '../../components/ProgressBar';
import { formatCount } from '../../lib/format';
import { useAppState } from '../../state/app-state';
import { useDataset } from '../../state/dataset';
import { ClassSummary } from './ClassSummary';
import { ImageBrowser } from './ImageBrowser';
import { OpenPanel } from './OpenPanel';
import { ProblemsPanel } from './ProblemsPanel';
import { QualityPanel } from './quality/QualityPanel';
import { SplitPanel } from './SplitPanel';

function ScanProgress() {
  const { opening, cancelOpen } = useDataset();
  const { jobs } = useAppState();
  if (!opening) return null;
  const job = opening.jobId ? jobs[opening.jobId] : undefined;
  const done = job?.done ?? 0;
  const total = job?.total ?? 0;
  return (
    <div className="card scan-progress" data-testid="scan-progress" aria-live="polite">
      <div className="scan-progress-text">
        <span>
          Scanning <code>{opening.path}</code>
          {total > 0 ? ` — ${formatCount(done)} / ${formatCount(total)} files` : ' — listing files…'}
        </span>
        <button type="button" onClick={cancelOpen}>
          Cancel
        </button>
      </div>
      <ProgressBar done={done} total={total} label="Scan progress" />
    </div>
  );
}

export function DatasetScreen() {
  const { dataset, error, clearError, resplit, open, opening } = useDataset();
  return (
    <section className="screen dataset-screen" aria-label="Dataset">
      <OpenPanel compact={!!dataset} />
      <ScanProgress />
      {error && (
        <div className="banner banner-error" role="alert" data-testid="dataset-error">
          <span>{error}</span>
          <button type="button" onClick={clearError}>
            Dismiss
          </button>
        </div>
      )}
      {dataset && (
        <>
          <div className="dataset-head" data-testid="dataset-head">
            <h1>{dataset.name}</h1>
            <span className="muted" title={dataset.root}>
              {dataset.root}
            </span>
            <span className="chip">
              {dataset.layout === 'splitFolders' ? 'train/val folders' : 'class folders'}
            </span>
            <span className="chip">{formatCount(dataset.files.length)} images</span>
            <span className={dataset.problems.length ? 'chip chip-warn' : 'chip'}>
              {dataset.problems.length} problem{dataset.problems.length === 1 ? '' : 's'}
            </span>
            <span className="muted small">scanned in {(dataset.scanMs / 1000).toFixed(1)} s</span>
            <button
              type="button"
              className="rescan"
              disabled={!!opening}
              onClick={() => void open(dataset.root)}
            >
              Rescan
            </button>
          </div>
          <ClassSummary dataset={dataset} />
          <SplitPanel dataset={dataset} onChange={resplit} />
          <ImageBrowser key={dataset.id} dataset={dataset} />
          <ProblemsPanel dataset={dataset} />
          <QualityPanel key={`quality-${dataset.id}`} dataset={dataset} />
        </>
      )}
    </section>
  );
}
