import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { LabelReview, type RelabelPlan } from '@shared/quality';
import { TrainConfig } from '@shared/train';
import type { DatasetScan } from '@shared/dataset';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import type { FeatureItem, FeatureSet } from '../../src/main/engine/extract/features';
import { CvData } from '../../src/main/engine/quality/cross-val';
import { reviewLabels } from '../../src/main/engine/quality/label-review';
import { applyRelabel, planRelabel, redoLast, undoLast } from '../../src/main/engine/quality/relabel';
import { emptyQualityState } from '../../src/main/engine/quality/state';
import { makePlantedDataset, type PlantedDataset } from '../helpers/quality-dataset';
import { cleanFeatures, cvSources } from '../helpers/quality-features';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-labels-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let ds: PlantedDataset;
let scan: DatasetScan;
let train: FeatureItem[];
let featureShape: number[];
let set: FeatureSet;

beforeAll(async () => {
  ds = await makePlantedDataset(tmp);
  const r = await cleanFeatures(ds.root, 'mobilenet_v2_0.35_224', path.join(tmp, 'cache'), 'avg');
  ({ set, scan, featureShape } = r);
  train = set.items.filter((it) => it.file.split === 'train');
}, 600_000);

describe('label review on real photos with planted mislabels (MobileNetV2-0.35)', () => {
  let review: LabelReview;

  it('ranks every planted mislabel (moved photos and conflict copies) in the top 2× their count, suggesting the true class', async () => {
    review = LabelReview.parse(
      await reviewLabels({
        data: new CvData(train, featureShape, scan.classes.length, cvSources(set, train)),
        classes: scan.classes,
        head: HeadSpec.parse(HEAD_PRESETS.light),
        settings: TrainConfig.parse({}),
      }),
    );
    const k = ds.mislabeled.length;
    const top = review.queue.slice(0, 2 * k);
    console.log(
      `label review: CV accuracy ${review.cv.accuracy.toFixed(3)} in ${review.cv.ms} ms; thresholds ${review.thresholds.map((t) => t.toFixed(2))}; ` +
        `flagged ${review.flagged}; planted ranks ${ds.mislabeled.map((m) => review.queue.findIndex((q) => q.rel === m.rel) + 1)}`,
    );
    for (const m of ds.mislabeled) {
      const q = top.find((x) => x.rel === m.rel);
      expect(q, `${m.rel} (really ${m.trueClass}) not in the top ${2 * k}`).toBeDefined();
      expect(scan.classes[q!.suggested]).toBe(m.trueClass);
    }
    expect(review.queue).toHaveLength(train.length);
    // Worst first.
    for (let i = 1; i < review.queue.length; i++)
      expect(review.queue[i].score).toBeGreaterThanOrEqual(review.queue[i - 1].score);
  }, 600_000);

  it('relabel moves exactly the confirmed file; undo restores the exact bytes; redo moves it again', async () => {
    const m = ds.mislabeled[0];
    const item = train.find((it) => it.file.rel === m.rel)!;
    const original = await readFile(item.file.path);
    const plan: RelabelPlan = await planRelabel({
      root: ds.root,
      layout: scan.layout,
      file: item.file,
      classes: scan.classes,
      toClass: m.trueClass,
    });
    expect(plan).toMatchObject({
      from: item.file.path,
      to: path.join(ds.root, ...m.original!.split('/')),
      contentHash: sha(original),
      bytes: original.length,
      toClass: m.trueClass,
    });
    expect(existsSync(plan.to)).toBe(false);

    // Without an explicit confirmation nothing moves.
    const s0 = emptyQualityState();
    await expect(applyRelabel(s0, { plan, confirmed: false } as never, ds.root)).rejects.toThrow(/confirmed/);
    expect(existsSync(plan.from)).toBe(true);

    const s1 = await applyRelabel(s0, { plan, confirmed: true }, ds.root);
    expect(existsSync(plan.from)).toBe(false);
    expect((await readFile(plan.to)).equals(original)).toBe(true);
    expect(s1.undo.at(-1)).toMatchObject({ moves: [{ from: plan.from, to: plan.to }] });
    const rescan = await scanDataset(ds.root);
    const moved = rescan.files.find((f) => f.path === plan.to)!;
    expect(rescan.classes[moved.classIndex]).toBe(m.trueClass);

    const s2 = await undoLast(s1);
    expect(existsSync(plan.to)).toBe(false);
    expect((await readFile(plan.from)).equals(original)).toBe(true);
    expect(s2.undo).toEqual([]);

    const s3 = await redoLast(s2);
    expect((await readFile(plan.to)).equals(original)).toBe(true);
    expect(s3.undo).toHaveLength(1);
    await undoLast(s3);
    expect((await readFile(plan.from)).equals(original)).toBe(true);
  });

  it('never overwrites: a name already taken gets a suffix; a file changed after planning is refused', async () => {
    const [a, b] = ds.mislabeled;
    const itemA = train.find((it) => it.file.rel === a.rel)!;
    const taken = path.join(ds.root, ...a.original!.split('/'));
    await writeFile(taken, 'someone else put a file here');
    const plan = await planRelabel({
      root: ds.root,
      layout: scan.layout,
      file: itemA.file,
      classes: scan.classes,
      toClass: a.trueClass,
    });
    expect(path.basename(plan.to)).toMatch(/ \(2\)\.jpg$/);
    rmSync(taken);

    const itemB = train.find((it) => it.file.rel === b.rel)!;
    const planB = await planRelabel({
      root: ds.root,
      layout: scan.layout,
      file: itemB.file,
      classes: scan.classes,
      toClass: b.trueClass,
    });
    const before = await readFile(itemB.file.path);
    await writeFile(itemB.file.path, Buffer.concat([before, Buffer.from([0])]));
    await expect(
      applyRelabel(emptyQualityState(), { plan: planB, confirmed: true }, ds.root),
    ).rejects.toThrow(/changed/);
    expect(existsSync(planB.to)).toBe(false);
    await writeFile(itemB.file.path, before);
    await expect(
      planRelabel({
        root: ds.root,
        layout: scan.layout,
        file: itemB.file,
        classes: scan.classes,
        toClass: 'wasps',
      }),
    ).rejects.toThrow(/no class "wasps"/);
  });
});
