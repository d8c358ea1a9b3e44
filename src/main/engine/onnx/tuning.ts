import type { FeatureBase } from '../bases/load';

/**
 * Images per ORT run, per base: large enough to amortise per-run overhead and keep MLAS' kernels busy,
 * small enough that decode of the next batch overlaps it and the input stays in cache-friendly sizes.
 * Rows matched on the base id, first match wins; measured with `npm run bench` (2 cores).
 */
const BATCH_ROWS: readonly { id: RegExp; batch: number }[] = [
  // MobileNets: 16 took less ORT CPU per image than 32 (3.3–3.9 vs 4.4–4.8 ms, v2-0.35) at the same
  // pipeline rate, and blocks the JS thread (ORT's node binding runs on it) half as long per run.
  { id: /^mobilenet/, batch: 16 },
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
