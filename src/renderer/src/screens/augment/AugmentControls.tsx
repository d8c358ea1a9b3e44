/** Every option of the engine's augment, with the ranges the schema allows (narrowed to useful ones). */
import type { ReactNode } from 'react';
import type { AugmentSpec } from '@shared/augment';
import { NumberField } from '../../components/NumberField';
import { AUGMENT_PRESETS, presetOf } from './presets';

interface SliderProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  format(v: number): string;
  onChange(v: number): void;
  testId: string;
}

function Slider({ label, value, min, max, step, format, onChange, testId }: SliderProps) {
  return (
    <label className="aug-slider">
      <span className="aug-label">{label}</span>
      <input
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        aria-label={label}
        data-testid={testId}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      <output className={value === 0 ? 'muted' : undefined}>{value === 0 ? 'off' : format(value)}</output>
    </label>
  );
}

const pctOf = (v: number) => `±${Math.round(v * 100)}%`;

export function AugmentControls({
  spec,
  views,
  onChange,
  onViews,
}: {
  spec: AugmentSpec;
  views: number;
  onChange(spec: AugmentSpec): void;
  onViews(n: number): void;
}) {
  const set = <K extends keyof AugmentSpec>(k: K, v: AugmentSpec[K]) => onChange({ ...spec, [k]: v });
  const preset = presetOf(spec);
  const group = (title: string, children: ReactNode) => (
    <fieldset className="aug-group">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
  return (
    <div className="card aug-controls" data-testid="aug-controls">
      <div className="aug-presets">
        <span className="muted">Preset</span>
        <div className="segmented plain" role="group" aria-label="Augmentation preset">
          {AUGMENT_PRESETS.map((p) => (
            <button
              type="button"
              key={p.id}
              className={preset === p.id ? 'active' : undefined}
              aria-pressed={preset === p.id}
              onClick={() => onChange(p.spec)}
            >
              {p.label}
            </button>
          ))}
        </div>
        {preset === 'custom' && <span className="chip">custom</span>}
      </div>
      {group(
        'Geometry',
        <>
          <Slider
            label="Rotation"
            testId="aug-rotation"
            value={spec.rotationRange}
            min={0}
            max={180}
            step={1}
            format={(v) => `±${v}°`}
            onChange={(v) => set('rotationRange', v)}
          />
          <Slider
            label="Width shift"
            testId="aug-width-shift"
            value={spec.widthShiftRange}
            min={0}
            max={0.5}
            step={0.01}
            format={pctOf}
            onChange={(v) => set('widthShiftRange', v)}
          />
          <Slider
            label="Height shift"
            testId="aug-height-shift"
            value={spec.heightShiftRange}
            min={0}
            max={0.5}
            step={0.01}
            format={pctOf}
            onChange={(v) => set('heightShiftRange', v)}
          />
          <Slider
            label="Shear"
            testId="aug-shear"
            value={spec.shearRange}
            min={0}
            max={45}
            step={0.1}
            format={(v) => `±${v}°`}
            onChange={(v) => set('shearRange', v)}
          />
          <Slider
            label="Zoom"
            testId="aug-zoom"
            value={spec.zoomRange}
            min={0}
            max={0.9}
            step={0.01}
            format={pctOf}
            onChange={(v) => set('zoomRange', v)}
          />
          <div className="aug-row">
            <label className="check">
              <input
                type="checkbox"
                checked={spec.horizontalFlip}
                onChange={(e) => set('horizontalFlip', e.target.checked)}
              />
              Horizontal flip
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={spec.verticalFlip}
                onChange={(e) => set('verticalFlip', e.target.checked)}
              />
              Vertical flip
            </label>
          </div>
          <div className="aug-row">
            <label>
              Fill mode{' '}
              <select
                value={spec.fillMode}
                aria-label="Fill mode"
                onChange={(e) => set('fillMode', e.target.value as AugmentSpec['fillMode'])}
              >
                <option value="nearest">nearest</option>
                <option value="reflect">reflect</option>
                <option value="wrap">wrap</option>
                <option value="constant">constant</option>
              </select>
            </label>
            {spec.fillMode === 'constant' && (
              <NumberField
                label="Fill value (0–255)"
                value={spec.cval}
                min={0}
                max={255}
                onChange={(v) => set('cval', v)}
              />
            )}
          </div>
        </>,
      )}
      {group(
        'Colour',
        <>
          <label className="check">
            <input
              type="checkbox"
              checked={spec.brightnessRange !== null}
              onChange={(e) => set('brightnessRange', e.target.checked ? [0.8, 1.2] : null)}
            />
            Brightness
          </label>
          {spec.brightnessRange && (
            <div className="aug-row">
              <Slider
                label="Darkest"
                testId="aug-bright-lo"
                value={spec.brightnessRange[0]}
                min={0.1}
                max={1}
                step={0.05}
                format={(v) => `×${v.toFixed(2)}`}
                onChange={(v) => set('brightnessRange', [v, spec.brightnessRange![1]])}
              />
              <Slider
                label="Brightest"
                testId="aug-bright-hi"
                value={spec.brightnessRange[1]}
                min={1}
                max={2}
                step={0.05}
                format={(v) => `×${v.toFixed(2)}`}
                onChange={(v) => set('brightnessRange', [spec.brightnessRange![0], v])}
              />
            </div>
          )}
          <Slider
            label="Contrast"
            testId="aug-contrast"
            value={spec.contrastRange}
            min={0}
            max={1}
            step={0.05}
            format={pctOf}
            onChange={(v) => set('contrastRange', v)}
          />
        </>,
      )}
      <NumberField
        label="Augmented views per training image"
        value={views}
        min={1}
        max={64}
        integer
        hint="With a frozen base, each view's features are computed once and cached; more views = longer first extraction."
        onChange={onViews}
      />
    </div>
  );
}
