import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateReport } from '@shared/quality';
import type { FeatureItem } from '../../src/main/engine/extract/features';
import {
  duplicateImagesOf,
  findDuplicates,
  type DuplicateImage,
} from '../../src/main/engine/quality/duplicates';
import { pooledEmbeddings } from '../../src/main/engine/quality/embed';
import { perceptualHashes, type PerceptualHash } from '../../src/main/engine/quality/phash';
import {
  applyChange,
  applyQualityState,
  dedupeChange,
  emptyQualityState,
  undoState,
} from '../../src/main/engine/quality/state';
import { makePlantedDataset, type PlantedDataset } from '../helpers/quality-dataset';
import { cleanFeatures } from '../helpers/quality-features';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-dupes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let ds: PlantedDataset;
let items: FeatureItem[];
let images: DuplicateImage[];
let embeddings: { data: Float32Array; dim: number };
let phashes: (PerceptualHash | null)[];

beforeAll(async () => {
  ds = await makePlantedDataset(tmp);
  // Pooled vectors, as a run with the default (GAP) head stores them.
  const { set } = await cleanFeatures(ds.root, 'mobilenet_v2_0.35_224', path.join(tmp, 'cache'), 'avg');
  items = set.items;
  images = duplicateImagesOf(items);
  embeddings = await pooledEmbeddings(set, items);
  phashes = await perceptualHashes(items.map((it) => it.file.path));
  expect(phashes.every((h) => h !== null)).toBe(true);
}, 600_000);

/** Every planted pair lands in one group with the right flags; no group holds an untouched photo. */
function expectPlanted(report: DuplicateReport, pairs: PlantedDataset['exact']) {
  const groupOf = new Map<string, DuplicateReport['groups'][number]>();
  for (const g of report.groups) for (const m of g.members) groupOf.set(m.rel, g);
  for (const p of pairs) {
    const g = groupOf.get(p.a);
    expect(g, `${p.how}: ${p.a} is in no group`).toBeDefined();
    expect(
      g!.members.map((m) => m.rel),
      p.how,
    ).toContain(p.b);
    expect(g!.leak, `${p.how}: leak flag`).toBe(p.leak);
    expect(g!.conflict, `${p.how}: conflict flag`).toBe(p.conflict);
  }
}

const plantedRels = () => new Set([...ds.exact, ...ds.near].flatMap((p) => [p.a, p.b]));

/** The default options find every planted pair and group no untouched photo. */
function expectDefaultsExact(report: DuplicateReport) {
  expectPlanted(report, [...ds.exact, ...ds.near]);
  const planted = plantedRels();
  const strays = report.groups.flatMap((g) => g.members.map((m) => m.rel)).filter((r) => !planted.has(r));
  expect(
    strays,
    JSON.stringify(report.groups.filter((g) => g.members.some((m) => strays.includes(m.rel)))),
  ).toEqual([]);
  expect(report.groups).toHaveLength(ds.exact.length + ds.near.length);
}

describe('duplicates with MobileNet v1-0.25 embeddings (distinct look-alikes above the planted crop)', () => {
  it('at the default threshold and local margin: every planted pair, no false group', async () => {
    const { set } = await cleanFeatures(ds.root, 'mobilenet_v1_0.25_224', path.join(tmp, 'cache'), 'avg');
    const v1 = await pooledEmbeddings(set, set.items);
    const v1Images = duplicateImagesOf(set.items);
    const byRel = new Map(items.map((it, i) => [it.file.rel, phashes[i]]));
    const report = DuplicateReport.parse(
      await findDuplicates({
        images: v1Images,
        embeddings: v1,
        phashes: set.items.map((it) => byRel.get(it.file.rel) ?? null),
      }),
    );
    expectDefaultsExact(report);
    // Without the local margin, the cosine threshold alone groups distinct photos of ants on sand.
    const plain = await findDuplicates({ images: v1Images, embeddings: v1, options: { localMargin: 0 } });
    expect(plain.embedding!.pairs).toBeGreaterThan(report.embedding!.pairs);
    console.log(`duplicates v1-0.25: ${JSON.stringify(report.embedding)}`);
  }, 600_000);
});

