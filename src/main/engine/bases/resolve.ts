/**
 * A base reference (registry id, Keras model file or tfjs folder) → a tfjs layers-model folder on this
 * machine: a local mirror's copy first, else the family's loader (`families.ts`), which downloads and
 * converts what it must.
 */
import path from 'node:path';
import { defaultCacheDir } from '../../util/paths';
import type { DownloadProgress } from './download';
import { REGISTRY_LOADERS, USER_FAMILIES, type FamilyContext } from './families';
import { mirroredFolder } from './locate';
import { BASES, findBase, type BaseEntry } from './registry';
import { BaseNotFoundError, type ResolvedBase } from './types';

export { BaseNotFoundError, type ResolvedBase } from './types';
export { downloadLayersModel } from './tfjs-download';

export interface ResolveOptions {
  /** A local mirror folder holding `<mirrorName>/model.json` folders and `keras/<file>.h5` (overrides URLs). */
  mirrorDir?: string | null;
  /** Where downloaded and converted bases are kept; defaults to `<cache>/models`. */
  modelsDir?: string;
  /** Allow downloading from the official URL when no local copy exists (default true). */
  download?: boolean;
  fetchImpl?: typeof fetch;
  /** Cancels a download (the part fetched so far is kept to resume). */
  signal?: AbortSignal;
  /** Download progress: bytes, total, speed, ETA. */
  onProgress?: (p: DownloadProgress) => void;
}

/** Find a base's model folder: a local mirror, the model cache, or its family's download/conversion. */
export async function resolveBase(ref: string, opts: ResolveOptions = {}): Promise<ResolvedBase> {
  const ctx: FamilyContext = {
    mirrorDir: opts.mirrorDir,
    modelsDir: opts.modelsDir ?? path.join(defaultCacheDir(), 'models'),
    download: opts.download ?? true,
    fetchImpl: opts.fetchImpl,
    signal: opts.signal,
    onProgress: opts.onProgress,
  };
  const entry = findBase(ref);
  if (entry) return resolveEntry(entry, ctx);
  const p = path.resolve(ref);
  const user = USER_FAMILIES.find((f) => f.matches(p));
  if (user) return user.resolve(p, ctx);
  throw new BaseNotFoundError(
    `unknown base "${ref}": not a registry id (${BASES.map((b) => b.id).join(', ')}), ` +
      `nor ${USER_FAMILIES.map((f) => f.what).join(', nor ')}`,
  );
}

/** A registry row: its mirrored tfjs folder if any, else its family's loader. */
export async function resolveEntry(entry: BaseEntry, ctx: FamilyContext): Promise<ResolvedBase> {
  const mirrored = mirroredFolder(entry, ctx.mirrorDir);
  if (mirrored) return { dir: mirrored, entry, source: 'mirror', family: entry.family };
  const load = REGISTRY_LOADERS[entry.family] as (e: BaseEntry, c: FamilyContext) => Promise<ResolvedBase>;
  return load(entry, ctx);
}
