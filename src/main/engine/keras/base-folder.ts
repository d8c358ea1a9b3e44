/** Write a tfjs LayersModel as a base folder the engine loads unchanged (`bases/load.ts` `loadBase`). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Preprocessing } from '../image/preprocess';
import { tf } from '../tf';
import { writeDirAtomic } from '../../util/write-dir-atomic';

/** `transfer-studio.json` beside `model.json` (read by `loadBase`); `source` records where it came from. */
export interface BaseSidecar {
  displayName?: string;
  preprocessing?: Preprocessing;
  featureLayer?: string;
  source?: {
    file: string;
    /** sha256 of the source file (user imports are keyed by it). */
    sha256?: string;
    /** The registry's Keras `file_hash` the weights were verified against. */
    fileHash?: string;
    format: string;
    kerasVersion: string | null;
  };
  weightsBytes?: number;
}

export const SIDECAR = 'transfer-studio.json';

/**
 * model.json + weights.bin + the sidecar (+ any extra JSON files), built in a temp folder and renamed
 * into place: a crash never leaves a half-converted base in the cache.
 */
export async function writeBaseFolder(
  model: tf.LayersModel,
  dir: string,
  sidecar: BaseSidecar,
  extra: Record<string, unknown> = {},
): Promise<{ bytes: number }> {
  let bytes = 0;
  await writeDirAtomic(dir, async (tmp) => {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weights = Buffer.from(artifacts.weightData as ArrayBuffer);
        const json = JSON.stringify({
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: 'Transfer Studio (Keras import)',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        });
        await writeFile(path.join(tmp, 'model.json'), json);
        await writeFile(path.join(tmp, 'weights.bin'), weights);
        bytes = json.length + weights.byteLength;
        sidecar = { ...sidecar, weightsBytes: weights.byteLength };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    await writeFile(path.join(tmp, SIDECAR), JSON.stringify(sidecar, null, 2));
    for (const [name, value] of Object.entries(extra))
      await writeFile(path.join(tmp, name), JSON.stringify(value, null, 2));
  });
  return { bytes };
}
