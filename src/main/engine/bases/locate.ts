/**
 * Where a registry base is, checked on disk only (nothing loaded, no tfjs): what the Model screen's
 * cards show. One check per family, as the loaders in `families.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { modelMirrors } from '../../util/paths';
import type { BaseEntry, KerasApplicationBase, TfjsDownloadBase } from './registry';

export interface BaseAvailability {
  /** local: usable without the network; download: fetched on first use. */
  state: 'local' | 'download';
  /** Where it is, or where it would come from. */
  detail: string;
}

export interface LocateOptions {
  modelsDir: string;
  mirrorDir?: string | null;
}

const hasModel = (dir: string) => existsSync(path.join(dir, 'model.json'));
const mb = (n: number) => `${Math.round(n / 1e6)} MB`;

/** A mirror's tfjs folder `<mirror>/<mirrorName>` (any family can be mirrored ready-made). */
export function mirroredFolder(entry: BaseEntry, mirrorDir?: string | null): string | null {
  for (const m of modelMirrors(mirrorDir)) {
    const dir = path.join(m, entry.mirrorName);
    if (hasModel(dir)) return dir;
  }
  return null;
}

/** A Keras application converted earlier from the file with this hash (the loader's cache). */
export function convertedKerasBase(entry: KerasApplicationBase, modelsDir: string): string | null {
  const dir = path.join(modelsDir, entry.id);
  try {
    const sidecar = JSON.parse(readFileSync(path.join(dir, 'transfer-studio.json'), 'utf8')) as {
      source?: { fileHash?: string };
    };
    return sidecar.source?.fileHash === entry.weights.fileHash && hasModel(dir) ? dir : null;
  } catch {
    return null;
  }
}

/** A local copy of a Keras application's weight file: `<mirror>/keras/<fileName>` or an earlier download. */
export function localKerasWeights(
  entry: KerasApplicationBase,
  o: LocateOptions,
): { file: string; from: 'mirror' | 'cache' } | null {
  for (const m of modelMirrors(o.mirrorDir)) {
    const file = path.join(m, 'keras', entry.weights.fileName);
    if (existsSync(file)) return { file, from: 'mirror' };
  }
  const file = path.join(o.modelsDir, 'downloads', entry.weights.fileName);
  return existsSync(file) ? { file, from: 'cache' } : null;
}

type Locator<E> = (entry: E, o: LocateOptions) => BaseAvailability;

const LOCATORS: { [F in BaseEntry['family']]: Locator<Extract<BaseEntry, { family: F }>> } = {
  'tfjs-download': (entry: TfjsDownloadBase, o) => {
    const cached = path.join(o.modelsDir, entry.id);
    if (hasModel(cached)) return { state: 'local', detail: cached };
    return {
      state: 'download',
      detail: `downloads from ${new URL(entry.url).host} on first use (${mb(entry.sizeBytes)})`,
    };
  },
  'keras-application': (entry: KerasApplicationBase, o) => {
    const converted = convertedKerasBase(entry, o.modelsDir);
    if (converted) return { state: 'local', detail: converted };
    const weights = localKerasWeights(entry, o);
    if (weights) return { state: 'local', detail: `converts ${weights.file} on first use` };
    return {
      state: 'download',
      detail: `Keras' weights from ${new URL(entry.weights.url).host} on first use (${mb(entry.sizeBytes)}, md5-verified)`,
    };
  },
};

export function locateBase(entry: BaseEntry, o: LocateOptions): BaseAvailability {
  const mirrored = mirroredFolder(entry, o.mirrorDir);
  if (mirrored) return { state: 'local', detail: mirrored };
  return (LOCATORS[entry.family] as Locator<BaseEntry>)(entry, o);
}
