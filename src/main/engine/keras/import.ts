/**
 * "Bring your own Keras model": a `.h5` (`model.save`) or `.keras` file becomes a base. It is converted
 * once into a tfjs layers-model folder in the model cache, keyed by the file's sha256, so everything
 * downstream loads it like any other base (`loadBase({ dir, entry: null, source: 'path' })`).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { guessFeatureLayer } from '../bases/load';
import type { Preprocessing } from '../image/preprocess';
import type { tf } from '../tf';
import { hashFile } from '../../util/hash';
import { defaultCacheDir } from '../../util/paths';
import { writeFileAtomic } from '../../util/write-atomic';
import { type BaseSidecar, SIDECAR, writeBaseFolder } from './base-folder';
import { flattenModel } from './flatten';
import { KerasFileError } from './h5';
import { type KerasFormat, loadKerasModel } from './model';

export interface LayerInfo {
  name: string;
  className: string;
  /** Output shape without the batch dimension (first output when a layer has several). */
  outputShape: (number | null)[];
  params: number;
  /** Whether it can be a feature layer: one 4-D output (a feature map). */
  featureMap: boolean;
}

const LAYERS_FILE = 'layers.json';

/** Every layer with its output shape, in model order: the list a user picks the feature layer from. */
export function listLayers(model: tf.LayersModel): LayerInfo[] {
  return model.layers.map((l) => {
    const raw = l.outputShape as (number | null)[] | (number | null)[][];
    const multi = Array.isArray(raw[0]);
    const first = (multi ? (raw as (number | null)[][])[0] : raw) as (number | null)[];
    return {
      name: l.name,
      className: l.getClassName(),
      outputShape: first.slice(1),
      params: l.countParams(),
      featureMap: !multi && first.length === 4,
    };
  });
}

/** Preprocessing a model carries inside itself (a Rescaling/Normalization right after its input) → 'none'. */
function inModelPreprocessing(model: tf.LayersModel): Preprocessing | null {
  const first = model.layers.find((l) => l.getClassName() !== 'InputLayer');
  return first && /^(Rescaling|Normalization)$/.test(first.getClassName()) ? 'none' : null;
}

export interface KerasImportOptions {
  /** Model cache root (default `<cache>/models`). */
  modelsDir?: string;
  /** Feature layer (default: the last 4-D output before the classifier). */
  featureLayer?: string;
  /** Pixel preprocessing the model expects (default: 'none' if the model rescales itself, else unset → 'tf'). */
  preprocessing?: Preprocessing;
  displayName?: string;
}

export interface ImportedKerasBase {
  /** The tfjs layers-model folder: `loadBase({ dir, entry: null, source: 'path' })`. */
  dir: string;
  sha256: string;
  /** True when an earlier conversion of the same bytes was reused. */
  cached: boolean;
  format: KerasFormat;
  featureLayer: string;
  layers: LayerInfo[];
}

const readJson = async <T>(file: string): Promise<T | null> =>
  readFile(file, 'utf8')
    .then((s) => JSON.parse(s) as T)
    .catch(() => null);

/** A cached conversion is used only if it is complete and records the same source bytes. */
async function readCached(
  dir: string,
  sha256: string,
): Promise<{ sidecar: BaseSidecar; layers: LayerInfo[] } | null> {
  const sidecar = await readJson<BaseSidecar>(path.join(dir, SIDECAR));
  const layers = await readJson<LayerInfo[]>(path.join(dir, LAYERS_FILE));
  if (!sidecar || !layers || sidecar.source?.sha256 !== sha256 || !existsSync(path.join(dir, 'model.json')))
    return null;
  const size = await stat(path.join(dir, 'weights.bin')).then(
    (s) => s.size,
    () => -1,
  );
  return size === sidecar.weightsBytes ? { sidecar, layers } : null;
}

function checkFeatureLayer(layers: LayerInfo[], name: string): void {
  const l = layers.find((x) => x.name === name);
  if (!l) throw new KerasFileError(`feature layer "${name}" is not a layer of this model`);
  if (!l.featureMap)
    throw new KerasFileError(
      `layer "${name}" outputs [${l.outputShape.join(',')}]; a feature layer must output a 4-D feature map`,
    );
}

/** Convert (once) a user's Keras model file into a cached base folder. */
export async function importKerasModel(
  file: string,
  opts: KerasImportOptions = {},
): Promise<ImportedKerasBase> {
  const sha256 = await hashFile(file, 'sha256').catch((e: NodeJS.ErrnoException) => {
    throw new KerasFileError(`cannot read ${file}: ${e.code ?? e.message}`);
  });
  const dir = path.join(
    opts.modelsDir ?? path.join(defaultCacheDir(), 'models'),
    `keras-${sha256.slice(0, 16)}`,
  );
  const cached = await readCached(dir, sha256);
  if (cached) {
    const featureLayer = opts.featureLayer ?? cached.sidecar.featureLayer!;
    const changed: BaseSidecar = {
      ...cached.sidecar,
      featureLayer,
      ...(opts.preprocessing ? { preprocessing: opts.preprocessing } : {}),
      ...(opts.displayName ? { displayName: opts.displayName } : {}),
    };
    if (JSON.stringify(changed) !== JSON.stringify(cached.sidecar)) {
      checkFeatureLayer(cached.layers, featureLayer);
      await writeFileAtomic(path.join(dir, SIDECAR), JSON.stringify(changed, null, 2));
    }
    const format = (cached.sidecar.source?.format ?? 'h5') as KerasFormat;
    return { dir, sha256, cached: true, format, featureLayer, layers: cached.layers };
  }
  const loaded = await loadKerasModel(file);
  const flat = await flattenModel(loaded.model);
  try {
    const layers = listLayers(flat);
    const featureLayer = opts.featureLayer ?? guessFeatureLayer(flat);
    checkFeatureLayer(layers, featureLayer);
    const preprocessing = opts.preprocessing ?? inModelPreprocessing(flat);
    await writeBaseFolder(
      flat,
      dir,
      {
        displayName: opts.displayName ?? path.basename(file).replace(/\.(h5|hdf5|keras)$/i, ''),
        ...(preprocessing ? { preprocessing } : {}),
        featureLayer,
        source: {
          file: path.basename(file),
          sha256,
          format: loaded.format,
          kerasVersion: loaded.kerasVersion,
        },
      },
      { [LAYERS_FILE]: layers },
    );
    return { dir, sha256, cached: false, format: loaded.format, featureLayer, layers };
  } finally {
    if (flat !== loaded.model) flat.dispose();
    loaded.model.dispose();
  }
}

/** Change an imported base's feature layer (the user's pick from `listLayers`). */
export async function setFeatureLayer(dir: string, featureLayer: string): Promise<void> {
  const sidecar = await readJson<BaseSidecar>(path.join(dir, SIDECAR));
  const layers = await readJson<LayerInfo[]>(path.join(dir, LAYERS_FILE));
  if (!sidecar || !layers) throw new KerasFileError(`${dir} is not an imported Keras base`);
  checkFeatureLayer(layers, featureLayer);
  await writeFileAtomic(path.join(dir, SIDECAR), JSON.stringify({ ...sidecar, featureLayer }, null, 2));
}

/** The layer list of an imported base (no model load). */
export async function importedLayers(dir: string): Promise<LayerInfo[]> {
  const layers = await readJson<LayerInfo[]>(path.join(dir, LAYERS_FILE));
  if (!layers) throw new KerasFileError(`${dir} is not an imported Keras base`);
  return layers;
}
