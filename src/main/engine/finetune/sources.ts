import { hashString } from '../util/random';
import { tf } from '../tf';
import type { BatchSource, ValSource } from '../train/loop';
import type { BoundaryItem } from './extract';
import { unpackBoundary, type BoundarySplit } from './split';

type Split = Pick<BoundarySplit, 'boundary' | 'size' | 'top'>;

const labelsOf = (items: BoundaryItem[]) => Int32Array.from(items, (it) => it.file.classIndex);

/** Rows of every boundary tensor of a sample back to back: [n, split.size]. */
function pack(items: BoundaryItem[], indices: number[], viewOf: (i: number) => number, split: Split) {
  const buf = new Float32Array(indices.length * split.size);
  indices.forEach((idx, j) => {
    let o = j * split.size;
    const arrays = items[idx].views[viewOf(idx)];
    for (let b = 0; b < split.boundary.length; b++) {
      buf.set(arrays[b], o);
      o += split.boundary[b].size;
    }
  });
  return tf.tensor2d(buf, [indices.length, split.size]);
}

/**
 * Cached boundary tensors of the training images. With K augmented views, epoch e sees view
 * (offset(i) + e) mod K of image i, as the head phase does with cached features.
 */
export function boundaryTrainSource(items: BoundaryItem[], split: Split): BatchSource {
  return {
    size: items.length,
    labels: labelsOf(items),
    batch: async (indices, epoch) =>
      pack(items, indices, (i) => (hashString(items[i].hash) + epoch) % items[i].views.length, split),
  };
}

/** The unfrozen top in inference mode (BatchNorm on its ImageNet statistics), from packed rows. */
export function topFeatures(x: tf.Tensor, split: Split): tf.Tensor {
  return tf.tidy(() => split.top.apply(unpackBoundary(x, split), { training: false }) as tf.Tensor);
}

/** Probabilities of the clean view: cached boundary → unfrozen top → head. */
export function boundaryValSource(items: BoundaryItem[], split: Split, head: tf.LayersModel): ValSource {
  return {
    size: items.length,
    labels: labelsOf(items),
    predict: async (s, e) => {
      const x = pack(
        items,
        Array.from({ length: e - s }, (_, j) => s + j),
        () => 0,
        split,
      );
      const probs = tf.tidy(() => head.predict(topFeatures(x, split)) as tf.Tensor2D);
      x.dispose();
      return probs;
    },
  };
}
