/** Fine-tuning: off, or unfreeze the top N weight layers of the base (names shown) with their own rate. */
import type { BaseDescription } from '@shared/ipc/bases';
import type { FineTuneSpec } from '@shared/train';
import { NumberField } from '../../components/NumberField';
import { topN, trainableParams, unfrozenLayers, weightLayers } from '../../lib/fine-tune';
import { formatParams } from '../../lib/format';

export function FineTunePanel({
  spec,
  description,
  loading,
  onChange,
}: {
  spec: FineTuneSpec | null;
  description: BaseDescription | null;
  /** The base is being loaded in the engine. */
  loading: boolean;
  onChange(spec: FineTuneSpec | null): void;
}) {
  const on = !!spec && (spec.layers > 0 || !!spec.fromLayer);
  const chosen = description ? unfrozenLayers(description, spec) : [];
  const available = description ? weightLayers(description).length : 0;
  return (
    <div className="card fine-tune" data-testid="fine-tune">
      <h2>Fine-tuning</h2>
      <div className="segmented plain" role="radiogroup" aria-label="Fine-tuning">
        <button
          type="button"
          role="radio"
          aria-checked={!on}
          className={!on ? 'active' : undefined}
          onClick={() => onChange(null)}
        >
          Off
        </button>
        <button
          type="button"
          role="radio"
          aria-checked={on}
          className={on ? 'active' : undefined}
          disabled={!description}
          onClick={() => description && onChange(topN(description, 4, spec))}
        >
          Unfreeze top layers
        </button>
      </div>
      <p className="muted small">
        After the head is trained on the frozen base, the top layers of the base are trained too, at a much
        lower learning rate, on augmented images (slower: every image goes through the base each epoch).
      </p>
      {!description && (
        <p className="muted small">
          {loading
            ? 'Loading the base’s layers…'
            : 'Choose a base that is on this machine to see its layers.'}
        </p>
      )}
      {on && description && spec && (
        <>
          <div className="ft-fields">
            <NumberField
              label={`Unfreeze top N weight layers (of ${available})`}
              value={chosen.length}
              min={1}
              max={available}
              integer
              onChange={(n) => onChange(topN(description, n, spec))}
            />
            <NumberField
              label="Fine-tune epochs"
              value={spec.epochs}
              min={1}
              max={1000}
              integer
              onChange={(epochs) => onChange({ ...spec, epochs })}
            />
            <NumberField
              label="Fine-tune learning rate"
              value={spec.learningRate}
              min={1e-8}
              max={1}
              onChange={(learningRate) => onChange({ ...spec, learningRate })}
            />
          </div>
          <p className="small">
            {chosen.length} layers, {formatParams(chosen.reduce((a, l) => a + trainableParams(l), 0))}{' '}
            parameters become trainable:
          </p>
          <ol className="ft-layers" data-testid="ft-layers">
            {chosen
              .slice()
              .reverse()
              .map((l) => (
                <li key={l.name}>
                  <code>{l.name}</code>{' '}
                  <span className="muted small">
                    {l.className} · {formatParams(l.params)}
                  </span>
                </li>
              ))}
          </ol>
        </>
      )}
    </div>
  );
}
