/** Optimiser and schedule settings of the draft configuration, validated as typed. */
import type { TrainConfig } from '@shared/train';
import { OptimizerName, ResizeMode } from '@shared/train';
import { NumberField } from '../../components/NumberField';
import { DEFAULT_CONFIG } from '../../state/config';

export function ConfigForm({
  config,
  onChange,
  onValidity,
  disabled,
}: {
  config: TrainConfig;
  onChange(patch: Partial<TrainConfig>): void;
  onValidity(field: string, message: string | null): void;
  disabled: boolean;
}) {
  const es = config.earlyStopping;
  return (
    <fieldset className="card config-form" data-testid="config-form" disabled={disabled}>
      <legend className="visually-hidden">Training settings</legend>
      <h2>Training settings</h2>
      <div className="config-grid">
        <label className="inline-select">
          Optimizer
          <select
            aria-label="Optimizer"
            value={config.optimizer}
            onChange={(e) => onChange({ optimizer: e.target.value as TrainConfig['optimizer'] })}
          >
            {OptimizerName.options.map((o) => (
              <option key={o} value={o}>
                {o === 'adam' ? 'Adam' : o === 'sgd' ? 'SGD' : 'RMSprop'}
              </option>
            ))}
          </select>
        </label>
        <NumberField
          label="Learning rate"
          value={config.learningRate}
          min={1e-8}
          max={10}
          onChange={(learningRate) => onChange({ learningRate })}
          onValidity={(m) => onValidity('lr', m)}
        />
        {config.optimizer !== 'adam' && (
          <NumberField
            label="Momentum"
            value={config.momentum}
            min={0}
            max={0.999}
            onChange={(momentum) => onChange({ momentum })}
            onValidity={(m) => onValidity('momentum', m)}
          />
        )}
        <NumberField
          label="Batch size"
          value={config.batchSize}
          min={1}
          max={4096}
          integer
          onChange={(batchSize) => onChange({ batchSize })}
          onValidity={(m) => onValidity('batch', m)}
        />
        <NumberField
          label="Epochs"
          value={config.epochs}
          min={1}
          max={10000}
          integer
          onChange={(epochs) => onChange({ epochs })}
          onValidity={(m) => onValidity('epochs', m)}
        />
        <NumberField
          label="Seed"
          value={config.seed}
          integer
          min={-2147483648}
          max={2147483647}
          onChange={(seed) => onChange({ seed })}
          onValidity={(m) => onValidity('seed', m)}
        />
        <label className="inline-select">
          Class weights
          <select
            aria-label="Class weights"
            value={config.classWeight}
            onChange={(e) => onChange({ classWeight: e.target.value as TrainConfig['classWeight'] })}
          >
            <option value="none">none</option>
            <option value="balanced">balanced (for uneven classes)</option>
          </select>
        </label>
        <label className="inline-select">
          Resize
          <select
            aria-label="Resize"
            value={config.resize}
            onChange={(e) => onChange({ resize: e.target.value as TrainConfig['resize'] })}
          >
            {ResizeMode.options.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="config-row">
        <label className="check">
          <input
            type="checkbox"
            checked={es !== null}
            onChange={(e) =>
              onChange({ earlyStopping: e.target.checked ? { patience: 5, restoreBest: true } : null })
            }
          />
          Early stopping
        </label>
        {es && (
          <>
            <NumberField
              label="Patience (epochs)"
              value={es.patience}
              min={1}
              max={1000}
              integer
              onChange={(patience) => onChange({ earlyStopping: { ...es, patience } })}
              onValidity={(m) => onValidity('patience', m)}
            />
            <label className="check">
              <input
                type="checkbox"
                checked={es.restoreBest}
                onChange={(e) => onChange({ earlyStopping: { ...es, restoreBest: e.target.checked } })}
              />
              Keep the best epoch’s weights
            </label>
          </>
        )}
        <button
          type="button"
          className="config-reset"
          onClick={() =>
            onChange({
              optimizer: DEFAULT_CONFIG.optimizer,
              learningRate: DEFAULT_CONFIG.learningRate,
              momentum: DEFAULT_CONFIG.momentum,
              batchSize: DEFAULT_CONFIG.batchSize,
              epochs: DEFAULT_CONFIG.epochs,
              earlyStopping: DEFAULT_CONFIG.earlyStopping,
              classWeight: DEFAULT_CONFIG.classWeight,
              seed: DEFAULT_CONFIG.seed,
              resize: DEFAULT_CONFIG.resize,
            })
          }
        >
          Defaults
        </button>
      </div>
    </fieldset>
  );
}
