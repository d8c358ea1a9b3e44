import type { FeatureBase } from '../bases/load';

/**
 * Images per ORT run, per base: large enough to amortise per-run overhead and keep MLAS' kernels busy,
 * small enough that decode of the next batch overlaps it and the input stays in cache-friendly sizes.
 * Rows matched on the base id, first match wins; measured with `npm run bench` (2 cores).
 */
const BATCH_ROWS: readonly { id: RegExp; batch: number }[] = [
  { id: /^mobilenet_v1_0\.(25|50)/, batch: 32 },
  { id: /^mobilenet/, batch: 32 },
  { id: /^efficientnet/, batch: 16 },
  { id: /^(resnet|vgg)/, batch: 8 },
];

/** Fallback for user bases: by input size (pixels per image relative to 224²). */
export function ortBatchSize(base: Pick<FeatureBase, 'id' | 'inputSize'>): number {
  const row = BATCH_ROWS.find((r) => r.id.test(base.id));
  if (row) return row.batch;
  const rel = (base.inputSize[0] * base.inputSize[1]) / (224 * 224);
  return rel > 2 ? 8 : 16;
}
