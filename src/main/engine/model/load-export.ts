/** Reading a Transfer Studio tfjs export back: the model, its labels and how it wants its pixels. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResizeMode } from '@shared/train';
import type { PixelOptions } from '../extract/batch';
import type { Preprocessing } from '@shared/preprocessing';
import type { Classifier } from '../predict';
import { tf } from '../tf';
import { fileModelHandler, ModelLoadError } from './io';
// An export of an EfficientNet base holds Keras' Normalization layer: registered before any load.
import '../keras/applications/normalization';

export interface LoadedModel extends Classifier {
  dir: string;
  metadata: Record<string, unknown>;
}

interface ExportMetadata {
  classes?: string[];
  input?: { height: number; width: number; resize?: ResizeMode };
  preprocessing?: Preprocessing;
}

/** Load a Transfer Studio tfjs export (a run folder or its `tfjs/` subfolder). */
export async function loadExportedModel(dir: string): Promise<LoadedModel> {
  let d = path.resolve(dir);
  const hasJson = (p: string) =>
    readFile(path.join(p, 'model.json')).then(
      () => true,
      () => false,
    );
  if (!(await hasJson(d)) && (await hasJson(path.join(d, 'tfjs')))) d = path.join(d, 'tfjs');
  if (!(await hasJson(d)))
    throw new ModelLoadError(`no model.json in ${dir} (expected a Transfer Studio export folder)`);
  const metadata = JSON.parse(
    await readFile(path.join(d, 'metadata.json'), 'utf8').catch(() => '{}'),
  ) as ExportMetadata & Record<string, unknown>;
  const model = await tf.loadLayersModel(fileModelHandler(d));
  const inShape = model.inputs[0].shape;
  const labels =
    metadata.classes ??
    (JSON.parse(await readFile(path.join(d, 'labels.json'), 'utf8').catch(() => 'null')) as
      string[] | null) ??
    Array.from({ length: (model.outputs[0].shape[1] as number) ?? 0 }, (_, i) => `class_${i}`);
  const pixel: PixelOptions = {
    inputSize: [metadata.input?.height ?? inShape[1] ?? 224, metadata.input?.width ?? inShape[2] ?? 224],
    resize: metadata.input?.resize ?? 'stretch',
    preprocessing: metadata.preprocessing ?? 'tf',
  };
  return { dir: d, model, labels, metadata, pixel };
}
