import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEAD_PRESETS, HeadSpec, type HeadPresetId } from '@shared/head';
import { HeadAutoResult } from '@shared/quality';
import { TrainConfig } from '@shared/train';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { CvData, crossValidate } from '../../src/main/engine/quality/cross-val';
import { autoHead, headGrid, withWinner } from '../../src/main/engine/quality/head-auto';
import { tf } from '../../src/main/engine/tf';
import { runTraining } from '../../src/main/engine/pipeline/run';
import { DEFAULT_CV_BUDGET, fitVectorsOf } from '../../src/main/engine/quality/cv-budget';
import { cleanFeatures, cvSources } from '../helpers/quality-features';
import { scaledCvData } from '../helpers/scaled-features';
import { HYMENOPTERA, MODELS } from '../helpers/shared';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-head-auto-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cacheDir = path.join(tmp, 'cache');

/**
 * Training-split features of hymenoptera through a base (stored in the temp dir for the runs below):
 * full maps, which Flatten heads train on and pooling heads pool (as a run pools stored full maps).
 */
async function trainFeatures(baseId: string) {
  const { set, scan, featureShape } = await cleanFeatures(HYMENOPTERA, baseId, cacheDir, 'full');
  const items = set.items.filter((it) => it.file.split === 'train');
  return { data: new CvData(items, featureShape, scan.classes.length, cvSources(set, items)), items };
}

async function valAccuracy(config: Record<string, unknown>): Promise<number> {
  const parsed = TrainConfig.parse(config);
  const scan = await scanDataset(HYMENOPTERA, parsed.split);
  const run = await runTraining(parsed, scan, { cacheDir, mirrorDir: MODELS, engines: 2 });
  run.dispose();
  return run.accuracy!;
}

