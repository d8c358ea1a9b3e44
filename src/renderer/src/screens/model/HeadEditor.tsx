/**
 * The visual head editor: frozen base → layer blocks → softmax classifier. Shapes and parameter counts
 * come from the engine's own shape inference (inferHead, shared), so what is shown is what is built;
 * an impossible stack is marked at the offending block with the reason.
 */
import { useState } from 'react';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import type { HeadInfo, HeadLayer, HeadPresetId } from '@shared/head';
import type { HeadAutoResult } from '@shared/quality';
import { formatParams, formatShape } from '../../lib/format';
import { HeadAutoTable } from './HeadAutoTable';
import { HeadBlock, LAYER_LABELS } from './HeadBlock';

const PALETTE: { label: string; make(): HeadLayer }[] = [
  { label: LAYER_LABELS.globalAveragePooling, make: () => ({ type: 'globalAveragePooling' }) },
  { label: LAYER_LABELS.globalMaxPooling, make: () => ({ type: 'globalMaxPooling' }) },
  { label: LAYER_LABELS.flatten, make: () => ({ type: 'flatten' }) },
  { label: LAYER_LABELS.dense, make: () => ({ type: 'dense', units: 128, activation: 'relu' }) },
  { label: LAYER_LABELS.dropout, make: () => ({ type: 'dropout', rate: 0.5 }) },
  { label: LAYER_LABELS.batchNormalization, make: () => ({ type: 'batchNormalization' }) },
];

const PRESET_LABELS: Record<HeadPresetId, string> = {
  keras: 'Keras recipe (Flatten → Dense 256 → Dropout 0.5)',
  light: 'Light (Global pooling → Dense 100)',
  linear: 'Linear probe (Global pooling)',
};

function LockIcon() {
  return (
    <svg className="lock" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      <rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor" opacity="0.7" />
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.5" opacity="0.7" />
    </svg>
  );
}

