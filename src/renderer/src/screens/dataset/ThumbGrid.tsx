/**
 * A virtualised thumbnail grid: only the rows in view (plus a little overscan) exist in the DOM, so
 * only visible thumbnails are requested — smooth at 10,000+ images. Unmounted <img>s cancel their loads.
 */
import { memo, useEffect, useRef, useState } from 'react';
import type { DatasetFileView } from '@shared/ipc/contract';
import { baseName } from '../../lib/format';
import { useElementSize } from '../../lib/use-size';
import { useRowWindow } from '../../lib/use-virtual';
import { gridLayout } from '../../lib/virtual';

/** Thumbnails are at least this wide; columns stretch to fill the row. */
const MIN_CELL = 128;
const GAP = 8;
/** Inner margin of the scroll area (matches .thumb-grid-inner). */
const PAD = 8;
const CAPTION = 24;
/**
 * A thumbnail is requested only once it has stayed on screen this long: a fast flick through
 * thousands of rows then costs no requests for rows that merely flew past.
 */
const LOAD_DELAY_MS = 90;
/** URLs already shown once (the browser has them cached): displayed without the delay. */
const seen = new Set<string>();

interface Props {
  files: DatasetFileView[];
  /** Indices into `files`, in display order. */
  items: number[];
  thumbUrl(file: DatasetFileView): string;
  onOpen(position: number): void;
  /** Scroll back to the top when this changes (another class/filter). */
  resetKey: string;
}

export function ThumbGrid({ files, items, thumbUrl, onOpen, resetKey }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const { width: outer, height } = useElementSize(ref);
  const width = Math.max(0, outer - 2 * PAD);
  const columns = gridLayout(items.length, width, MIN_CELL, GAP, 1).columns;
  const cell = Math.max(MIN_CELL, Math.floor((width - (columns - 1) * GAP) / columns));
  const ROW = cell + CAPTION + GAP;
  const layout = gridLayout(items.length, width, cell, GAP, ROW);
  const { first, last, onScroll, reset } = useRowWindow(ROW, layout.rows, height, 3);

  useEffect(() => {
    if (ref.current) ref.current.scrollTop = 0;
    reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only on a new item set
  }, [resetKey]);

  const cells = [];
  for (let row = first; row < last; row++) {
    for (let col = 0; col < layout.columns; col++) {
      const pos = row * layout.columns + col;
      if (pos >= items.length) break;
      const f = files[items[pos]];
      cells.push(
        <Thumb
          key={items[pos]}
          file={f}
          url={thumbUrl(f)}
          top={row * ROW}
          left={col * (cell + GAP)}
          size={cell}
          pos={pos}
          onOpen={onOpen}
        />,
      );
    }
  }

  return (
    <div
      className="thumb-grid"
      ref={ref}
      onScroll={onScroll}
      data-testid="thumb-grid"
      data-rows={layout.rows}
      data-columns={layout.columns}
      role="list"
      aria-label={`${items.length} images`}
    >
      <div className="thumb-grid-inner" style={{ height: layout.totalHeight }}>
        {cells}
      </div>
      {items.length === 0 && <p className="muted empty">No images in this selection.</p>}
    </div>
  );
}

const Thumb = memo(function Thumb({
  file,
  url,
  top,
  left,
  size,
  pos,
  onOpen,
}: {
  file: DatasetFileView;
  url: string;
  top: number;
  left: number;
  size: number;
  pos: number;
  onOpen(pos: number): void;
}) {
  const [state, setState] = useState<'loading' | 'ok' | 'error'>('loading');
  const [readyUrl, setReadyUrl] = useState<string | null>(null);
  const src = seen.has(url) || readyUrl === url ? url : null;
  useEffect(() => {
    if (seen.has(url)) return;
    const t = setTimeout(() => setReadyUrl(url), LOAD_DELAY_MS);
    return () => clearTimeout(t);
  }, [url]);
  const name = baseName(file.rel);
  return (
    <button
      type="button"
      role="listitem"
      className={`thumb ${state}`}
      style={{ top, left, width: size }}
      onClick={() => onOpen(pos)}
      title={`${file.rel}\n${file.width}×${file.height}`}
      data-pos={pos}
      data-rel={file.rel}
    >
      <span className="thumb-img" style={{ width: size, height: size }}>
        {src && (
          <img
            src={src}
            alt={name}
            width={size}
            height={size}
            loading="lazy"
            decoding="async"
            draggable={false}
            onLoad={() => {
              seen.add(src);
              setState('ok');
            }}
            onError={() => setState('error')}
          />
        )}
        {state === 'error' && <span className="thumb-broken">can’t show</span>}
        <span className={`split-badge split-${file.split}`}>{file.split}</span>
      </span>
      <span className="thumb-name">{name}</span>
    </button>
  );
});
