/**
 * What the engine process knows about its compute runtime. Job runners that initialise tfjs call
 * `setTfRuntime` so status reports carry the backend, device and tensor memory; before that the
 * status says 'not started' (null) instead of loading tfjs just to report on it.
 */
interface TfLike {
  getBackend(): string;
  memory(): { numTensors: number; numBytes: number };
}

let tf: TfLike | null = null;
let device: string | null = null;

export function setTfRuntime(tfModule: TfLike, deviceName: string): void {
  tf = tfModule;
  device = deviceName;
}

export function runtimeInfo(): {
  backend: string | null;
  device: string | null;
  tensors: number | null;
  tensorBytes: number | null;
} {
  if (!tf) return { backend: null, device: null, tensors: null, tensorBytes: null };
  const m = tf.memory();
  return { backend: tf.getBackend(), device, tensors: m.numTensors, tensorBytes: m.numBytes };
}
