import { readVector, type FeatureVector } from '../extract/features';

/** Items as `extractFeatures` returns them (view 0 is the clean view when extracted without augmentation). */
export interface EmbeddingSource {
  views: FeatureVector[];
}

/**
 * Global-average-pooled embeddings, one row per item, [n × channels]. Feature maps are read one at a time
 * (from memory or the feature cache), so memory holds only the pooled rows.
 */
export async function pooledEmbeddings(
  items: readonly EmbeddingSource[],
  featureShape: number[],
): Promise<{ data: Float32Array; dim: number }> {
  const dim = featureShape[featureShape.length - 1];
  const positions = featureShape.reduce((a, b) => a * b, 1) / dim;
  const data = new Float32Array(items.length * dim);
  for (let i = 0; i < items.length; i++) {
    const f = await readVector(items[i].views[0]);
    const o = i * dim;
    for (let p = 0; p < positions; p++) {
      const s = p * dim;
      for (let c = 0; c < dim; c++) data[o + c] += f[s + c];
    }
    for (let c = 0; c < dim; c++) data[o + c] /= positions;
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
