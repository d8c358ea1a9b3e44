/**
 * The duplicate search's settings, defaulting to the engine's: how similar two photos' embeddings must
 * be, how far a pair must stand out from each photo's nearest neighbours, and the perceptual-hash
 * distance. The input bounds are hints; the search's schema decides, and a value it refuses is named
 * while the search waits until it is fixed.
 */
import { DuplicateOptions } from '@shared/quality';

export const DEFAULT_DUPLICATE_OPTIONS: DuplicateOptions = DuplicateOptions.parse({});

const FIELDS = [
  {
    key: 'embeddingThreshold',
    label: 'Similarity at least',
    min: 0,
    max: 1,
    step: 0.01,
    help: 'Cosine similarity of the two photos’ embeddings through the base. Lower finds looser copies (and more look-alikes).',
  },
  {
    key: 'localMargin',
    label: 'Stands out by',
    min: 0,
    max: 1,
    step: 0.01,
    help: 'How much more similar the pair is than each photo is to its nearest other photos (0: off). Keeps a crowd of look-alike photos from grouping.',
  },
  {
    key: 'phashMaxDistance',
    label: 'Hash distance at most',
    min: 0,
    max: 24,
    step: 1,
    help: 'Perceptual-hash bits (of 64) two photos may differ by; works before any base is loaded. 0: only near-identical pixels.',
  },
] as const satisfies readonly {
  key: keyof DuplicateOptions;
  label: string;
  min: number;
  max: number;
  step: number;
  help: string;
}[];

/** Whether the search can run with these settings (its own schema decides); else one line naming the field. */
export function checkDuplicateOptions(o: DuplicateOptions): { ok: true } | { ok: false; message: string } {
  const r = DuplicateOptions.safeParse(o);
  if (r.success) return { ok: true };
  const issue = r.error.issues[0];
  const field = FIELDS.find((f) => f.key === issue.path[0]);
  return { ok: false, message: `${field?.label ?? 'Settings'}: ${issue.message}` };
}

export function DuplicateSettings({
  value,
  onChange,
  disabled,
}: {
  value: DuplicateOptions;
  onChange: (o: DuplicateOptions) => void;
  disabled: boolean;
}) {
  const check = checkDuplicateOptions(value);
  const isDefault = FIELDS.every((f) => value[f.key] === DEFAULT_DUPLICATE_OPTIONS[f.key]);
  return (
    <div className="dup-settings small" data-testid="duplicate-settings">
      {FIELDS.map((f) => (
        <label key={f.key} title={f.help}>
          {f.label}{' '}
          <input
            type="number"
            min={f.min}
            max={f.max}
            step={f.step}
            value={Number.isNaN(value[f.key]) ? '' : value[f.key]}
            disabled={disabled}
            aria-label={f.label}
            onChange={(e) => onChange({ ...value, [f.key]: e.target.valueAsNumber })}
          />
        </label>
      ))}
      <button
        type="button"
        disabled={disabled || isDefault}
        onClick={() => onChange(DEFAULT_DUPLICATE_OPTIONS)}
      >
        Defaults
      </button>
      {!check.ok && (
        <span className="error" role="alert">
          {check.message}
        </span>
      )}
    </div>
  );
}