function move<T>(list: T[], from: number, to: number): T[] {
  const next = list.slice();
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

interface Props {
  head: HeadSpec;
  onChange(head: HeadSpec): void;
  info: HeadInfo | null;
  baseName: string;
  baseParams: number | null;
  featureShape: number[] | null;
  numClasses: number;
  /** Base parameters fine-tuning makes trainable. */
  unfrozenParams: number;
  /** "Auto": the head is chosen by cross-validation when training starts (editing a layer turns it off). */
  auto: boolean;
  onAuto(auto: boolean): void;
  /** The newest run trained with Auto: its cross-validation table. */
  autoResult: HeadAutoResult | null;
}

export function HeadEditor({
  head,
  onChange,
  info,
  baseName,
  baseParams,
  featureShape,
  numClasses,
  unfrozenParams,
  auto,
  onAuto,
  autoResult,
}: Props) {
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const layers = head.layers;
  const set = (next: HeadLayer[]) => onChange({ layers: next });
  const classifier = info?.layers.at(-1);
  const headFrozen = info ? info.totalParams - info.trainableParams : 0;
  const trainable = (info?.trainableParams ?? 0) + unfrozenParams;
  const frozen = (baseParams ?? 0) - unfrozenParams + headFrozen;

  return (
    <div className="card head-editor" data-testid="head-editor">
      <div className="head-editor-top">
        <h2>Head</h2>
        <select
          aria-label="Head preset"
          value={auto ? 'auto' : ''}
          onChange={(e) => {
            const id = e.target.value as HeadPresetId | 'clear' | 'auto' | '';
            if (id === 'auto') onAuto(true);
            else if (id === 'clear') set([]);
            else if (id) onChange(HeadSpec.parse(HEAD_PRESETS[id]));
          }}
        >
          <option value="">Presets…</option>
          <option value="auto">Auto (chosen by cross-validation)</option>
          {(Object.keys(HEAD_PRESETS) as HeadPresetId[]).map((id) => (
            <option key={id} value={id}>
              {PRESET_LABELS[id]}
            </option>
          ))}
          <option value="clear">Clear all layers</option>
        </select>
      </div>
      {auto && <HeadAutoTable result={autoResult} />}
      <ol className="head-stack">
        <li className="head-block base-block" data-testid="head-base">
          <LockIcon />
          <div className="head-block-main">
            <div>
              <strong>{baseName}</strong> <span className="muted">frozen base</span>
            </div>
            <div className="head-block-meta muted">
              → <span data-testid="base-shape">{featureShape ? formatShape(featureShape) : 'loading…'}</span>
              {baseParams !== null && ` · ${baseParams.toLocaleString('en-US')} params`}
            </div>
          </div>
        </li>
        {layers.map((layer, i) => (
          <HeadBlock
            key={i}
            index={i}
            count={layers.length}
            layer={layer}
            info={info?.layers[i]}
            dragging={dragFrom === i}
            onChange={(l) => set(layers.map((x, j) => (j === i ? l : x)))}
            onMove={(to) => set(move(layers, i, to))}
            onRemove={() => set(layers.filter((_, j) => j !== i))}
            onDragStart={() => setDragFrom(i)}
            onDropHere={() => {
              if (dragFrom !== null && dragFrom !== i) set(move(layers, dragFrom, i));
              setDragFrom(null);
            }}
          />
        ))}
        <li
          className={`head-block classifier-block${classifier?.error ? ' invalid' : ''}`}
          data-testid="head-classifier"
          aria-invalid={!!classifier?.error}
          onDragOver={(e) => e.preventDefault()}
          onDrop={(e) => {
            e.preventDefault();
            if (dragFrom !== null) set(move(layers, dragFrom, layers.length - 1));
            setDragFrom(null);
          }}
        >
          <span className="lock" aria-hidden="true">
            ◎
          </span>
          <div className="head-block-main">
            <div>
              <strong>Classifier</strong> <span className="muted">Dense {numClasses}, softmax</span>
            </div>
            {classifier?.error ? (
              <div className="head-block-error error" data-testid="block-error" role="alert">
                {classifier.error}
              </div>
            ) : info?.error ? (
              <div className="head-block-meta muted">waiting for a valid stack above</div>
            ) : (
              <div className="head-block-meta muted">
                →{' '}
                <span data-testid="block-shape">
                  {classifier ? formatShape(classifier.outputShape) : '?'}
                </span>{' '}
                ·{' '}
                <span data-testid="block-params">
                  {classifier ? classifier.params.toLocaleString('en-US') : '?'}
                </span>{' '}
                params
              </div>
            )}
          </div>
        </li>
      </ol>
      <div className="palette" role="group" aria-label="Add a layer">
        <span className="muted">Add:</span>
        {PALETTE.map((p) => (
          <button type="button" key={p.label} onClick={() => set([...layers, p.make()])}>
            + {p.label}
          </button>
        ))}
      </div>
      {info?.error && (
        <p className="error" data-testid="head-error">
          {info.error.index < layers.length
            ? `Layer ${info.error.index + 1} (${LAYER_LABELS[layers[info.error.index].type]}): `
            : 'Classifier: '}
          {info.error.message}
        </p>
      )}
      <dl className="head-totals">
        <dt>Trainable</dt>
        <dd data-testid="head-trainable" data-value={info && !info.error ? trainable : ''}>
          {info && !info.error ? formatParams(trainable) : '—'}
        </dd>
        <dt>Frozen</dt>
        <dd data-testid="head-frozen">{baseParams !== null ? formatParams(frozen) : '—'}</dd>
        <dt>Head total</dt>
        <dd data-testid="head-total" data-value={info && !info.error ? info.totalParams : ''}>
          {info && !info.error ? info.totalParams.toLocaleString('en-US') : '—'}
        </dd>
      </dl>
      {!featureShape && <p className="muted small">Shapes appear once the base's feature shape is known.</p>}
    </div>
  );
}
