import { readFile } from 'node:fs/promises';
import type { AugmentSpec } from '../../../shared/augment';
import { readVector, type FeatureItem } from '../extract/features';
import { prepareBatch, type PixelOptions } from '../extract/batch';
import type { FeatureBase } from '../bases/load';
import { hashString, mixSeed, mulberry32, shuffleInPlace } from '../../../shared/random';
import { tf } from '../tf';
import type { BatchSource, ValSource } from './loop';

export function seededShuffle(seed: number) {
  return (n: number, epoch: number) =>
    shuffleInPlace(
      Array.from({ length: n }, (_, i) => i),
      mulberry32(mixSeed(seed, epoch)),
    );
}

const labelsOf = (items: FeatureItem[]) => Int32Array.from(items, (it) => it.file.classIndex);

async function stack(
  items: FeatureItem[],
  indices: number[],
  pickView: (i: number) => number,
  featureShape: number[],
): Promise<tf.Tensor> {
  const size = featureShape.reduce((a, b) => a * b, 1);
  const buf = new Float32Array(indices.length * size);
  await Promise.all(
    indices.map(async (idx, j) => buf.set(await readVector(items[idx].views[pickView(idx)]), j * size)),
  );
  return tf.tensor(buf, [indices.length, ...featureShape]);
}

/** Cached features; with K augmented views, epoch e sees view (offset(i) + e) mod K of image i. */
export function featureTrainSource(items: FeatureItem[], featureShape: number[]): BatchSource {
  return {
    size: items.length,
    labels: labelsOf(items),
    batch: async (indices, epoch) =>
      stack(items, indices, (i) => (hashString(items[i].hash) + epoch) % items[i].views.length, featureShape),
  };
}

export function featureValSource(
  items: FeatureItem[],
  featureShape: number[],
  head: tf.LayersModel,
): ValSource {
  return {
    size: items.length,
    labels: labelsOf(items),
    predict: async (s, e) => {
      const x = await stack(
        items,
        Array.from({ length: e - s }, (_, j) => s + j),
        () => 0,
        featureShape,
      );
      const probs = head.predict(x) as tf.Tensor2D;
      x.dispose();
      return probs;
    },
  };
}

async function imageBatch(
  items: FeatureItem[],
  indices: number[],
  pixel: PixelOptions,
  augment: AugmentSpec | null,
  seed: number,
) {
  const batch = await prepareBatch(
    await Promise.all(
      indices.map(async (i) => ({
        bytes: new Uint8Array(await readFile(items[i].file.path)),
        augment,
        seed: mixSeed(seed, hashString(items[i].hash)),
      })),
    ),
    pixel,
  );
  const bad = batch.errors.find((e) => e !== null);
  if (bad) throw new Error(`an image that decoded before no longer does: ${bad}`);
  return tf.tensor4d(batch.input, [batch.okCount, pixel.inputSize[0], pixel.inputSize[1], 3]);
}

/** Images through the whole model (fine-tuning): decoded per batch, freshly augmented every epoch. */
export function imageTrainSource(
  items: FeatureItem[],
  pixel: PixelOptions,
  augment: AugmentSpec | null,
  seed: number,
): BatchSource {
  return {
    size: items.length,
    labels: labelsOf(items),
    batch: (indices, epoch) => imageBatch(items, indices, pixel, augment, mixSeed(seed, epoch)),
  };
}

export function imageValSource(
  items: FeatureItem[],
  pixel: PixelOptions,
  base: FeatureBase,
  head: tf.LayersModel,
): ValSource {
  return {
    size: items.length,
    labels: labelsOf(items),
    predict: async (s, e) => {
      const x = await imageBatch(
        items,
        Array.from({ length: e - s }, (_, j) => s + j),
        pixel,
        null,
        0,
      );
      const out = tf.tidy(() => head.predict(base.model.predict(x) as tf.Tensor) as tf.Tensor2D);
      x.dispose();
      return out;
    },
  };
}
