/**
 * One loader per base family (see `registry.ts`): each turns a registry row or a user's path into a
 * tfjs layers-model folder, downloading and converting what it must, once.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { KERAS_MODEL_FILE } from '@shared/ipc/bases';
import { modelMirrors } from '../../util/paths';
import { buildKerasApplication } from '../keras/applications';
import { importKerasModel } from '../keras/import';
import { ensureKerasBase } from '../keras/registry-base';
import type { DownloadProgress } from './download';
import { convertedKerasBase, localKerasWeights } from './locate';
import type { BaseEntry, BaseFamily, KerasApplicationBase, TfjsDownloadBase } from './registry';
import { downloadLayersModel } from './tfjs-download';
import { BaseNotFoundError, type ResolvedBase } from './types';

export interface FamilyContext {
  /** A local mirror folder (besides TRANSFER_STUDIO_MODELS and ../shared/models). */
  mirrorDir?: string | null;
  /** The model cache: downloads and conversions land here. */
  modelsDir: string;
  /** false: only what is on this machine. */
  download: boolean;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

const hasModel = (dir: string) => existsSync(path.join(dir, 'model.json'));
const offline = (entry: BaseEntry, hint: string) =>
  new BaseNotFoundError(`base ${entry.id} is not on this machine and downloads are off (${hint})`);

type Loader<E> = (entry: E, ctx: FamilyContext) => Promise<ResolvedBase>;

/** Registry families; a mirror's ready-made tfjs folder is checked before any of these (resolve.ts). */
export const REGISTRY_LOADERS: { [F in BaseEntry['family']]: Loader<Extract<BaseEntry, { family: F }>> } = {
  'tfjs-download': async (entry: TfjsDownloadBase, ctx) => {
    const family = 'tfjs-download';
    const dir = path.join(ctx.modelsDir, entry.id);
    if (hasModel(dir)) return { dir, entry, source: 'cache', family };
    if (!ctx.download) throw offline(entry, `or put its folder in a mirror as ${entry.mirrorName}/`);
    await downloadLayersModel(entry.url, dir, ctx);
    return { dir, entry, source: 'download', family };
  },

  'keras-application': async (entry: KerasApplicationBase, ctx) => {
    const family = 'keras-application';
    const converted = convertedKerasBase(entry, ctx.modelsDir);
    if (converted) return { dir: converted, entry, source: 'cache', family };
    if (!ctx.download && !localKerasWeights(entry, ctx))
      throw offline(entry, `or put ${entry.weights.fileName} in a mirror's keras/ folder`);
    const r = await ensureKerasBase(
      {
        id: entry.id,
        displayName: entry.displayName,
        preprocessing: entry.preprocessing,
        featureLayer: entry.featureLayer,
        // Zero kernels: every weight is overwritten from the file (and drawing random ones is slow).
        build: () => buildKerasApplication(entry.id, { init: 'zeros' }),
        weights: {
          url: entry.weights.url,
          fileHash: entry.weights.fileHash,
          fileName: entry.weights.fileName,
        },
        weightsByName: entry.weightsByName,
      },
      {
        modelsDir: ctx.modelsDir,
        mirrorDirs: modelMirrors(ctx.mirrorDir),
        signal: ctx.signal,
        onProgress: ctx.onProgress,
        fetchImpl: ctx.fetchImpl,
      },
    );
    const source =
      r.weightsFrom === 'download' ? 'download' : r.weightsFrom === 'mirror' ? 'mirror' : 'cache';
    return { dir: r.dir, entry, source, family };
  },
};

const isFile = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** A user's file → its imported folder, while the file is unchanged (hashing 500 MB takes seconds). */
const imported = new Map<string, { size: number; mtimeMs: number; dir: string }>();

async function importFile(file: string, ctx: FamilyContext): Promise<string> {
  const key = `${ctx.modelsDir}\0${file}`;
  const st = statSync(file);
  const hit = imported.get(key);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hasModel(hit.dir)) return hit.dir;
  const r = await importKerasModel(file, { modelsDir: ctx.modelsDir });
  imported.set(key, { size: st.size, mtimeMs: st.mtimeMs, dir: r.dir });
  return r.dir;
}

interface UserFamily {
  family: Extract<BaseFamily, 'keras-file' | 'tfjs-folder'>;
  /** What the error lists when nothing matches. */
  what: string;
  matches(p: string): boolean;
  resolve(p: string, ctx: FamilyContext): Promise<ResolvedBase>;
}

/** A user's own model, by path. */
export const USER_FAMILIES: readonly UserFamily[] = [
  {
    family: 'keras-file',
    what: 'a Keras .h5 / .keras model file',
    matches: (p) => KERAS_MODEL_FILE.test(p) && isFile(p),
    resolve: async (p, ctx) => ({
      dir: await importFile(p, ctx),
      entry: null,
      source: 'path',
      family: 'keras-file',
    }),
  },
  {
    family: 'tfjs-folder',
    what: 'a folder with model.json',
    matches: hasModel,
    resolve: async (p) => ({ dir: p, entry: null, source: 'path', family: 'tfjs-folder' }),
  },
];
