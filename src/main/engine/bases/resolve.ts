import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeDirAtomic } from '../../util/write-dir-atomic';
import { defaultCacheDir, modelMirrors } from '../../util/paths';
import { BASES, findBase, type BaseEntry } from './registry';
import { CodedError } from '@shared/errors';

export class BaseNotFoundError extends CodedError {
  override name = 'BaseNotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export interface ResolveOptions {
  /** A local mirror folder holding `<mirrorName>/model.json` folders (overrides URLs). */
  mirrorDir?: string | null;
  /** Where downloaded bases are kept; defaults to `<cache>/models`. */
  modelsDir?: string;
  /** Allow downloading from the official URL when no local copy exists. */
  download?: boolean;
  fetchImpl?: typeof fetch;
  onProgress?: (done: number, total: number) => void;
}

export interface ResolvedBase {
  dir: string;
  /** Registry entry, or null for a user-supplied folder. */
  entry: BaseEntry | null;
  source: 'path' | 'mirror' | 'cache' | 'download';
}

const hasModel = (dir: string) => existsSync(path.join(dir, 'model.json'));

/** Find a base's model folder: an explicit path, a local mirror, the download cache, or download it. */
export async function resolveBase(idOrDir: string, opts: ResolveOptions = {}): Promise<ResolvedBase> {
  const entry = findBase(idOrDir) ?? null;
  if (!entry) {
    const dir = path.resolve(idOrDir);
    if (hasModel(dir)) return { dir, entry: null, source: 'path' };
    throw new BaseNotFoundError(
      `unknown base "${idOrDir}": not a registry id (${BASES.map((b) => b.id).join(', ')}) nor a folder with model.json`,
    );
  }
  for (const mirror of modelMirrors(opts.mirrorDir)) {
    const dir = path.join(mirror, entry.mirrorName);
    if (hasModel(dir)) return { dir, entry, source: 'mirror' };
  }
  const modelsDir = opts.modelsDir ?? path.join(defaultCacheDir(), 'models');
  const cached = path.join(modelsDir, entry.id);
  if (hasModel(cached)) return { dir: cached, entry, source: 'cache' };
  if (opts.download === false)
    throw new BaseNotFoundError(`base ${entry.id} is not available locally and downloads are off`);
  if (!entry.url) {
    throw new BaseNotFoundError(
      `base ${entry.id} has no tfjs download; its official weights are Keras (${entry.kerasSource?.url}). ` +
        `Convert them once with: ${entry.kerasSource?.convert} — then pass --base <that folder> or put it in a mirror as ${entry.mirrorName}/`,
    );
  }
  await downloadLayersModel(entry.url, cached, opts.fetchImpl ?? fetch, opts.onProgress);
  return { dir: cached, entry, source: 'download' };
}

/** Download model.json and its shards into `dest`, atomically. */
export async function downloadLayersModel(
  url: string,
  dest: string,
  fetchImpl: typeof fetch,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const get = async (u: string) => {
    let res: Response;
    try {
      res = await fetchImpl(u);
    } catch (e) {
      throw new BaseNotFoundError(
        `cannot download ${u}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}. ` +
          `Offline? Put the model in a local mirror (TRANSFER_STUDIO_MODELS) or pass --base <folder>.`,
      );
    }
    if (!res.ok) throw new BaseNotFoundError(`cannot download ${u}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const modelJson = await get(url);
  const manifest = JSON.parse(modelJson.toString('utf8')) as { weightsManifest?: { paths: string[] }[] };
  const paths = (manifest.weightsManifest ?? []).flatMap((g) => g.paths);
  await writeDirAtomic(dest, async (tmp) => {
    await writeFile(path.join(tmp, 'model.json'), modelJson);
    let done = 0;
    for (const p of paths) {
      if (p.includes('..') || path.isAbsolute(p))
        throw new BaseNotFoundError(`refusing weight path ${p} in ${url}`);
      await writeFile(path.join(tmp, p), await get(new URL(p, url).toString()));
      onProgress?.(++done, paths.length);
    }
  });
}
