/** The images the model got wrong: true vs predicted, confidence, sortable; click for a large view. */
import { useState } from 'react';
import type { Misclassified as Miss } from '@shared/engine-events';
import { imageUrl } from '@shared/ipc/image-url';
import { Modal } from '../../components/Modal';
import { baseName } from '../../lib/format';
import type { CmFilter } from './ConfusionMatrix';
import { GradCamView } from './GradCamView';
import { ProbBars } from './ProbBars';

type Sort = 'confident' | 'unsure';

export function Misclassified({
  items,
  classes,
  mode,
  datasetId,
  runId,
  live,
  filter = null,
  onClearFilter,
  confusion,
}: {
  items: Miss[];
  classes: string[];
  mode: 'electron' | 'browser';
  /** The open dataset's id when it is the run's dataset (images can be shown), else null. */
  datasetId: string | null;
  runId: string;
  /** The run's model is in the engine's memory (Grad-CAM can be computed). */
  live: boolean;
  /** From the confusion matrix: one true × predicted cell, or one true class's errors. */
  filter?: CmFilter | null;
  onClearFilter?: () => void;
  confusion: number[][];
}) {
  const [sort, setSort] = useState<Sort>('confident');
  const [open, setOpen] = useState<Miss | null>(null);
  const [heat, setHeat] = useState(false);
  const conf = (m: Miss) => m.probabilities[m.predicted];
  const shown = filter
    ? items.filter(
        (m) =>
          m.trueClass === filter.trueClass && (filter.predicted === null || m.predicted === filter.predicted),
      )
    : items;
  const sorted = shown.slice().sort((a, b) => (sort === 'confident' ? conf(b) - conf(a) : conf(a) - conf(b)));
  const correctCell = filter && filter.predicted === filter.trueClass;
  return (
    <div className="card miss-card" data-testid="misclassified">
      <div className="miss-head">
        <h2>Misclassified ({items.length})</h2>
        {filter && (
          <span className="chip" data-testid="cm-filter">
            {filter.predicted === null
              ? `errors of ${classes[filter.trueClass]}`
              : `${classes[filter.trueClass]} → ${classes[filter.predicted]}`}{' '}
            ({correctCell ? confusion[filter.trueClass][filter.trueClass] : shown.length})
            <button type="button" className="link" onClick={onClearFilter} aria-label="Clear filter">
              ×
            </button>
          </span>
        )}
        <label>
          Sort{' '}
          <select
            aria-label="Sort misclassified"
            value={sort}
            onChange={(e) => setSort(e.target.value as Sort)}
          >
            <option value="confident">most confident first</option>
            <option value="unsure">least confident first</option>
          </select>
        </label>
        {!datasetId && items.length > 0 && (
          <span className="muted small">Open this run's dataset to see the images.</span>
        )}
      </div>
      {items.length === 0 && <p className="muted">None — every image was classified correctly.</p>}
      {correctCell && (
        <p className="muted" data-testid="cm-correct-note">
          {confusion[filter.trueClass][filter.trueClass]} {classes[filter.trueClass]} image(s) were classified
          correctly; the evaluation keeps the images of its errors only.
        </p>
      )}
      <div className="miss-grid">
        {sorted.map((m) => (
          <button
            type="button"
            key={m.rel}
            className="miss-item"
            data-testid="miss-item"
            onClick={() => {
              setHeat(false);
              setOpen(m);
            }}
          >
            {datasetId ? (
              <img src={imageUrl(mode, 'thumb', datasetId, m.rel)} alt={baseName(m.rel)} loading="lazy" />
            ) : (
              <span className="miss-noimg">{baseName(m.rel)}</span>
            )}
            <span className="miss-caption">
              <span title="true class">✓ {classes[m.trueClass]}</span>
              <span className="error" title="predicted">
                ✗ {classes[m.predicted]} {(conf(m) * 100).toFixed(0)}%
              </span>
            </span>
          </button>
        ))}
      </div>
      {open && (
        <Modal
          label="Misclassified image"
          className="miss-preview"
          onClose={() => setOpen(null)}
          testId="miss-preview"
        >
          <header className="modal-head">
            <h2>{baseName(open.rel)}</h2>
            <button type="button" className="icon" aria-label="Close" onClick={() => setOpen(null)}>
              ×
            </button>
          </header>
          <div className="miss-preview-body">
            {datasetId &&
              (heat ? (
                <GradCamView
                  runId={runId}
                  item={{ path: open.path }}
                  photo={imageUrl(mode, 'preview', datasetId, open.rel)}
                  classes={classes}
                />
              ) : (
                <img src={imageUrl(mode, 'preview', datasetId, open.rel)} alt={open.rel} />
              ))}
            <div>
              <p>
                True class <strong>{classes[open.trueClass]}</strong>, predicted{' '}
                <strong className="error">{classes[open.predicted]}</strong>.
              </p>
              <ProbBars
                rows={classes
                  .map((label, i) => ({ label, probability: open.probabilities[i] }))
                  .sort((a, b) => b.probability - a.probability)}
                highlight={classes[open.trueClass]}
              />
              <p className="muted small break">{open.path}</p>
              {datasetId && live && (
                <button type="button" data-testid="show-heatmap" onClick={() => setHeat((h) => !h)}>
                  {heat ? 'Hide heatmap' : 'Where did the model look? (Grad-CAM)'}
                </button>
              )}
            </div>
          </div>
        </Modal>
      )}
    </div>
  );
}
