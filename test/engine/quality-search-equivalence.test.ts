/**
 * The fast similarity search (PCA filter in ORT, fine screen and full-row screen with WebAssembly SIMD,
 * float64 verification) against brute force on real photos: the planted dataset's pooled MobileNetV2-0.35
 * embeddings (real hymenoptera photos plus planted crops, flips, re-encodes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duplicateImagesOf, findDuplicates } from '../../src/main/engine/quality/duplicates';
import { centredUnitRows, pooledEmbeddings } from '../../src/main/engine/quality/embed';
import {
  localMean,
  neighbourhoods,
  neighboursOf,
  LOCAL_K,
} from '../../src/main/engine/quality/local-scaling';
import { dot, rowsForSearch, similarPairs } from '../../src/main/engine/quality/similarity';
import { UnionFind } from '../../src/main/engine/quality/union-find';
import type { DuplicateImage } from '../../src/main/engine/quality/duplicates';
import { makePlantedDataset } from '../helpers/quality-dataset';
import { cleanFeatures } from '../helpers/quality-features';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-search-eq-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let u: Float32Array;
let raw: { data: Float32Array; dim: number };
let images: DuplicateImage[];
let dim: number;
let n: number;

beforeAll(async () => {
  const ds = await makePlantedDataset(tmp);
  const { set } = await cleanFeatures(ds.root, 'mobilenet_v2_0.35_224', path.join(tmp, 'cache'), 'avg');
  raw = await pooledEmbeddings(set, set.items);
  images = duplicateImagesOf(set.items);
  dim = raw.dim;
  n = raw.data.length / dim;
  u = centredUnitRows(raw.data, dim);
  await set.table.close();
}, 600_000);

function bruteForce(t: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const s = dot(u, i * dim, j * dim, dim);
      if (s >= t) out.set(`${i},${j}`, s);
    }
  return out;
}

describe('similarity search on real photos: the same pairs as brute force', () => {
  it('every rank, SIMD arena or plain JavaScript: the same pairs, similarities and order', async () => {
    const { rows, arena } = rowsForSearch(n, dim);
    expect(arena).not.toBeNull();
    rows.set(u);
    for (const t of [0.5, 0.7]) {
      const truth = bruteForce(t);
      expect(truth.size).toBeGreaterThan(t < 0.6 ? 20 : 5);
      let reference: string[] | null = null;
      for (const reducedDim of [8, 32, 128, dim])
        for (const simd of [true, false]) {
          const found: string[] = [];
          const stats = await similarPairs(simd ? rows : u, dim, {
            threshold: t,
            reducedDim,
            arena: simd ? arena : null,
            blockRows: 96,
            blockCols: 160,
            onPair: (i, j, s) => found.push(`${i},${j},${s}`),
          });
          expect(stats.reducedDim).toBe(reducedDim);
          expect(stats.method.includes('SIMD')).toBe(simd);
          expect(
            new Map(found.map((f) => [f.split(',').slice(0, 2).join(','), Number(f.split(',')[2])])),
          ).toEqual(truth);
          reference ??= found;
          expect(found).toEqual(reference);
        }
    }
  });

  it('neighbourhoods from ORT top-k match a brute-force scan of every row', async () => {
    const rowsWanted = Array.from({ length: n }, (_, i) => i);
    const nb = await neighbourhoods(u, dim, rowsWanted);
    for (const i of rowsWanted) {
      const sims = rowsWanted
        .filter((j) => j !== i)
        .map((j) => ({ j, s: dot(u, i * dim, j * dim, dim) }))
        .sort((a, b) => b.s - a.s);
      const got = neighboursOf(nb, i)!;
      // float32 (ORT) against float64 sums: values within rounding, the same order up to near-ties.
      for (let k = 0; k <= LOCAL_K; k++) expect(got.sims[k]).toBeCloseTo(sims[k].s, 5);
      const partner = sims[0].j;
      const mean =
        sims
          .filter((x) => x.j !== partner)
          .slice(0, LOCAL_K)
          .reduce((a, x) => a + x.s, 0) / LOCAL_K;
      expect(localMean(nb, i, partner)).toBeCloseTo(mean, 5);
    }
  });

  it('findDuplicates (threshold only) groups exactly the components of the brute-force pairs', async () => {
    const report = await findDuplicates({ images, embeddings: raw, options: { localMargin: 0 } });
    const truth = bruteForce(report.options.embeddingThreshold);
    // Distinct contents are nodes (byte-identical copies are one); map images to their content's first image.
    const firstOf = new Map<string, number>();
    images.forEach((im, i) => firstOf.has(im.contentHash) || firstOf.set(im.contentHash, i));
    const uf = new UnionFind(n);
    images.forEach((im, i) => uf.union(i, firstOf.get(im.contentHash)!));
    for (const key of truth.keys()) {
      const [i, j] = key.split(',').map(Number);
      uf.union(i, j);
    }
    const expected = uf
      .groups()
      .map((g) => g.map((i) => images[i].rel).sort())
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const got = report.groups
      .map((g) => g.members.map((m) => m.rel).sort())
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(got).toEqual(expected);
    expect(got.length).toBeGreaterThan(3);
  });

  it('embeddings already in a search arena are searched in place: the same report as from a copy', async () => {
    // One image per content (in place needs it): the first image of each content.
    const seen = new Set<string>();
    const keep = images.flatMap((im, i) => (seen.has(im.contentHash) ? [] : (seen.add(im.contentHash), [i])));
    expect(keep.length).toBeLessThan(n); // the planted dataset has byte-identical copies
    const sub = keep.map((i) => images[i]);
    const data = new Float32Array(keep.length * dim);
    keep.forEach((i, k) => data.set(raw.data.subarray(i * dim, (i + 1) * dim), k * dim));
    const { rows, arena } = rowsForSearch(keep.length, dim);
    rows.set(data);
    const strip = (r: Awaited<ReturnType<typeof findDuplicates>>) => ({ groups: r.groups, counts: r.counts });
    const copied = await findDuplicates({ images: sub, embeddings: { data, dim } });
    const inPlace = await findDuplicates({ images: sub, embeddings: { data: rows, dim, arena } });
    expect(strip(inPlace)).toEqual(strip(copied));
    expect(copied.groups.length).toBeGreaterThan(2);
    // In place means the caller's rows were centred (consumed), the plain array untouched.
    expect(rows).not.toEqual(data);
    expect(data).toEqual(
      Float32Array.from(keep.flatMap((i) => Array.from(raw.data.subarray(i * dim, (i + 1) * dim)))),
    );
  });
});
