/**
 * A number input that keeps what the user types (even half-typed or out of range) and only reports
 * values that are valid; an invalid entry is marked and described next to the field.
 */
import { useEffect, useId, useRef, useState } from 'react';

interface Props {
  label: string;
  value: number;
  min?: number;
  max?: number;
  step?: number | 'any';
  integer?: boolean;
  disabled?: boolean;
  hint?: string;
  onChange(value: number): void;
  /** Told whenever the entry becomes invalid (message) or valid again (null). */
  onValidity?(message: string | null): void;
}

export function validateNumber(text: string, o: Pick<Props, 'min' | 'max' | 'integer'>): string | null {
  if (text.trim() === '') return 'required';
  const n = Number(text);
  if (!Number.isFinite(n)) return 'not a number';
  if (o.integer && !Number.isInteger(n)) return 'must be a whole number';
  if (o.min !== undefined && n < o.min) return `must be ≥ ${o.min}`;
  if (o.max !== undefined && n > o.max) return `must be ≤ ${o.max}`;
  return null;
}

export function NumberField({
  label,
  value,
  min,
  max,
  step,
  integer,
  disabled,
  hint,
  onChange,
  onValidity,
}: Props) {
  const id = useId();
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  // A new value from outside (preset, loaded config) replaces what is typed.
  if (value !== shown) {
    setShown(value);
    setText(String(value));
  }
  const error = validateNumber(text, { min, max, integer });
  // A field that goes away (hidden option) takes its complaint with it.
  const validity = useRef(onValidity);
  useEffect(() => {
    validity.current = onValidity;
  });
  useEffect(() => () => validity.current?.(null), []);
  return (
    <div className={error ? 'nfield invalid' : 'nfield'}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        value={text}
        min={min}
        max={max}
        step={step ?? (integer ? 1 : 'any')}
        disabled={disabled}
        aria-invalid={!!error}
        aria-describedby={error || hint ? `${id}-msg` : undefined}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          const err = validateNumber(t, { min, max, integer });
          onValidity?.(err ? `${label}: ${err}` : null);
          if (!err) {
            setShown(Number(t));
            onChange(Number(t));
          }
        }}
      />
      {(error || hint) && (
        <span id={`${id}-msg`} className={error ? 'nfield-msg error' : 'nfield-msg muted'}>
          {error ?? hint}
        </span>
      )}
    </div>
  );
}
