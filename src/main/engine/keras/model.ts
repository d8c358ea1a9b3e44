/** A whole Keras model file (`.h5` from `model.save`, or a Keras 3 `.keras` archive) → a tfjs LayersModel. */
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { tf } from '../tf';
import { type Json, KerasConfigError, modelFromKerasConfig } from './config';
import { KerasFileError, readStringAttr, withH5 } from './h5';
import { loadKeras3Weights, readKerasArchive, withWeightsFile } from './keras3';
import { loadKerasWeights, type LoadReport } from './weights';

export type KerasFormat = 'h5' | 'keras';

export interface LoadedKerasModel {
  model: tf.LayersModel;
  format: KerasFormat;
  kerasVersion: string | null;
  report: LoadReport;
}

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** What a file is, by its first bytes (extensions lie). */
export async function sniffKerasFormat(file: string): Promise<KerasFormat> {
  let head: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      head = Buffer.alloc(8);
      await fh.read(head, 0, 8, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new KerasFileError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  if (head.equals(HDF5_MAGIC)) return 'h5';
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) return 'keras';
  throw new KerasFileError(`${path.basename(file)} is neither a Keras .h5 (HDF5) nor a .keras (zip) file`);
}

function parseConfig(text: string, label: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new KerasConfigError(`${label}: model_config is not valid JSON (${(e as Error).message})`);
  }
}

/** Load a Keras model file with its weights. Errors name the layer that cannot be built or loaded. */
export async function loadKerasModel(file: string): Promise<LoadedKerasModel> {
  const label = path.basename(file);
  const format = await sniffKerasFormat(file);
  if (format === 'h5') {
    const { config, version } = await withH5(file, 'r', (f) => ({
      config: readStringAttr(f, 'model_config'),
      version: readStringAttr(f, 'keras_version'),
    }));
    if (config === null)
      throw new KerasFileError(
        `${label} holds weights only (no model_config): it needs its architecture — pick the matching base instead`,
      );
    const model = await modelFromKerasConfig(parseConfig(config, label));
    try {
      const loaded = await loadKerasWeights(model, file);
      return { model, format, kerasVersion: version, report: loaded };
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  const archive = await readKerasArchive(file);
  const model = await modelFromKerasConfig(archive.config);
  try {
    const report = await withWeightsFile(archive.weights, (w) =>
      loadKeras3Weights(model, archive.config, w, `${label} (model.weights.h5)`),
    );
    const v = archive.metadata?.keras_version;
    return { model, format, kerasVersion: typeof v === 'string' ? v : null, report };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
