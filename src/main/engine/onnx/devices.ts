import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import {
  ExtractionDevice as ExtractionDeviceSchema,
  OrtDevicePreference,
  type DeviceInfo,
  type OrtDeviceName,
} from '@shared/backends';
import { CodedError } from '@shared/errors';

const require = createRequire(import.meta.url);

/** The choices are declared once, in src/shared/backends.ts (the setting and the CLI share them). */
export const DEVICE_PREFERENCES = OrtDevicePreference.options;
export type DevicePreference = OrtDevicePreference;
export type DeviceName = OrtDeviceName;

/** A device (ORT execution provider) that cannot start, or cannot be used here. One line. */
/** A device that cannot run here (a forced one, or its provider libraries missing): one line. */
export class OrtDeviceError extends CodedError {
  override name = 'OrtDeviceError';
  constructor(message: string) {
    super('UNSUPPORTED', message);
  }
}

export interface DeviceRow {
  name: DeviceName;
  /** What it runs on, for the backend line. */
  hardware: 'GPU' | 'CPU' | 'GPU/Neural Engine';
  /** Tried by `auto`, in table order. */
  inAuto: boolean;
  /** The ORT execution provider and its options. */
  provider: InferenceSession.ExecutionProviderConfig;
  /** Cheap checks before a session is tried: why this device cannot work here, or null. */
  unavailable(): string | null;
}

/** onnxruntime-node's native folder for this platform (where its installer puts the CUDA provider). */
export function ortBinDir(): string {
  const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
}

let supported: string[] | null = null;
function bindingSupports(name: string): boolean {
  try {
    supported ??= (require('onnxruntime-node') as { listSupportedBackends: () => { name: string }[] })
      .listSupportedBackends()
      .map((b) => b.name);
  } catch {
    supported = [];
  }
  return supported.includes(name);
}

const firstLine = (s: string) => s.split('\n')[0].trim();

/**
 * The CUDA provider is not in the npm package: its installer fetches it from NuGet (`npm run setup:cuda`).
 * Present files are loaded once with dlopen so a missing CUDA/cuDNN library is named (the provider
 * links against libcudart/libcublas/libcudnn); ORT itself would only say "Failed to load shared library".
 */
function cudaUnavailable(): string | null {
  const plat = `${process.platform}/${process.arch}`;
  if (plat !== 'linux/x64' && plat !== 'win32/x64')
    return `the CUDA provider is built for Linux and Windows x64 only, not ${plat}`;
  if (!bindingSupports('cuda')) return 'this onnxruntime-node build has no CUDA provider';
  const dir = ortBinDir();
  const libs =
    process.platform === 'win32'
      ? ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll']
      : ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
  const missing = libs.filter((l) => !existsSync(path.join(dir, l)));
  if (missing.length)
    return `CUDA provider libraries are not installed (${missing.join(', ')} missing; run \`npm run setup:cuda\`, needs an NVIDIA driver, CUDA 12 and cuDNN 9)`;
  for (const lib of libs) {
    try {
      process.dlopen({ exports: {} }, path.join(dir, lib));
    } catch (e) {
      const msg = firstLine((e as Error).message);
      // A plain shared library loads fine and then "did not self-register" (it is not a Node addon).
      if (!/did not self-register/.test(msg))
        return `CUDA provider cannot load: ${msg} (needs CUDA 12 and cuDNN 9)`;
    }
  }
  return null;
}

const onlyOn = (platform: NodeJS.Platform, what: string, name: string) => () =>
  process.platform !== platform
    ? `${what} is only available on ${platform === 'win32' ? 'Windows' : 'macOS'}`
    : bindingSupports(name)
      ? null
      : `this onnxruntime-node build has no ${what} provider`;

/** Every device, best first. `auto` walks the rows with inAuto; webgpu only runs when asked. */
export const DEVICES: readonly DeviceRow[] = [
  {
    name: 'cuda',
    hardware: 'GPU',
    inAuto: true,
    provider: { name: 'cuda', deviceId: 0 },
    unavailable: cudaUnavailable,
  },
  {
    name: 'dml',
    hardware: 'GPU',
    inAuto: true,
    provider: { name: 'dml', deviceId: 0 },
    unavailable: onlyOn('win32', 'DirectML', 'dml'),
  },
  {
    name: 'coreml',
    hardware: 'GPU/Neural Engine',
    inAuto: true,
    provider: { name: 'coreml' },
    unavailable: onlyOn('darwin', 'CoreML', 'coreml'),
  },
  { name: 'cpu', hardware: 'CPU', inAuto: true, provider: 'cpu', unavailable: () => null },
  {
    name: 'webgpu',
    hardware: 'GPU',
    inAuto: false,
    provider: 'webgpu',
    unavailable: () =>
      bindingSupports('webgpu') ? null : 'this onnxruntime-node build has no WebGPU provider',
  },
];

export function deviceRow(name: DeviceName): DeviceRow {
  const row = DEVICES.find((d) => d.name === name);
  if (!row)
    throw new OrtDeviceError(`unknown device "${name}" (expected one of ${DEVICE_PREFERENCES.join(', ')})`);
  return row;
}

/** The rows a preference tries, in order. */
export function candidates(pref: DevicePreference): DeviceRow[] {
  return pref === 'auto' ? DEVICES.filter((d) => d.inAuto) : [deviceRow(pref)];
}

/** Fail now, in one line, if a forced device cannot work here (cheap checks only; no session). */
export function assertDeviceAvailable(pref: DevicePreference): void {
  if (pref === 'auto') return;
  const why = deviceRow(pref).unavailable();
  if (why) throw new OrtDeviceError(`device ${pref} cannot start: ${why}`);
}

/** Every device and why it is unavailable here (cheap checks), for a settings screen or status bar. */
export function listDevices(): DeviceInfo[] {
  return DEVICES.map((d) => ({
    name: d.name,
    hardware: d.hardware,
    inAuto: d.inAuto,
    unavailable: d.unavailable(),
  }));
}

/** What runs the frozen base: an ORT device preference, or `tfjs` (today's path, on the tfjs --backend). */
export const EXTRACTION_DEVICES = ExtractionDeviceSchema.options;
export type ExtractionDevice = ExtractionDeviceSchema;
