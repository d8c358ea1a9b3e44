import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeDirAtomic } from '../../util/write-dir-atomic';
import { tf } from '../tf';

/**
 * A tfjs layers model (model.json + one weights file), labels.json and metadata.json, written into
 * `dir` (an existing, empty folder; the caller makes the write atomic). Resolves to the bytes written
 * for the model.
 */
export async function writeTfjs(
  model: tf.LayersModel,
  dir: string,
  labels: string[],
  metadata: Record<string, unknown>,
): Promise<number> {
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = Buffer.from(artifacts.weightData as ArrayBuffer);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: 'Transfer Studio',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: { labels },
      };
      const json = JSON.stringify(modelJson);
      await writeFile(path.join(dir, 'model.json'), json);
      await writeFile(path.join(dir, 'weights.bin'), weights);
      bytes += json.length + weights.byteLength;
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    }),
  );
  await writeFile(path.join(dir, 'labels.json'), JSON.stringify(labels, null, 2));
  await writeFile(path.join(dir, 'metadata.json'), JSON.stringify(metadata, null, 2));
  return bytes;
}

/** `writeTfjs` into `dir` as a whole: built in a temp folder, then renamed into place. */
export async function exportTfjs(
  model: tf.LayersModel,
  dir: string,
  labels: string[],
  metadata: Record<string, unknown>,
): Promise<{ dir: string; bytes: number }> {
  let bytes = 0;
  await writeDirAtomic(dir, async (tmp) => {
    bytes = await writeTfjs(model, tmp, labels, metadata);
  });
  return { dir, bytes };
}