describe('duplicates and leaks in a dataset with planted copies (MobileNetV2-0.35 embeddings)', () => {
  it('at the default threshold: every planted exact and near-duplicate pair, no false group', async () => {
    const report = DuplicateReport.parse(await findDuplicates({ images, embeddings, phashes }));
    expectDefaultsExact(report);
    expect(report.counts).toMatchObject({ leaks: 5, conflicts: 2, redundant: 9 });
    expect(report.embedding).toMatchObject({ dim: 1280, pairs: expect.any(Number) });
    // The crops only the embedding catches; flips and re-encodes both signals catch.
    const cropped = report.groups.find((g) => g.members.some((m) => m.rel === 'val/ants/cropped.jpg'))!;
    expect(cropped.signals).toEqual(['embedding']);
    const mirrored = report.groups.find((g) => g.members.some((m) => m.rel === 'val/bees/mirrored.jpg'))!;
    expect(mirrored.members.find((m) => m.rel === 'val/bees/mirrored.jpg')!.match).toMatchObject({
      signal: 'phash',
      mirrored: true,
    });
    console.log(
      `duplicates: ${report.groups.length} groups (${report.counts.leaks} leaks, ${report.counts.conflicts} conflicts) ` +
        `in ${report.ms} ms; embedding ${JSON.stringify(report.embedding)}; phash ${JSON.stringify(report.phash)}`,
    );
  });

  it('before a base is loaded (perceptual hash only): copies, re-encodes, resizes, edits and flips; still no false group', async () => {
    const report = await findDuplicates({ images, phashes });
    expect(report.embedding).toBeNull();
    const byHash = ds.near.filter((p) => !/crop/.test(p.how));
    expectPlanted(report, [...ds.exact, ...byHash]);
    const planted = plantedRels();
    expect(report.groups.flatMap((g) => g.members.map((m) => m.rel)).filter((r) => !planted.has(r))).toEqual(
      [],
    );
  });

  it('a stricter threshold finds fewer near-duplicates; exact copies are always found', async () => {
    const strict = await findDuplicates({ images, embeddings, options: { embeddingThreshold: 0.95 } });
    expectPlanted(strict, ds.exact);
    expect(strict.groups.length).toBeLessThan(ds.exact.length + ds.near.length);
  });

  it('dedupe leaves no group split across splits, keeps one per class of a conflict, and undoes exactly', async () => {
    const report = await findDuplicates({ images, embeddings, phashes });
    const s0 = emptyQualityState();
    const { change, summary } = dedupeChange(s0, report);
    const s1 = applyChange(s0, change);
    expect(summary).toMatchObject({ groups: report.groups.length, conflicts: 2 });
    const { items: live, excluded } = applyQualityState(items, s1);
    expect(live.length + excluded.length).toBe(items.length);
    // One kept per group, but one per class of the near-duplicate conflict (the byte-identical conflict is
    // one image: its copy in the other class is dropped too).
    expect(excluded.length).toBe(report.counts.redundant - 1);
    for (const g of report.groups) {
      const kept = live.filter((it) => g.members.some((m) => m.rel === it.file.rel));
      const contents = new Set(g.members.map((m) => m.contentHash)).size;
      expect(kept.length, g.members[0].rel).toBe(g.conflict ? Math.min(contents, g.classes.length) : 1);
      expect(new Set(kept.map((it) => it.file.split)).size, g.members[0].rel).toBe(1);
    }
    // Re-running the detector on what is left: no leak remains.
    const kept = new Set(live.map((it) => it.file.rel));
    const again = await findDuplicates({
      images: images
        .filter((im) => kept.has(im.rel))
        .map((im) => ({ ...im, split: live.find((l) => l.file.rel === im.rel)!.file.split })),
      embeddings: {
        dim: embeddings.dim,
        data: Float32Array.from(
          images.flatMap((im, i) =>
            kept.has(im.rel)
              ? Array.from(embeddings.data.subarray(i * embeddings.dim, (i + 1) * embeddings.dim))
              : [],
          ),
        ),
      },
    });
    expect(again.counts.leaks).toBe(0);
    expect(undoState(s1).state).toMatchObject({ exclusions: [], splitOverrides: {}, keepCopy: {} });
  });
});
