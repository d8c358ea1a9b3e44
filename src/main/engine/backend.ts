import { createRequire } from 'node:module';
import { tf } from './tf';
import { installWasmFallbacks } from './wasm-fallbacks';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendPreference = 'auto' | BackendName;
export const BACKEND_ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendReport {
  /** What we asked for. */
  name: BackendName;
  /** tfjs' own backend name ('tensorflow' for both native ones). */
  tfBackend: string;
  device: 'GPU' | 'CPU';
  /** Why each better backend was not used. */
  unavailable: { name: BackendName; why: string }[];
  /** Cores a single engine uses; the worker pool multiplies wasm by this. */
  threadsPerEngine: number;
  /** Kernels served by the cpu backend because the chosen one lacks them. */
  fallbackKernels: string[];
}

const require = createRequire(import.meta.url);
let current: BackendReport | null = null;

async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | null> {
  try {
    require.resolve(pkg);
  } catch {
    return `${pkg} is not installed (optional dependency; needs libtensorflow${pkg.endsWith('gpu') ? ', CUDA 11.2 and cuDNN 8.1' : ''})`;
  }
  try {
    // Loaded only when present: it downloads libtensorflow at install, which fails on offline machines.
    await import(/* @vite-ignore */ pkg);
    if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but its backend failed to initialise`;
    return null;
  } catch (e) {
    return `${pkg} failed to load: ${String((e as Error).message ?? e).split('\n')[0]}`;
  }
}

async function initOne(name: BackendName): Promise<string | null> {
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    return tryNative(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
  }
  try {
    if (!(await tf.setBackend(name))) return `${name} backend failed to initialise`;
    await tf.ready();
    return null;
  } catch (e) {
    return `${name} backend failed: ${(e as Error).message}`;
  }
}

/**
 * Pick the best backend: tfjs-node-gpu → tfjs-node → wasm (+cpu for kernels wasm lacks) → cpu.
 * `preference` forces one (and fails loudly if it is unavailable); `auto` walks the list.
 * `TRANSFER_STUDIO_BACKEND` overrides `auto`.
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendReport> {
  const envPref = process.env.TRANSFER_STUDIO_BACKEND as BackendPreference | undefined;
  const pref = preference === 'auto' && envPref && envPref !== 'auto' ? envPref : preference;
  if (current && (pref === 'auto' || pref === current.name)) return current;
  const unavailable: BackendReport['unavailable'] = [];
  const candidates = pref === 'auto' ? BACKEND_ORDER : [pref];
  for (const name of candidates) {
    const why = await initOne(name);
    if (why) {
      unavailable.push({ name, why });
      continue;
    }
    const fallbackKernels = name === 'wasm' ? installWasmFallbacks() : [];
    current = {
      name,
      tfBackend: tf.getBackend(),
      device: name === 'tensorflow-gpu' ? 'GPU' : 'CPU',
      unavailable,
      threadsPerEngine: name === 'wasm' || name === 'cpu' ? 1 : 0,
      fallbackKernels,
    };
    return current;
  }
  throw new Error(`no usable tfjs backend: ${unavailable.map((u) => `${u.name}: ${u.why}`).join('; ')}`);
}

export function currentBackend(): BackendReport | null {
  return current;
}

export function describeBackend(r: BackendReport): string {
  const skipped = r.unavailable.map((u) => `${u.name} unavailable (${u.why})`).join('; ');
  return `${r.name} on ${r.device}${r.fallbackKernels.length ? ` (+cpu for ${r.fallbackKernels.join(', ')})` : ''}${skipped ? ` — ${skipped}` : ''}`;
}
