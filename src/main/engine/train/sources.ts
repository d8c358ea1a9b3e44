import type { FeatureItem } from '../extract/features';
import type { FeatureTable } from '../store/table';
import { planWindows, WindowReader, type EpochPlan } from '../store/windows';
import { hashString, mixSeed, mulberry32, shuffleInPlace } from '@shared/random';
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

/** With K augmented views, epoch e sees view (offset(i) + e) mod K of image i. */
const viewRow = (it: FeatureItem, epoch: number) => it.views[(hashString(it.hash) + epoch) % it.views.length];

/** Loads a list of items' rows (one view each) into a fresh buffer, in list order. */
const loader =
  (table: FeatureTable, rowOf: (item: number) => number) =>
  async (list: number[]): Promise<Float32Array> => {
    const out = new Float32Array(list.length * table.vectorSize);
    await table.read(
      list.map((i) => rowOf(i)),
      out,
    );
    return out;
  };

export type FeatureTrainSource = BatchSource & {
  /** The epoch order to train in: pass it to the training loop as its `shuffle`. */
  shuffle: (n: number, epoch: number) => number[];
  /** The vectors of a batch as one [n × …inputShape] array (what `batch` makes a tensor of), into `out` if given. */
  rows(indices: number[], epoch: number, out?: Float32Array): Promise<Float32Array>;
};

/** An epoch plan of one window holding every item, in `order`. */
function singleWindow(order: number[]): EpochPlan {
  const windowOf = new Int32Array(order.length);
  const slotOf = new Int32Array(order.length);
  order.forEach((item, slot) => (slotOf[item] = slot));
  return { order, windows: [order], windowOf, slotOf };
}

/**
 * Stored vectors for the head phase. In memory: a full seeded shuffle, each batch decoded on demand.
 * Streamed: the epoch is planned in windows of large sequential reads (see planWindows), read ahead one
 * window at a time, so memory stays bounded however large the dataset.
 */
export function featureTrainSource(
  table: FeatureTable,
  items: FeatureItem[],
  inputShape: number[],
  seed: number,
): FeatureTrainSource {
  const size = table.vectorSize;
  const tensor = (buf: Float32Array, n: number) => tf.tensor(buf, [n, ...inputShape]);
  if (table.mode === 'memory') {
    const rows = async (indices: number[], epoch: number, out?: Float32Array) => {
      const buf = out ? out.subarray(0, indices.length * size) : new Float32Array(indices.length * size);
      await table.read(
        indices.map((i) => viewRow(items[i], epoch)),
        buf,
      );
      return buf;
    };
    return {
      size: items.length,
      labels: labelsOf(items),
      shuffle: seededShuffle(seed),
      rows,
      batch: async (indices, epoch) => tensor(await rows(indices, epoch), indices.length),
    };
  }
  let current: { epoch: number; plan: EpochPlan; reader: WindowReader } | null = null;
  const planFor = (epoch: number) => {
    if (current?.epoch !== epoch) {
      const positions = Float64Array.from(items, (it) => table.position(viewRow(it, epoch)));
      let plan = planWindows(
        positions,
        { storedBytesPerRow: table.storedBytesPerRow, decodedBytesPerRow: size * 4 },
        mulberry32(mixSeed(seed, epoch)),
      );
      // Everything fits in one window: train in the in-memory order, so the run does not depend on where
      // its records landed on disk (which the order of parallel extraction decides).
      if (plan.windows.length === 1) plan = singleWindow(seededShuffle(seed)(items.length, epoch));
      const reader = new WindowReader(
        plan,
        size,
        loader(table, (i) => viewRow(items[i], epoch)),
      );
      current = { epoch, plan, reader };
    }
    return current;
  };
  const rows = async (indices: number[], epoch: number, out?: Float32Array) => {
    const buf = out ? out.subarray(0, indices.length * size) : new Float32Array(indices.length * size);
    await planFor(epoch).reader.gather(indices, buf);
    return buf;
  };
  return {
    size: items.length,
    labels: labelsOf(items),
    shuffle: (_n, epoch) => planFor(epoch).plan.order,
    rows,
    batch: async (indices, epoch) => tensor(await rows(indices, epoch), indices.length),
  };
}

/** Validation/test vectors (the clean view) in item order; streamed in sequential windows when on disk. */
export function featureValSource(
  table: FeatureTable,
  items: FeatureItem[],
  inputShape: number[],
  head: tf.LayersModel,
): ValSource {
  const size = table.vectorSize;
  const rowOf = (i: number) => items[i].views[0];
  const read =
    table.mode === 'memory'
      ? (indices: number[], out: Float32Array) => table.read(indices.map(rowOf), out)
      : (() => {
          const plan = planWindows(
            Float64Array.from(items, (_, i) => i),
            { storedBytesPerRow: table.storedBytesPerRow, decodedBytesPerRow: size * 4 },
            null,
          );
          let reader = new WindowReader(plan, size, loader(table, rowOf));
          let last = -1;
          return (indices: number[], out: Float32Array) => {
            // Evaluation passes restart from the top: start a fresh reader (drops the held windows).
            if (indices[0] <= last) reader = new WindowReader(plan, size, loader(table, rowOf));
            last = indices[indices.length - 1];
            return reader.gather(indices, out);
          };
        })();
  return {
    size: items.length,
    labels: labelsOf(items),
    rows: async (s, e, out) => {
      const buf = out.subarray(0, (e - s) * size);
      await read(
        Array.from({ length: e - s }, (_, j) => s + j),
        buf,
      );
      return buf;
    },
    predict: async (s, e) => {
      const indices = Array.from({ length: e - s }, (_, j) => s + j);
      const buf = new Float32Array(indices.length * size);
      await read(indices, buf);
      const x = tf.tensor(buf, [indices.length, ...inputShape]);
      const probs = head.predict(x) as tf.Tensor2D;
      x.dispose();
      return probs;
    },
  };
}
