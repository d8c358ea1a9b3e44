/**
 * What runs the frozen base: the choices are the shared enum's options; each ONNX Runtime device shows
 * whether the engine can use it here and, if not, why (the engine's own cheap checks).
 */
import { useEffect, useState } from 'react';
import { ExtractionDevice } from '@shared/backends';
import type { DeviceInfo } from '@shared/backends';
import { call, errorText } from '../api/client';

const DEVICE_LABEL: Record<ExtractionDevice, string> = {
  auto: 'Automatic (best available)',
  cpu: 'ONNX Runtime — CPU',
  cuda: 'ONNX Runtime — NVIDIA GPU (CUDA 12)',
  dml: 'ONNX Runtime — DirectML GPU (Windows)',
  coreml: 'ONNX Runtime — CoreML (macOS)',
  webgpu: 'ONNX Runtime — WebGPU (experimental)',
  tfjs: 'TensorFlow.js (the compute backend below)',
};

export function DeviceSetting({
  value,
  onChange,
}: {
  value: ExtractionDevice;
  onChange(device: ExtractionDevice): void;
}) {
  const [devices, setDevices] = useState<DeviceInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    call('listDevices', {}).then(
      (r) => live && setDevices(r.devices),
      (e) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, []);
  const info = (d: ExtractionDevice) => devices?.find((x) => x.name === d);

  return (
    <div className="field device-setting">
      <label className="field">
        <span>Frozen base runs on</span>
        <select
          aria-label="Frozen base device"
          value={value}
          onChange={(e) => onChange(e.target.value as ExtractionDevice)}
        >
          {ExtractionDevice.options.map((d) => (
            <option key={d} value={d}>
              {DEVICE_LABEL[d]}
              {info(d)?.unavailable ? ' — unavailable here' : ''}
            </option>
          ))}
        </select>
      </label>
      <small className="muted">
        Feature extraction, where almost all the compute is. Automatic tries CUDA → DirectML → CoreML → CPU; a
        device chosen here that cannot start stops the run with the reason.
      </small>
      {error && <p className="error">Cannot list devices: {error}</p>}
      {!devices && !error && <p className="muted small">Checking devices…</p>}
      {devices && (
        <ul className="device-list" data-testid="device-list">
          {devices.map((d) => (
            <li
              key={d.name}
              data-testid="device-row"
              data-device={d.name}
              data-available={d.unavailable === null}
              className={d.unavailable ? 'unavailable' : 'available'}
            >
              <span className="device-name">
                {d.name} <span className="muted">({d.hardware})</span>
              </span>
              <span className="device-state">
                {d.unavailable ? `unavailable: ${d.unavailable}` : 'available'}
                {!d.inAuto && ' · only when chosen'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
