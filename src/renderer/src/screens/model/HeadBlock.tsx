/** One layer block of the head editor: inline parameters, live output shape and parameter count. */
import type { DragEvent } from 'react';
import { Activation } from '@shared/head';
import type { HeadLayer, HeadLayerInfo } from '@shared/head';
import { NumberField } from '../../components/NumberField';
import { formatShape } from '../../lib/format';

export const LAYER_LABELS: Record<HeadLayer['type'], string> = {
  globalAveragePooling: 'Global average pooling',
  globalMaxPooling: 'Global max pooling',
  flatten: 'Flatten',
  dense: 'Dense',
  dropout: 'Dropout',
  batchNormalization: 'Batch normalization',
};

interface Props {
  index: number;
  count: number;
  layer: HeadLayer;
  info: HeadLayerInfo | undefined;
  dragging: boolean;
  onChange(layer: HeadLayer): void;
  onMove(to: number): void;
  onRemove(): void;
  onDragStart(): void;
  onDropHere(): void;
}

export function HeadBlock(p: Props) {
  const { layer, info, index } = p;
  const error = info?.error;
  const over = (e: DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
  };
  return (
    <li
      className={`head-block${error ? ' invalid' : ''}${p.dragging ? ' dragging' : ''}`}
      data-testid="head-block"
      data-index={index}
      data-type={layer.type}
      draggable
      onDragStart={(e) => {
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', String(index));
        p.onDragStart();
      }}
      onDragOver={over}
      onDrop={(e) => {
        e.preventDefault();
        p.onDropHere();
      }}
      aria-invalid={!!error}
    >
      <span className="drag-handle" aria-hidden="true" title="Drag to reorder">
        ⋮⋮
      </span>
      <div className="head-block-main">
        <div className="head-block-title">
          <strong>{LAYER_LABELS[layer.type]}</strong>
          {layer.type === 'dense' && (
            <>
              <NumberField
                label="units"
                value={layer.units}
                min={1}
                max={65536}
                integer
                onChange={(units) => p.onChange({ ...layer, units })}
              />
              <label className="inline-select">
                activation
                <select
                  value={layer.activation}
                  aria-label="activation"
                  onChange={(e) => p.onChange({ ...layer, activation: e.target.value as Activation })}
                >
                  {Activation.options.map((a) => (
                    <option key={a} value={a}>
                      {a}
                    </option>
                  ))}
                </select>
              </label>
              <NumberField
                label="L2"
                value={layer.l2 ?? 0}
                min={0}
                max={1}
                onChange={(l2) => p.onChange({ ...layer, l2 })}
              />
            </>
          )}
          {layer.type === 'dropout' && (
            <NumberField
              label="rate"
              value={layer.rate}
              min={0}
              max={0.95}
              step={0.05}
              onChange={(rate) => p.onChange({ ...layer, rate })}
            />
          )}
        </div>
        {error ? (
          <div className="head-block-error error" data-testid="block-error" role="alert">
            {error}
          </div>
        ) : (
          <div className="head-block-meta muted">
            → <span data-testid="block-shape">{info ? formatShape(info.outputShape) : '?'}</span> ·{' '}
            <span data-testid="block-params">{info ? info.params.toLocaleString('en-US') : '?'}</span> params
            {info &&
              info.params !== info.trainableParams &&
              ` (${info.trainableParams.toLocaleString('en-US')} trainable)`}
          </div>
        )}
      </div>
      <div className="head-block-actions">
        <button
          type="button"
          aria-label={`Move ${LAYER_LABELS[layer.type]} up`}
          disabled={index === 0}
          onClick={() => p.onMove(index - 1)}
        >
          ↑
        </button>
        <button
          type="button"
          aria-label={`Move ${LAYER_LABELS[layer.type]} down`}
          disabled={index === p.count - 1}
          onClick={() => p.onMove(index + 1)}
        >
          ↓
        </button>
        <button type="button" aria-label={`Delete ${LAYER_LABELS[layer.type]}`} onClick={p.onRemove}>
          ✕
        </button>
      </div>
    </li>
  );
}
