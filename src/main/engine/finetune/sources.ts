import type { FeatureItem } from '../extract/features';
import { tf } from '../tf';
import type { ValSource } from '../train/loop';
import { featureTrainSource, type FeatureTrainSource } from '../train/sources';
import type { BoundaryRows } from './extract';
import { unpackBoundary, type BoundarySplit } from './split';

type Split = Pick<BoundarySplit, 'boundary' | 'top'>;

/**
 * Cached boundary rows of the training images, read like cached features (in memory, or streamed in
 * sequential windows): with K augmented views, epoch e sees view (offset(i) + e) mod K of image i.
 */
export function boundaryTrainSource(
  rows: BoundaryRows,
  items: FeatureItem[],
  seed: number,
): FeatureTrainSource {
  return featureTrainSource(rows.table, items, [rows.size], seed);
}

/** The unfrozen top in inference mode (BatchNorm on its ImageNet statistics), from packed rows. */
export function topFeatures(x: tf.Tensor, split: Split): tf.Tensor {
  return tf.tidy(() => split.top.apply(unpackBoundary(x, split), { training: false }) as tf.Tensor);
}

/** Probabilities of the clean view: cached boundary → unfrozen top → head. */
export function boundaryValSource(
  rows: BoundaryRows,
  items: FeatureItem[],
  split: Split,
  head: tf.LayersModel,
): ValSource {
  return {
    size: items.length,
    labels: Int32Array.from(items, (it) => it.file.classIndex),
    predict: async (s, e) => {
      const buf = new Float32Array((e - s) * rows.size);
      await rows.table.read(
        items.slice(s, e).map((it) => it.views[0]),
        buf,
      );
      const x = tf.tensor2d(buf, [e - s, rows.size]);
      const probs = tf.tidy(() => head.predict(topFeatures(x, split)) as tf.Tensor2D);
      x.dispose();
      return probs;
    },
  };
}
