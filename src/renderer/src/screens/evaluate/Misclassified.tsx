/** The images the model got wrong: true vs predicted, confidence, sortable; click for a large view. */
import { useState } from 'react';
import type { Misclassified as Miss } from '@shared/engine-events';
import { imageUrl } from '@shared/ipc/image-url';
import { Modal } from '../../components/Modal';
import { baseName } from '../../lib/format';
import { ProbBars } from './ProbBars';

type Sort = 'confident' | 'unsure';

export function Misclassified({
  items,
  classes,
  mode,
  datasetId,
}: {
  items: Miss[];
  classes: string[];
  mode: 'electron' | 'browser';
  /** The open dataset's id when it is the run's dataset (images can be shown), else null. */
  datasetId: string | null;
}) {
  const [sort, setSort] = useState<Sort>('confident');
  const [open, setOpen] = useState<Miss | null>(null);
  const conf = (m: Miss) => m.probabilities[m.predicted];
  const sorted = items.slice().sort((a, b) => (sort === 'confident' ? conf(b) - conf(a) : conf(a) - conf(b)));
  return (
    <div className="card miss-card" data-testid="misclassified">
      <div className="miss-head">
        <h2>Misclassified ({items.length})</h2>
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
      <div className="miss-grid">
        {sorted.map((m) => (
          <button
            type="button"
            key={m.rel}
            className="miss-item"
            data-testid="miss-item"
            onClick={() => setOpen(m)}
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
            {datasetId && <img src={imageUrl(mode, 'preview', datasetId, open.rel)} alt={open.rel} />}
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
            </div>
          </div>
        </Modal>
      )}
    </div>
  );
}
