/**
 * Raw material for choosing head auto's selection rule: per base and seed, the cross-validation table of
 * a wide grid on the training split (per repeat: accuracy, log loss, fold accuracies) AND every grid
 * candidate's validation accuracy through the CLI's procedure. A rule is then judged offline (which
 * candidate it picks from the CV table alone → that candidate's val accuracy) without validation ever
 * steering the pick: `npx tsx bench/head-auto-grid.bench.ts [--seeds 1,2,3] [--bases …] [--repeats 3]
 * [--cache DIR] [--out FILE] [--default-grid | --lrs … --l2s …] [--held-out-es]`. JSON on stdout (or --out), progress on stderr.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HeadCandidate } from '@shared/quality';
import { mixSeed } from '@shared/random';
import { TrainConfig } from '@shared/train';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { CvData, crossValidate } from '../src/main/engine/quality/cross-val';
import { stratifiedGroupFolds } from '../src/main/engine/quality/folds';
import { DEFAULT_GRID, headGrid, withWinner, type GridAxes } from '../src/main/engine/quality/head-auto';
import { runTraining } from '../src/main/engine/pipeline/run';
import { cleanFeatures, cvSources } from '../test/helpers/quality-features';
import { arg } from './measure';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const DATA = path.join(SHARED, 'datasets', 'hymenoptera_data');
const MODELS = path.join(SHARED, 'models');
const seeds = (arg('--seeds') ?? '1,2,3').split(',').map(Number);
const bases = (arg('--bases') ?? 'mobilenet_v1_0.25_224,mobilenet_v2_0.35_224').split(',');
const repeats = Number(arg('--repeats') ?? 3);
const folds = Number(arg('--folds') ?? 5);
/** CV with each held-out fold as the fit's validation set (early stopping + restore best, as a run). */
const heldOutAsValidation = process.argv.includes('--held-out-es');
/** Reuse the val accuracies of an earlier output (same grid, bases, seeds): only CV is recomputed. */
const valFrom = arg('--val-from');
const log = (s: string) => process.stderr.write(`[head-auto-grid] ${s}\n`);
const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;

/** The grid's axes: a wide one by default; `--default-grid` for head auto's own (DEFAULT_GRID, pooled presets). */
const nums = (name: string) => arg(name)?.split(',').map(Number);
const AXES: GridAxes = process.argv.includes('--default-grid')
  ? { ...DEFAULT_GRID, presets: DEFAULT_GRID.presets.filter((p) => p !== 'keras') }
  : {
      presets: ['linear', 'light'],
      learningRates: nums('--lrs') ?? [1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
      l2: nums('--l2s') ?? [0, 1e-3, 1e-2, 3e-2],
    };

async function main() {
  const keep = arg('--cache');
  const cacheDir = keep ?? (await mkdtemp(path.join(os.tmpdir(), 'head-auto-grid-')));
  const out: Record<string, unknown> = {
    seeds,
    repeats,
    folds,
    heldOutAsValidation,
    axes: AXES,
    date: new Date().toISOString(),
  };
  const perBase: unknown[] = [];
  const earlier = new Map<string, number>();
  if (valFrom) {
    const prev = JSON.parse(await readFile(valFrom, 'utf8')) as {
      bases: { base: string; seeds: { seed: number; rows: { candidate: HeadCandidate; val: number }[] }[] }[];
    };
    for (const b of prev.bases)
      for (const s of b.seeds)
        for (const r of s.rows) earlier.set(`${b.base}|${s.seed}|${r.candidate.id}`, r.val);
  }
  out.bases = perBase;
  try {
    for (const base of bases) {
      const { set, scan, featureShape } = await cleanFeatures(DATA, base, cacheDir, 'full');
      const items = set.items.filter((it) => it.file.split === 'train');
      const data = new CvData(items, featureShape, scan.classes.length, cvSources(set, items));
      const runScan = await scanDataset(DATA, TrainConfig.parse({}).split);
      const grid = headGrid(AXES);
      const valAccuracy = async (b: string, seed: number, c: HeadCandidate) => {
        const run = await runTraining(TrainConfig.parse(withWinner({ base: b, seed }, c)), runScan, {
          cacheDir,
          mirrorDir: MODELS,
          engines: 2,
        });
        run.dispose();
        return round(run.accuracy!);
      };
      const perSeed: unknown[] = [];
      for (const seed of seeds) {
        const settings = TrainConfig.parse({ base, seed });
        const splits = Array.from({ length: repeats }, (_, r) =>
          stratifiedGroupFolds(data.labels, data.groupKeys, folds, r ? mixSeed(seed, r) : seed),
        );
        const rows: unknown[] = [];
        const t0 = performance.now();
        for (const c of grid) {
          const reps = [];
          for (const fold of splits) {
            const r = await crossValidate({
              data,
              head: c.head,
              settings: { ...settings, learningRate: c.learningRate },
              folds,
              fold,
              heldOutAsValidation,
            });
            reps.push({
              accuracy: round(r.accuracy),
              logLoss: round(r.logLoss),
              foldAccuracy: r.foldAccuracy.map((a) => round(a)),
            });
          }
          const val = earlier.get(`${base}|${seed}|${c.id}`) ?? (await valAccuracy(base, seed, c));
          rows.push({ candidate: c, cv: reps, val });
          log(`${base} seed ${seed} ${c.id}: cv ${reps.map((r) => r.accuracy).join('/')} val ${val}`);
        }
        perSeed.push({ seed, rows, seconds: round((performance.now() - t0) / 1000, 1) });
      }
      perBase.push({ base, seeds: perSeed });
    }
  } finally {
    if (!keep) await rm(cacheDir, { recursive: true, force: true });
  }
  const text = `${JSON.stringify(out)}\n`;
  const file = arg('--out');
  if (file) await writeFile(file, text);
  else process.stdout.write(text);
}

await main();
