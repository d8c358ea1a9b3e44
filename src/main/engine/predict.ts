import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResizeMode } from '../../shared/train';
import { prepareBatch, type PixelOptions } from './extract/batch';
import type { Preprocessing } from './image/preprocess';
import { fileModelHandler, ModelLoadError } from './model/io';
import { tf } from './tf';

export interface LoadedModel {
  dir: string;
  model: tf.LayersModel;
  labels: string[];
  pixel: PixelOptions;
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
  return {
    dir: d,
    model,
    labels,
    metadata,
    pixel: {
      inputSize: [metadata.input?.height ?? inShape[1] ?? 224, metadata.input?.width ?? inShape[2] ?? 224],
      resize: metadata.input?.resize ?? 'stretch',
      preprocessing: metadata.preprocessing ?? 'tf',
    },
  };
}

export type FilePrediction =
  | { file: string; probabilities: number[]; top: { label: string; index: number; probability: number }[] }
  | { file: string; error: string };

/** Top-k per image, in batches; an unreadable image gets an error entry, not a failure. */
export async function predictFiles(
  m: LoadedModel,
  files: string[],
  k = 5,
  batchSize = 16,
): Promise<FilePrediction[]> {
  const out: FilePrediction[] = [];
  for (let s = 0; s < files.length; s += batchSize) {
    const chunk = files.slice(s, s + batchSize);
    const items = await Promise.all(
      chunk.map(async (f) => {
        try {
          return { bytes: new Uint8Array(await readFile(f)), augment: null, seed: 0 };
        } catch (e) {
          return {
            bytes: new Uint8Array(0),
            augment: null,
            seed: 0,
            readError: (e as NodeJS.ErrnoException).code ?? String(e),
          };
        }
      }),
    );
    const batch = await prepareBatch(items, m.pixel);
    const [h, w] = m.pixel.inputSize;
    const probs =
      batch.okCount > 0
        ? tf.tidy(() =>
            (m.model.predict(tf.tensor4d(batch.input, [batch.okCount, h, w, 3])) as tf.Tensor).dataSync(),
          )
        : new Float32Array(0);
    const c = m.labels.length;
    let j = 0;
    chunk.forEach((file, i) => {
      const err = (items[i] as { readError?: string }).readError ?? batch.errors[i];
      if (err) {
        out.push({
          file,
          error: (items[i] as { readError?: string }).readError ? `unreadable: ${err}` : err,
        });
        return;
      }
      const row = Array.from(probs.subarray(j * c, (j + 1) * c));
      j++;
      const top = row
        .map((p, index) => ({ label: m.labels[index], index, probability: p }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, Math.min(k, c));
      out.push({ file, probabilities: row, top });
    });
  }
  return out;
}