describe('cross-validation of a Flatten head', () => {
  it('trains the keras preset on full feature maps, GAP heads on pooled vectors, out of fold', async () => {
    const { items, data } = await trainFeatures('mobilenet_v1_0.25_224');
    expect((await data.inputsFor(HeadSpec.parse(HEAD_PRESETS.keras))).shape).toEqual([7, 7, 256]);
    expect((await data.inputsFor(HeadSpec.parse(HEAD_PRESETS.light))).shape).toEqual([256]);
    const before = tf.memory().numTensors;
    const r = await crossValidate({
      data,
      head: HeadSpec.parse(HEAD_PRESETS.keras),
      settings: { ...TrainConfig.parse({}), epochs: 3 },
      folds: 2,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.foldAccuracy).toHaveLength(2);
    for (let i = 0; i < items.length; i++) expect(r.probs[2 * i] + r.probs[2 * i + 1]).toBeCloseTo(1, 4);
    expect(r.accuracy).toBeGreaterThan(0.7);
  });
});

describe('cross-validation scored as a run trains', () => {
  it('with the held-out fold as its validation set, each fold keeps its best epoch (lower out-of-fold loss)', async () => {
    const { data } = await trainFeatures('mobilenet_v1_0.25_224');
    // Patience ≥ epochs: both see the same ten epochs (same seeds); one ends on the last, one on the best.
    const settings = {
      ...TrainConfig.parse({ seed: 1 }),
      learningRate: 1e-2,
      earlyStopping: { patience: 10, restoreBest: true },
    };
    const head = HeadSpec.parse(HEAD_PRESETS.light);
    const last = await crossValidate({ data, head, settings, folds: 5 });
    const best = await crossValidate({ data, head, settings, folds: 5, heldOutAsValidation: true });
    expect(best.fold).toEqual(last.fold);
    expect(best.logLoss).toBeLessThan(last.logLoss);
    // With early stopping on (patience 2) the fits stop sooner, still out of fold, still sane.
    const early = await crossValidate({
      data,
      head,
      settings: { ...settings, earlyStopping: { patience: 2, restoreBest: true } },
      folds: 5,
      heldOutAsValidation: true,
    });
    expect(early.accuracy).toBeGreaterThan(0.75);
  }, 600_000);
});

/** MobileNet v1-0.25's pooled vectors of hymenoptera's training split, as an app run stores them. */
async function v1PooledTrain(): Promise<CvData> {
  const { set, scan, featureShape } = await cleanFeatures(
    HYMENOPTERA,
    'mobilenet_v1_0.25_224',
    cacheDir,
    'avg',
  );
  const items = set.items.filter((it) => it.file.split === 'train');
  return new CvData(items, featureShape, scan.classes.length, cvSources(set, items));
}

describe('head auto on pooled vectors only (what an app run stores)', () => {
  it('reports a Flatten candidate as skipped (needs full maps) instead of failing the run', async () => {
    const data = await v1PooledTrain();
    const r = await autoHead({
      data,
      settings: TrainConfig.parse({ seed: 1 }),
      grid: headGrid({ presets: ['keras', 'light'], learningRates: [3e-3], l2: [0] }),
      maxRelativeWork: Infinity,
      repeats: 1,
    });
    expect(r.rows.map((row) => [row.candidate.preset, row.status])).toEqual([
      ['keras', 'skipped'],
      ['light', 'done'],
    ]);
    expect(r.rows[0].reason).toMatch(/full feature maps/);
    expect(r.winner.preset).toBe('light');
  }, 600_000);
});

describe('head auto’s cost is bounded by a budget, not by the dataset’s size', () => {
  it('ranks on a stratified sample past the budget: the same head fits and vectors at 10k and 40k', async () => {
    const real = await v1PooledTrain();
    const settings = TrainConfig.parse({ seed: 1 });
    const plans = [];
    for (const n of [10_000, 40_000]) {
      // Real pooled vectors of hymenoptera blended and jittered into n training vectors.
      const data = await scaledCvData(real, n, n);
      const r = HeadAutoResult.parse(await autoHead({ data, settings }));
      const done = r.rows.filter((row) => row.status === 'done');
      expect(done).toHaveLength(12);
      expect(r.sample).toMatchObject({ of: n, fits: 12 * r.folds * r.repeats });
      expect(r.sample!.vectors).toBeLessThanOrEqual(DEFAULT_CV_BUDGET.maxVectors);
      // Each candidate's out-of-fold accuracy was measured on the sample: one fold score per fit.
      for (const row of done) expect(row.foldAccuracy).toHaveLength(r.folds * r.repeats);
      expect(fitVectorsOf(12, r.folds, r.repeats, r.sample!.vectors)).toBeLessThanOrEqual(
        DEFAULT_CV_BUDGET.fitVectors,
      );
      // The synthetic classes are as separable as the real photos: selection still ranks sensibly.
      expect(r.best!.accuracy).toBeGreaterThan(0.8);
      plans.push({ folds: r.folds, repeats: r.repeats, ...r.sample, of: 0 });
    }
    expect(plans[1]).toEqual(plans[0]);
    // Hymenoptera itself is under the budget: every training vector, 5-fold ×2 (as before the bound).
    const small = await autoHead({
      data: real,
      settings,
      grid: headGrid({ presets: ['linear'], learningRates: [1e-2], l2: [0] }),
    });
    expect(small).toMatchObject({ folds: 5, repeats: 2, sample: { vectors: real.items.length, fits: 10 } });
  }, 600_000);
});

describe.each(['mobilenet_v1_0.25_224', 'mobilenet_v2_0.35_224'])(
  'head auto on hymenoptera, %s',
  (baseId) => {
    it('picks by cross-validation on the training split; the winner trains to the best preset’s accuracy (within noise)', async () => {
      const config = TrainConfig.parse({ base: baseId });
      const { items, data } = await trainFeatures(baseId);
      expect(items.every((it) => it.file.split === 'train')).toBe(true);
      const rowsSeen: number[] = [];
      const result = HeadAutoResult.parse(
        await autoHead({
          data,
          settings: config,
          onRow: (_, done) => rowsSeen.push(done),
        }),
      );
      expect(rowsSeen.at(-1)).toBe(result.rows.length);
      const done = result.rows.filter((r) => r.status === 'done');
      const winnerRow = result.rows.find((r) => r.candidate.id === result.winner.id)!;
      // The winner has the lowest out-of-fold log loss of the fitted candidates.
      expect(winnerRow.logLoss).toBe(Math.min(...done.map((r) => r.logLoss!)));
      expect(result.best).toMatchObject({ id: winnerRow.candidate.id, accuracy: winnerRow.accuracy });
      // The Flatten preset is in the grid but over the default work limit: reported, not silently dropped.
      const keras = result.rows.filter((r) => r.candidate.preset === 'keras');
      expect(keras.length).toBeGreaterThan(0);
      for (const r of keras)
        expect(r).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/work/) });

      const auto = await valAccuracy(withWinner({ base: baseId }, result.winner));
      const presets: Record<string, number> = {};
      for (const p of Object.keys(HEAD_PRESETS) as HeadPresetId[])
        presets[p] = await valAccuracy({ base: baseId, head: HEAD_PRESETS[p] });
      const bestPreset = Math.max(...Object.values(presets));
      const se = Math.sqrt((bestPreset * (1 - bestPreset)) / 153);
      console.log(
        JSON.stringify({
          base: baseId,
          winner: result.winner.id,
          cvMs: result.ms,
          autoValAccuracy: auto,
          presets,
          table: result.rows.map((r) => [
            r.candidate.id,
            r.status,
            r.accuracy && +r.accuracy.toFixed(4),
            r.ms,
          ]),
        }),
      );
      // One validation split of 153 photos: a standard error is ~0.027 (4 photos). Seeds alone move a preset
      // by more (keras on v1-0.25: 0.843–0.876 over seeds 1–6), so "as good" is asserted to within 2 SE.
      expect(auto).toBeGreaterThanOrEqual(bestPreset - 2 * se);
    }, 1_200_000);
  },
);
