import type { FeatureItem, FeatureSet } from '../extract/features';
import { globalPool } from '../store/pool';

/** Rows read per table call: large sequential reads when streamed, bounded memory either way. */
const READ_ROWS = 1024;

/**
 * Global-average-pooled embeddings of items' clean view (views[0]: the caller passes a set extracted
 * without augmentation, or val/test items), one row per item, [n × channels]. Pooled sets are read as
 * they are; full maps are pooled one read at a time, so memory holds only the pooled rows.
 */
export async function pooledEmbeddings(
  set: Pick<FeatureSet, 'table' | 'form' | 'featureShape' | 'vectorSize'>,
  items: readonly Pick<FeatureItem, 'views'>[],
  /** Where the rows go ([items × dim]); default: a new array. */
  into?: (count: number, dim: number) => Float32Array,
): Promise<{ data: Float32Array; dim: number }> {
  if (set.form === 'max') throw new Error('embeddings are average-pooled: a max-pooled set cannot give them');
  const dim = set.featureShape[set.featureShape.length - 1];
  const data = into ? into(items.length, dim) : new Float32Array(items.length * dim);
  if (data.length !== items.length * dim) throw new Error('pooledEmbeddings: `into` gave the wrong size');
  const buf = set.form === 'full' ? new Float32Array(READ_ROWS * set.vectorSize) : null;
  for (let s = 0; s < items.length; s += READ_ROWS) {
    const n = Math.min(READ_ROWS, items.length - s);
    const rows = Array.from({ length: n }, (_, j) => items[s + j].views[0]);
    if (!buf) {
      await set.table.read(rows, data.subarray(s * dim, (s + n) * dim));
      continue;
    }
    await set.table.read(rows, buf.subarray(0, n * set.vectorSize));
    for (let j = 0; j < n; j++)
      data.set(
        globalPool(buf.subarray(j * set.vectorSize, (j + 1) * set.vectorSize), dim, 'avg'),
        (s + j) * dim,
      );
  }
  return { data, dim };
}

function normaliseRows(x: Float32Array, dim: number): void {
  for (let o = 0; o < x.length; o += dim) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += x[o + c] * x[o + c];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let c = 0; c < dim; c++) x[o + c] *= inv;
  }
}

/**
 * Rows made comparable by one dot product: L2-normalised, minus their mean, L2-normalised again.
 * Pooled ReLU features all lie in the positive orthant, so raw cosines of unrelated photos sit at
 * 0.35–0.6 and vary by base; removing the shared direction puts unrelated photos near 0 on every base,
 * so one threshold means the same thing everywhere. The mean is shrunk towards 0 by n/(n + 64): with a
 * handful of images it is mostly the images themselves, and full centring would push a pair of
 * near-duplicates apart.
 */
export function centredUnitRows(raw: Float32Array, dim: number): Float32Array {
  return centreUnitRowsInPlace(Float32Array.from(raw), dim);
}

/** `centredUnitRows` without the copy: at 100k × 1280 a copy is half a gigabyte. */
export function centreUnitRowsInPlace(x: Float32Array, dim: number): Float32Array {
  const n = x.length / dim;
  normaliseRows(x, dim);
  const mean = new Float64Array(dim);
  for (let o = 0; o < x.length; o += dim) for (let c = 0; c < dim; c++) mean[c] += x[o + c];
  const shrink = 1 / (n + 64);
  for (let c = 0; c < dim; c++) mean[c] *= shrink;
  for (let o = 0; o < x.length; o += dim) for (let c = 0; c < dim; c++) x[o + c] -= mean[c];
  normaliseRows(x, dim);
  return x;
}
