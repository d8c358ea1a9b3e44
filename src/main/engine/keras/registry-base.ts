/**
 * A registry base from Keras' own weights: an architecture builder (tfjs layers code named as
 * `keras.applications` names its layers) + the official `*_notop.h5` (downloaded hash-verified, or from a
 * local mirror's `keras/` folder), converted once into a tfjs layers-model folder in the model cache.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { downloadFile, type DownloadProgress } from '../bases/download';
import type { Preprocessing } from '../image/preprocess';
import type { tf } from '../tf';
import { defaultCacheDir } from '../../util/paths';
import { type BaseSidecar, SIDECAR, writeBaseFolder } from './base-folder';
import { type LoadReport, type LoadWeightsOptions, loadKerasWeights } from './weights';

export interface KerasWeightsSource {
  /** Keras' official URL (`keras.applications` `WEIGHTS_PATH_NO_TOP`). */
  url: string;
  /** The `file_hash` Keras checks it against (sha256, or md5 for the older files). */
  fileHash: string;
  /** File name (default: the URL's); a mirror holds it as `keras/<fileName>`. */
  fileName?: string;
}

export interface KerasBaseSpec {
  id: string;
  displayName: string;
  preprocessing: Preprocessing;
  featureLayer: string;
  /** Builds the architecture (weights are overwritten from the file). */
  build: () => tf.LayersModel | Promise<tf.LayersModel>;
  weights: KerasWeightsSource;
  /** false: load the file in layer order, as Keras does (default: layers by name). */
  weightsByName?: boolean;
}

export interface EnsureKerasBaseOptions {
  /** Model cache root (default `<cache>/models`); the base lands in `<modelsDir>/<id>`. */
  modelsDir?: string;
  /** Local mirrors (default: the configured ones); `<mirror>/keras/<fileName>` overrides the URL. */
  mirrorDirs?: string[];
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
  /** Keep the downloaded .h5 after conversion (default: removed; the folder holds the same weights). */
  keepDownload?: boolean;
}

export interface EnsuredKerasBase {
  /** tfjs layers-model folder: `loadBase({ dir, entry, source: 'cache' })`. */
  dir: string;
  /** 'cache' when an earlier conversion from the same file hash was reused. */
  source: 'cache' | 'converted';
  weightsFrom: 'mirror' | 'cache' | 'download' | null;
  report: LoadReport | null;
}

/** Load a Keras weights file into a built architecture and write it as a base folder (atomically). */
export async function buildKerasBase(
  model: tf.LayersModel,
  weightsFile: string,
  dir: string,
  sidecar: BaseSidecar,
  load: LoadWeightsOptions = {},
): Promise<LoadReport> {
  const report = await loadKerasWeights(model, weightsFile, load);
  const source = {
    file: path.basename(weightsFile),
    format: 'h5',
    ...sidecar.source,
    kerasVersion: report.kerasVersion,
  };
  await writeBaseFolder(model, dir, { ...sidecar, source });
  return report;
}

async function cachedFor(dir: string, fileHash: string): Promise<boolean> {
  const sidecar = await readFile(path.join(dir, SIDECAR), 'utf8')
    .then((s) => JSON.parse(s) as BaseSidecar)
    .catch(() => null);
  if (!sidecar || sidecar.source?.fileHash !== fileHash) return false;
  const size = await stat(path.join(dir, 'weights.bin')).then(
    (s) => s.size,
    () => -1,
  );
  return size === sidecar.weightsBytes;
}

/** The base folder for `spec`, converting it from Keras' weights file the first time. */
export async function ensureKerasBase(
  spec: KerasBaseSpec,
  opts: EnsureKerasBaseOptions = {},
): Promise<EnsuredKerasBase> {
  const modelsDir = opts.modelsDir ?? path.join(defaultCacheDir(), 'models');
  const dir = path.join(modelsDir, spec.id);
  const fileHash = spec.weights.fileHash.toLowerCase();
  if (await cachedFor(dir, fileHash)) return { dir, source: 'cache', weightsFrom: null, report: null };
  const fileName = spec.weights.fileName ?? path.basename(new URL(spec.weights.url).pathname);
  const got = await downloadFile({
    url: spec.weights.url,
    dest: path.join(modelsDir, 'downloads', fileName),
    fileHash,
    mirrorDirs: opts.mirrorDirs,
    mirrorName: path.join('keras', fileName),
    signal: opts.signal,
    onProgress: opts.onProgress,
    fetchImpl: opts.fetchImpl,
  });
  const model = await spec.build();
  try {
    const report = await buildKerasBase(
      model,
      got.path,
      dir,
      {
        displayName: spec.displayName,
        preprocessing: spec.preprocessing,
        featureLayer: spec.featureLayer,
        source: { file: fileName, fileHash, format: 'h5', kerasVersion: null },
      },
      { byName: spec.weightsByName ?? true },
    );
    if (got.source === 'download' && !opts.keepDownload) await rm(got.path, { force: true });
    return { dir, source: 'converted', weightsFrom: got.source, report };
  } finally {
    model.dispose();
  }
}
