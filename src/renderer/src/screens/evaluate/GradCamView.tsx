/**
 * Grad-CAM (where did the model look?): the heatmap the engine computes for one image, laid over the
 * photo with an opacity slider. Computed on demand, once per image and class.
 */
import { useEffect, useState } from 'react';
import type { GradCamResult } from '@shared/quality';
import { call, errorText } from '../../api/client';

export type GradCamItem = { path: string } | { name: string; data: string };

export function GradCamView({
  runId,
  item,
  photo,
  classes,
}: {
  runId: string;
  item: GradCamItem;
  /** The photo as the page can show it (an image URL or a data URL). */
  photo: string;
  classes: string[];
}) {
  const [classIndex, setClassIndex] = useState<number | undefined>(undefined);
  const [answer, setAnswer] = useState<{ key: string; result?: GradCamResult; error?: string } | null>(null);
  const [opacity, setOpacity] = useState(0.5);
  const key = `${runId}\n${'path' in item ? item.path : item.name}\n${classIndex ?? ''}`;
  // Only the answer to the current request counts (an older one may arrive later).
  const result = answer?.key === key ? (answer.result ?? null) : null;
  const error = answer?.key === key ? (answer.error ?? null) : null;

  useEffect(() => {
    let live = true;
    call('gradCam', { runId, item, classIndex, maxSide: 512 }).then(
      (r) => live && setAnswer({ key, result: r }),
      (e) => live && setAnswer({ key, error: errorText(e) }),
    );
    return () => {
      live = false;
    };
    // The request is identified by its key; a new item object for the same image must not recompute.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  return (
    <div className="gradcam" data-testid="gradcam">
      <div
        className="gradcam-stack"
        style={result ? { aspectRatio: `${result.width} / ${result.height}` } : undefined}
      >
        <img src={photo} alt="" className="gradcam-photo" />
        {result && (
          <img
            src={result.overlay}
            alt={`Grad-CAM heatmap for ${classes[result.classIndex]}`}
            className="gradcam-heat"
            data-testid="gradcam-heat"
            style={{ opacity }}
          />
        )}
      </div>
      <div className="gradcam-controls">
        <label>
          Heatmap opacity{' '}
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={opacity}
            aria-label="Heatmap opacity"
            onChange={(e) => setOpacity(Number(e.target.value))}
          />
        </label>
        <label>
          Explain{' '}
          <select
            aria-label="Class to explain"
            value={classIndex ?? ''}
            onChange={(e) => setClassIndex(e.target.value === '' ? undefined : Number(e.target.value))}
          >
            <option value="">the predicted class</option>
            {classes.map((c, i) => (
              <option key={c} value={i}>
                {c}
              </option>
            ))}
          </select>
        </label>
        {!result && !error && <span className="muted small">computing heatmap…</span>}
        {result && (
          <span className="muted small" data-testid="gradcam-class">
            heat for “{classes[result.classIndex]}” (
            {(result.probabilities[result.classIndex] * 100).toFixed(1)}%)
          </span>
        )}
        {error && (
          <span className="error small" role="alert">
            {error}
          </span>
        )}
      </div>
    </div>
  );
}
