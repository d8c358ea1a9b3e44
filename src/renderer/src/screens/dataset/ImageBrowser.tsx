/** Browse a dataset's images class by class, filtered by split, with a large preview on click. */
import { useCallback, useMemo, useState } from 'react';
import type { SplitName } from '@shared/dataset';
import type { DatasetFileView, DatasetView } from '@shared/ipc/contract';
import { imageUrl } from '@shared/ipc/image-url';
import { api } from '../../api/client';
import { formatCount } from '../../lib/format';
import { PreviewDialog } from './PreviewDialog';
import { ThumbGrid } from './ThumbGrid';

type Filter = 'all' | SplitName;

export function ImageBrowser({ dataset }: { dataset: DatasetView }) {
  const [cls, setCls] = useState(0);
  const [filter, setFilter] = useState<Filter>('all');
  const [preview, setPreview] = useState<number | null>(null);
  const mode = api().mode;
  const classIndex = Math.min(cls, dataset.classes.length - 1);

  const byClass = useMemo(() => {
    const out: number[][] = dataset.classes.map(() => []);
    dataset.files.forEach((f, i) => out[f.classIndex].push(i));
    return out;
  }, [dataset.files, dataset.classes]);

  const items = useMemo(() => {
    const all = byClass[classIndex] ?? [];
    return filter === 'all' ? all : all.filter((i) => dataset.files[i].split === filter);
  }, [byClass, classIndex, filter, dataset.files]);

  const thumbUrl = useCallback(
    (f: DatasetFileView) => imageUrl(mode, 'thumb', dataset.id, f.rel),
    [mode, dataset.id],
  );
  const previewUrl = useCallback(
    (f: DatasetFileView) => imageUrl(mode, 'preview', dataset.id, f.rel),
    [mode, dataset.id],
  );
  const hasTest = dataset.counts.test.some((n) => n > 0);
  const filters: Filter[] = hasTest ? ['all', 'train', 'val', 'test'] : ['all', 'train', 'val'];

  return (
    <div className="card image-browser">
      <div className="browser-head">
        <h2>Images</h2>
        <div className="class-tabs" role="tablist" aria-label="Class">
          {dataset.classes.map((c, i) => (
            <button
              type="button"
              role="tab"
              key={c}
              aria-selected={i === classIndex}
              className={i === classIndex ? 'tab active' : 'tab'}
              onClick={() => setCls(i)}
              data-class-tab={c}
            >
              {c} <span className="muted">{formatCount(byClass[i]?.length ?? 0)}</span>
            </button>
          ))}
        </div>
        <div className="segmented" role="group" aria-label="Split filter">
          {filters.map((f) => (
            <button
              type="button"
              key={f}
              aria-pressed={filter === f}
              className={filter === f ? 'active' : ''}
              onClick={() => setFilter(f)}
            >
              {f}
            </button>
          ))}
        </div>
        <span className="muted" data-testid="grid-count">
          {formatCount(items.length)} images
        </span>
      </div>
      <ThumbGrid
        files={dataset.files}
        items={items}
        thumbUrl={thumbUrl}
        onOpen={setPreview}
        resetKey={`${dataset.id}:${classIndex}:${filter}`}
      />
      {preview !== null && (
        <PreviewDialog
          files={dataset.files}
          items={items}
          position={preview}
          classes={dataset.classes}
          previewUrl={previewUrl}
          onMove={setPreview}
          onClose={() => setPreview(null)}
        />
      )}
    </div>
  );
}
