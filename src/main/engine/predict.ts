/**
 * The one prediction path: images (bytes or files) → top-k classes of a model, in batches, decoded and
 * preprocessed exactly as training did. An image that cannot be read or decoded gets an error entry,
 * never a failure of the whole call. The CLI's predict/eval and the app's Try it both use it.
 */
import { readFile } from 'node:fs/promises';
import { prepareBatch, type PixelOptions } from './extract/batch';
import { tf } from './tf';

/** A model ending in class probabilities, with its labels and input pixel format. */
export interface Classifier {
  model: tf.LayersModel;
  labels: string[];
  pixel: PixelOptions;
}

export type ImageSource = { name: string; path: string } | { name: string; bytes: Uint8Array };

export interface TopClass {
  label: string;
  index: number;
  probability: number;
}

export type ImagePrediction =
  | { name: string; bytes: Uint8Array; probabilities: number[]; top: TopClass[]; error: null }
  | { name: string; error: string };

async function bytesOf(input: ImageSource): Promise<Uint8Array | string> {
  if ('bytes' in input) return input.bytes;
  try {
    return new Uint8Array(await readFile(input.path));
  } catch (e) {
    return `unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}

export interface PredictOptions {
  k?: number;
  batchSize?: number;
  /** Checked before each batch; what was predicted so far is dropped. */
  signal?: AbortSignal;
  onAbort?: () => Error;
}

export async function predictImages(
  c: Classifier,
  inputs: ImageSource[],
  o: PredictOptions = {},
): Promise<ImagePrediction[]> {
  const k = o.k ?? 5;
  const batchSize = o.batchSize ?? 16;
  const [h, w] = c.pixel.inputSize;
  const classes = c.labels.length;
  const out: ImagePrediction[] = [];
  for (let s = 0; s < inputs.length; s += batchSize) {
    if (o.signal?.aborted) throw o.onAbort?.() ?? new Error('prediction cancelled');
    const chunk = inputs.slice(s, s + batchSize);
    const bytes = await Promise.all(chunk.map(bytesOf));
    const ok = bytes.map((b) => (typeof b === 'string' ? new Uint8Array(0) : b));
    const batch = await prepareBatch(
      ok.map((b) => ({ bytes: b, augment: null, seed: 0 })),
      c.pixel,
    );
    const probs =
      batch.okCount > 0
        ? tf.tidy(() =>
            (c.model.predict(tf.tensor4d(batch.input, [batch.okCount, h, w, 3])) as tf.Tensor).dataSync(),
          )
        : new Float32Array(0);
    let j = 0;
    chunk.forEach((input, i) => {
      const b = bytes[i];
      const error = typeof b === 'string' ? b : batch.errors[i];
      if (error) {
        out.push({ name: input.name, error });
        return;
      }
      const probabilities = Array.from(probs.subarray(j * classes, (j + 1) * classes));
      j++;
      const top = probabilities
        .map((probability, index) => ({ label: c.labels[index], index, probability }))
        .sort((a, z) => z.probability - a.probability)
        .slice(0, Math.min(k, classes));
      out.push({ name: input.name, bytes: ok[i], probabilities, top, error: null });
    });
  }
  return out;
}
