/** Large preview of one image with its file facts; ←/→ walk the current selection, Esc closes. */
import { useState } from 'react';
import type { DatasetFileView } from '@shared/ipc/contract';
import { baseName, formatBytes } from '../../lib/format';
import { Modal } from '../../components/Modal';

interface Props {
  files: DatasetFileView[];
  items: number[];
  position: number;
  classes: string[];
  previewUrl(file: DatasetFileView): string;
  onMove(position: number): void;
  onClose(): void;
}

export function PreviewDialog({ files, items, position, classes, previewUrl, onMove, onClose }: Props) {
  const f = files[items[position]];
  // Load state per file: moving to another image starts as 'loading' without an effect.
  const [loadState, setLoadState] = useState<{ rel: string; state: 'ok' | 'error' } | null>(null);
  const loaded = f && loadState?.rel === f.rel ? loadState.state : 'loading';
  const setLoaded = (state: 'ok' | 'error') => f && setLoadState({ rel: f.rel, state });
  if (!f) return null;
  const prev = () => position > 0 && onMove(position - 1);
  const next = () => position < items.length - 1 && onMove(position + 1);
  return (
    <Modal
      label={`Preview of ${baseName(f.rel)}`}
      className="preview"
      onClose={onClose}
      testId="preview"
      onKeyDown={(e) => {
        if (e.key === 'ArrowLeft') prev();
        else if (e.key === 'ArrowRight') next();
      }}
    >
      <div className="preview-image">
        {loaded === 'loading' && <span className="muted">Loading…</span>}
        {loaded === 'error' && <span className="error">This image cannot be shown.</span>}
        <img
          key={f.rel}
          src={previewUrl(f)}
          alt={baseName(f.rel)}
          onLoad={() => setLoaded('ok')}
          onError={() => setLoaded('error')}
          style={loaded === 'ok' ? undefined : { visibility: 'hidden' }}
        />
      </div>
      <aside className="preview-info">
        <header className="modal-head">
          <h2 data-testid="preview-name">{baseName(f.rel)}</h2>
          <button type="button" className="icon" aria-label="Close preview" onClick={onClose}>
            ×
          </button>
        </header>
        <dl>
          <dt>Path</dt>
          <dd className="break">{f.rel}</dd>
          <dt>Class</dt>
          <dd>{classes[f.classIndex]}</dd>
          <dt>Split</dt>
          <dd>{f.split}</dd>
          <dt>Size</dt>
          <dd data-testid="preview-size">{formatBytes(f.bytes)}</dd>
          <dt>Dimensions</dt>
          <dd data-testid="preview-dims">
            {f.width} × {f.height} px
          </dd>
          <dt>Format</dt>
          <dd>{f.format}</dd>
        </dl>
        <div className="preview-nav">
          <button type="button" onClick={prev} disabled={position === 0}>
            ← Previous
          </button>
          <span className="muted">
            {position + 1} / {items.length}
          </span>
          <button type="button" onClick={next} disabled={position >= items.length - 1}>
            Next →
          </button>
        </div>
      </aside>
    </Modal>
  );
}
