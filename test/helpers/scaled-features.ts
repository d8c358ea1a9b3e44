import type { FeatureItem } from '../../src/main/engine/extract/features';
import { CvData } from '../../src/main/engine/quality/cross-val';
import { DTYPE } from '../../src/main/engine/store/format';
import { MemoryTable } from '../../src/main/engine/store/table';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { mulberry32 } from '@shared/random';

/**
 * n training vectors "as if" a dataset had n images, made from real pooled vectors: each a random
 * blend of two real vectors of one class with ±10% per-channel multiplicative noise, labelled with that
 * class (classes keep the real ones' proportions). Realistic in scale, dimension and value range, so head
 * auto's cost at 10k+ can be measured and its bound checked without extracting 10k photos.
 */
export async function scaledCvData(real: CvData, n: number, seed: number): Promise<CvData> {
  const inputs = await real.inputsFor(HeadSpec.parse(HEAD_PRESETS.linear));
  const dim = inputs.shape[0];
  const m = real.items.length;
  const vectors = new Float32Array(m * dim);
  await inputs.table.read(
    inputs.items.map((it) => it.views[0]),
    vectors,
  );
  const byClass = new Map<number, number[]>();
  real.labels.forEach((c, i) => byClass.set(c, [...(byClass.get(c) ?? []), i]));
  const rand = mulberry32(seed);
  const table = new MemoryTable(n, dim, 'float32');
  const row = new Float32Array(dim);
  const items: FeatureItem[] = [];
  for (let i = 0; i < n; i++) {
    const src = real.labels[Math.floor(rand() * m)];
    const members = byClass.get(src)!;
    const a = members[Math.floor(rand() * members.length)];
    const b = members[Math.floor(rand() * members.length)];
    const w = rand();
    for (let d = 0; d < dim; d++)
      row[d] = (w * vectors[a * dim + d] + (1 - w) * vectors[b * dim + d]) * (0.9 + 0.2 * rand());
    table.set(i, DTYPE.f32, new Uint8Array(row.buffer.slice(0)));
    const file = real.items[a].file;
    items.push({
      file: { ...file, path: `${file.path}#${i}`, rel: `${file.rel}#${i}` },
      hash: `synthetic-${seed}-${i}`,
      views: [i],
    });
  }
  return new CvData(items, real.featureShape, real.numClasses, {
    avg: { table, rows: items.map((_, i) => i) },
  });
}
