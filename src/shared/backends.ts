/** Compute backends by name, best first; how each loads is the engine's table (src/main/engine/backend.ts). */
import { z } from 'zod';

export const BackendName = z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

/** What the user may ask for: one backend, or `auto` (the best that loads). */
export const BackendPreference = z.enum(['auto', ...BackendName.options]);
export type BackendPreference = z.infer<typeof BackendPreference>;

/**
 * What runs the frozen base: an ONNX Runtime device (`auto` tries cuda → dml → coreml → cpu; webgpu only
 * when asked), or `tfjs` (the base on the tfjs backend above). How each device starts is the engine's
 * table (src/main/engine/onnx/devices.ts); `--device`, the setting and the Settings dialog follow this list.
 */
export const OrtDeviceName = z.enum(['cpu', 'cuda', 'dml', 'coreml', 'webgpu']);
export type OrtDeviceName = z.infer<typeof OrtDeviceName>;
export const OrtDevicePreference = z.enum(['auto', ...OrtDeviceName.options]);
export type OrtDevicePreference = z.infer<typeof OrtDevicePreference>;
/** The `preferredDevice` setting and `--device`. */
export const ExtractionDevice = z.enum([...OrtDevicePreference.options, 'tfjs']);
export type ExtractionDevice = z.infer<typeof ExtractionDevice>;

/** One ONNX Runtime device on this machine, as the engine's cheap checks see it (no session started). */
export const DeviceInfo = z.object({
  name: OrtDeviceName,
  /** What it runs on: CPU, GPU, GPU/Neural Engine. */
  hardware: z.string(),
  /** `auto` tries it (webgpu only runs when asked). */
  inAuto: z.boolean(),
  /** Why it cannot run here (one line), or null when it can be tried. */
  unavailable: z.string().nullable(),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;
