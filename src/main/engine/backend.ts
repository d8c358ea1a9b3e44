/**
 * Compute backends as one table: per backend, its device, how it loads, and how many cores one engine
 * of it uses. `initBackend` walks the table best first and says why each better one was unavailable.
 * Adding a backend: its name in src/shared/backends.ts, its row here.
 */
import { createRequire } from 'node:module';
import { BackendName, BackendPreference } from '@shared/backends';
import { tf } from './tf';
import { installWasmFallbacks } from './wasm-fallbacks';

export type { BackendName, BackendPreference } from '@shared/backends';

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

interface BackendRow {
  device: 'GPU' | 'CPU';
  /** 0: one engine uses every core (native); 1: single-threaded, so extraction runs one engine per core. */
  threadsPerEngine: number;
  /** Load it and make it tfjs' backend; resolves to why it is unavailable, or null when it is in use. */
  load(): Promise<string | null>;
  /** Kernels it lacks, supplied by the cpu backend once it is selected. */
  fallbacks?(): string[];
}

const require = createRequire(import.meta.url);

/** A tfjs-node package: loaded only when installed (it downloads libtensorflow at install, which fails offline). */
async function loadNative(pkg: string, needs: string): Promise<string | null> {
  try {
    require.resolve(pkg);
  } catch {
    return `${pkg} is not installed (optional dependency; needs ${needs})`;
  }
  try {
    await import(/* @vite-ignore */ pkg);
    if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but its backend failed to initialise`;
    return null;
  } catch (e) {
    return `${pkg} failed to load: ${String((e as Error).message ?? e).split('\n')[0]}`;
  }
}

/** A backend bundled with tfjs. */
async function loadBundled(name: 'wasm' | 'cpu'): Promise<string | null> {
  try {
    if (!(await tf.setBackend(name))) return `${name} backend failed to initialise`;
    await tf.ready();
    return null;
  } catch (e) {
    return `${name} backend failed: ${(e as Error).message}`;
  }
}

/** Best first: the order `auto` tries them in. */
const BACKENDS: Record<BackendName, BackendRow> = {
  'tensorflow-gpu': {
    device: 'GPU',
    threadsPerEngine: 0,
    load: () => loadNative('@tensorflow/tfjs-node-gpu', 'libtensorflow, CUDA 11.2 and cuDNN 8.1'),
  },
  tensorflow: {
    device: 'CPU',
    threadsPerEngine: 0,
    load: () => loadNative('@tensorflow/tfjs-node', 'libtensorflow'),
  },
  wasm: {
    device: 'CPU',
    threadsPerEngine: 1,
    load: () => loadBundled('wasm'),
    fallbacks: installWasmFallbacks,
  },
  cpu: { device: 'CPU', threadsPerEngine: 1, load: () => loadBundled('cpu') },
};

export const BACKEND_ORDER: readonly BackendName[] = BackendName.options;

let current: BackendReport | null = null;

/**
 * Pick the best backend: tfjs-node-gpu → tfjs-node → wasm (+cpu for kernels wasm lacks) → cpu.
 * `preference` forces one (and fails loudly if it is unavailable); `auto` walks the table.
 * `TRANSFER_STUDIO_BACKEND` overrides `auto`.
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendReport> {
  const envPref = process.env.TRANSFER_STUDIO_BACKEND as BackendPreference | undefined;
  const pref = preference === 'auto' && envPref && envPref !== 'auto' ? envPref : preference;
  if (current && (pref === 'auto' || pref === current.name)) return current;
  const unavailable: BackendReport['unavailable'] = [];
  for (const name of pref === 'auto' ? BACKEND_ORDER : [pref]) {
    const row = Object.prototype.hasOwnProperty.call(BACKENDS, name) ? BACKENDS[name] : undefined;
    const why = row ? await row.load() : `unknown backend (expected ${BackendPreference.options.join(', ')})`;
    if (why !== null || !row) {
      unavailable.push({ name, why: why ?? 'unknown backend' });
      continue;
    }
    current = {
      name,
      tfBackend: tf.getBackend(),
      device: row.device,
      unavailable,
      threadsPerEngine: row.threadsPerEngine,
      fallbackKernels: row.fallbacks?.() ?? [],
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
