import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../tf';
import { writeDirAtomic } from '../../util/write-dir-atomic';

export interface TfjsExportResult {
  dir: string;
  bytes: number;
}

/**
 * tfjs layers model (model.json + one weights file), labels.json and metadata.json, written to a temp
 * folder and renamed into place.
 */
export async function exportTfjs(
  model: tf.LayersModel,
  dir: string,
  labels: string[],
  metadata: Record<string, unknown>,
): Promise<TfjsExportResult> {
  let bytes = 0;
  await writeDirAtomic(dir, async (tmp) => {
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
        await writeFile(path.join(tmp, 'model.json'), json);
        await writeFile(path.join(tmp, 'weights.bin'), weights);
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
    await writeFile(path.join(tmp, 'labels.json'), JSON.stringify(labels, null, 2));
    await writeFile(path.join(tmp, 'metadata.json'), JSON.stringify(metadata, null, 2));
  });
  return { dir, bytes };
}
