/**
 * Augmented variants made by the engine (its own augment, on the image as training decodes it), as a
 * 4×4 grid: 16 variants of one image, or 4 variants each of four random images across the classes.
 * Requests are debounced and stale answers dropped, so sliding a control never blocks the UI.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AugmentSpec } from '@shared/augment';
import type { DatasetView } from '@shared/ipc/contract';
import type { AugmentPreviewItem } from '@shared/ipc/augment-preview';
import type { ResizeMode } from '@shared/train';
import { call, errorText } from '../../api/client';
import { baseName } from '../../lib/format';

type Mode = 'one' | 'classes';
const GRID = 16;

function randomPick<T>(list: T[]): T | undefined {
  return list[Math.floor(Math.random() * list.length)];
}

/** Four random images, spread over the classes round-robin. */
function randomPerClass(d: DatasetView): string[] {
  const byClass = d.classes.map((_, c) => d.files.filter((f) => f.classIndex === c).map((f) => f.rel));
  const out: string[] = [];
  for (let i = 0; out.length < 4 && i < 16; i++) {
    const pick = randomPick(byClass[i % byClass.length]);
    if (pick && !out.includes(pick)) out.push(pick);
  }
  return out;
}

export function PreviewGrid({
  dataset,
  spec,
  size,
  resize,
}: {
  dataset: DatasetView;
  spec: AugmentSpec;
  size: number;
  resize: ResizeMode;
}) {
  const [mode, setMode] = useState<Mode>('one');
  const [cls, setCls] = useState(0);
  const [one, setOne] = useState<string>(() => dataset.files[0]?.rel ?? '');
  const [several, setSeveral] = useState<string[]>(() => randomPerClass(dataset));
  const [seed, setSeed] = useState(1);
  const [items, setItems] = useState<AugmentPreviewItem[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ms, setMs] = useState<number | null>(null);
  const seq = useRef(0);

  const classFiles = useMemo(
    () => dataset.files.filter((f) => f.classIndex === cls).slice(0, 2000),
    [dataset, cls],
  );
  const rels = mode === 'one' ? (one ? [one] : []) : several;
  const variants = mode === 'one' ? GRID : GRID / Math.max(1, rels.length);
  const key = JSON.stringify([rels, variants, seed, spec, size, resize]);

  useEffect(() => {
    if (rels.length === 0) return;
    const s = ++seq.current;
    const t = setTimeout(() => {
      setBusy(true);
      const t0 = performance.now();
      call('augmentPreview', { datasetId: dataset.id, rels, variants, seed, spec, size, resize }).then(
        (r) => {
          if (s !== seq.current) return;
          setItems(r.items);
          setError(null);
          setMs(Math.round(performance.now() - t0));
          setBusy(false);
        },
        (e) => {
          if (s !== seq.current) return;
          setError(errorText(e));
          setBusy(false);
        },
      );
    }, 120);
    return () => clearTimeout(t);
    // `key` captures every input of the request.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, dataset.id]);

  return (
    <div className="card aug-preview" data-testid="aug-preview" aria-busy={busy}>
      <div className="aug-preview-head">
        <h2>Preview</h2>
        <div className="segmented plain" role="group" aria-label="Preview images">
          <button
            type="button"
            className={mode === 'one' ? 'active' : undefined}
            onClick={() => setMode('one')}
          >
            One image
          </button>
          <button
            type="button"
            className={mode === 'classes' ? 'active' : undefined}
            onClick={() => setMode('classes')}
          >
            Random per class
          </button>
        </div>
        {mode === 'one' ? (
          <>
            <select aria-label="Class" value={cls} onChange={(e) => setCls(Number(e.target.value))}>
              {dataset.classes.map((c, i) => (
                <option key={c} value={i}>
                  {c}
                </option>
              ))}
            </select>
            <select aria-label="Image" value={one} onChange={(e) => setOne(e.target.value)}>
              {!classFiles.some((f) => f.rel === one) && <option value={one}>{baseName(one)}</option>}
              {classFiles.map((f) => (
                <option key={f.rel} value={f.rel}>
                  {baseName(f.rel)}
                </option>
              ))}
            </select>
            <button type="button" onClick={() => setOne(randomPick(classFiles)?.rel ?? one)}>
              Random image
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setSeveral(randomPerClass(dataset))}>
            Other images
          </button>
        )}
        <button type="button" onClick={() => setSeed((s) => s + 1)} data-testid="aug-reseed">
          Reseed
        </button>
        <span className="muted small" data-testid="aug-timing">
          {busy ? 'rendering…' : ms !== null ? `made by the engine in ${ms} ms` : ''}
        </span>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {mode === 'one' && items[0] ? (
        <div className="aug-one">
          <figure className="aug-original">
            {items[0].original && <img src={items[0].original} alt="original" data-testid="aug-original" />}
            <figcaption className="muted small">original · {baseName(items[0].rel)}</figcaption>
          </figure>
          <div className="aug-grid">
            {items[0].error && <p className="error">{items[0].error}</p>}
            {items[0].variants.map((src, i) => (
              <img key={i} src={src} alt={`variant ${i + 1}`} data-testid="aug-variant" />
            ))}
          </div>
        </div>
      ) : (
        <div className="aug-rows">
          {items.map((it) => (
            <div className="aug-row-images" key={it.rel}>
              <figure className="aug-original small">
                {it.original && <img src={it.original} alt="original" />}
                <figcaption className="muted small" title={it.rel}>
                  {it.rel.split('/').at(-2)} · {baseName(it.rel)}
                </figcaption>
              </figure>
              {it.error && <p className="error">{it.error}</p>}
              {it.variants.map((src, i) => (
                <img
                  key={i}
                  src={src}
                  alt={`${baseName(it.rel)} variant ${i + 1}`}
                  data-testid="aug-variant"
                />
              ))}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
