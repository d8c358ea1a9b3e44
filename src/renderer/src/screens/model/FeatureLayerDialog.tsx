/**
 * "Add a model", second step for a Keras file: pick the feature layer (where the base is cut) from its
 * layers with their output shapes. Only 4-D outputs (feature maps) can be picked; the suggestion is the
 * last one before the classifier.
 */
import { useEffect, useRef, useState } from 'react';
import type { ModelLayers } from '@shared/ipc/bases';
import { call, errorText } from '../../api/client';
import { Modal } from '../../components/Modal';
import { formatParams } from '../../lib/format';

interface Props {
  path: string;
  onClose(): void;
  /** After the pick was saved (the base was described again). */
  onSaved(): void;
}

const shapeText = (s: (number | null)[]) => `[${s.map((d) => d ?? '?').join(', ')}]`;

export function FeatureLayerDialog({ path, onClose, onSaved }: Props) {
  const [info, setInfo] = useState<ModelLayers | null>(null);
  const [pick, setPick] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let live = true;
    call('modelLayers', { path }).then(
      (r) => {
        if (!live) return;
        setInfo(r);
        setPick(r.featureLayer);
      },
      (e) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [path]);

  // Long models (hundreds of layers): show the current cut, not the input layer.
  useEffect(() => {
    list.current?.querySelector('input:checked')?.scrollIntoView({ block: 'center' });
  }, [info]);

  const save = async () => {
    if (!pick) return;
    // Already the base's cut (e.g. the suggestion, right after adding): nothing to save.
    if (pick === info?.featureLayer) return onClose();
    setSaving(true);
    setError(null);
    try {
      await call('modelLayers', { path, featureLayer: pick });
      onSaved();
      onClose();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      label="Feature layer"
      className="feature-layer-dialog"
      onClose={onClose}
      testId="feature-layer-dialog"
    >
      <header className="modal-head">
        <h2>Feature layer</h2>
        <button type="button" className="icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <p className="muted small">
        The base is cut after this layer; its output (a feature map) is what the head learns from.
      </p>
      {!info && !error && <p className="muted">Reading the model…</p>}
      {info && (
        <div className="layer-list" role="radiogroup" aria-label="Feature layer" ref={list}>
          {info.layers.map((l) => (
            <label key={l.name} className={l.featureMap ? 'layer-row' : 'layer-row disabled'}>
              <input
                type="radio"
                name="feature-layer"
                value={l.name}
                disabled={!l.featureMap}
                checked={pick === l.name}
                onChange={() => setPick(l.name)}
              />
              <code>{l.name}</code>
              <span className="muted">{l.className}</span>
              <span>{shapeText(l.outputShape)}</span>
              <span className="muted small">{l.params ? formatParams(l.params) : ''}</span>
              {l.name === info.suggested && <span className="chip">suggested</span>}
            </label>
          ))}
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <footer className="modal-foot">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" disabled={!pick || saving} onClick={() => void save()}>
          {saving ? 'Saving…' : 'Use this layer'}
        </button>
      </footer>
    </Modal>
  );
}
