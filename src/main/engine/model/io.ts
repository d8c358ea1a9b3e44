import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { CodedError } from '@shared/errors';

type ModelArtifacts = tfTypes.io.ModelArtifacts;
type WeightsManifestConfig = tfTypes.io.WeightsManifestConfig;

export class ModelLoadError extends CodedError {
  override name = 'ModelLoadError';
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

/** tfjs IOHandler reading a layers model (model.json + weight shards) from a local folder. */
export function fileModelHandler(dir: string): tfTypes.io.IOHandler {
  return {
    load: async (): Promise<ModelArtifacts> => {
      const jsonPath = path.join(dir, 'model.json');
      let json: {
        modelTopology?: unknown;
        weightsManifest?: WeightsManifestConfig;
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        userDefinedMetadata?: Record<string, unknown>;
      };
      try {
        json = JSON.parse(await readFile(jsonPath, 'utf8'));
      } catch (e) {
        throw new ModelLoadError(`cannot read ${jsonPath}: ${(e as Error).message}`);
      }
      if (!json.modelTopology || !json.weightsManifest)
        throw new ModelLoadError(
          `${jsonPath} is not a tfjs layers model (needs modelTopology and weightsManifest)`,
        );
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest)
        for (const p of group.paths) {
          try {
            buffers.push(await readFile(path.join(dir, p)));
          } catch (e) {
            throw new ModelLoadError(
              `missing weight shard ${p} in ${dir}: ${(e as NodeJS.ErrnoException).code}`,
            );
          }
        }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology as ModelArtifacts['modelTopology'],
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        userDefinedMetadata: json.userDefinedMetadata as ModelArtifacts['userDefinedMetadata'],
      };
    },
  };
}
