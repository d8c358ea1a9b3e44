/**
 * `--head auto` against every preset on hymenoptera's validation split, over several seeds:
 * `npx tsx bench/head-auto.bench.ts [--seeds 1,2,3] [--bases mobilenet_v1_0.25_224,…] [--presets a,b|none]
 * [--lrs …] [--l2s …] [--fixed-epochs] [--repeats N] [--cache DIR]`.
 * Per base and seed: cross-validation on the training split picks a head (timed), then full runs (the
 * CLI's procedure: early stopping on val, best weights) train the winner and each preset with that seed.
 * Prints ONE JSON object (per base: mean ± sd of val accuracy for auto and each preset, CV seconds) on
 * stdout; progress on stderr. Timings depend on the machine's load (reported per base).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HEAD_PRESETS, type HeadPresetId } from '@shared/head';
import { TrainConfig } from '@shared/train';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { CvData } from '../src/main/engine/quality/cross-val';
import { DEFAULT_GRID, autoHead, headGrid, withWinner } from '../src/main/engine/quality/head-auto';
import { runTraining } from '../src/main/engine/pipeline/run';
import { cleanFeatures, cvSources } from '../test/helpers/quality-features';
import { arg, cvRepeatsArg } from './measure';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const DATA = path.join(SHARED, 'datasets', 'hymenoptera_data');
const MODELS = path.join(SHARED, 'models');
const seeds = (arg('--seeds') ?? '1,2,3').split(',').map(Number);
const bases = (arg('--bases') ?? 'mobilenet_v1_0.25_224,mobilenet_v2_0.35_224').split(',');
/** `--presets none`: auto only (the presets' runs are deterministic per seed: reuse an earlier output). */
const presetArg = arg('--presets') ?? Object.keys(HEAD_PRESETS).join(',');
const presets = (presetArg === 'none' ? [] : presetArg.split(',')) as HeadPresetId[];
/** The grid's axes (default DEFAULT_GRID), e.g. `--lrs 3e-4,1e-3,3e-3 --l2s 0,1e-2` for an earlier grid. */
const nums = (name: string) => arg(name)?.split(',').map(Number);
const grid = headGrid({
  presets: DEFAULT_GRID.presets,
  learningRates: nums('--lrs') ?? DEFAULT_GRID.learningRates,
  l2: nums('--l2s') ?? DEFAULT_GRID.l2,
});
/** `--fixed-epochs`: CV fits train exactly `epochs` epochs (no early stopping on the held-out fold). */
const fixedEpochs = process.argv.includes('--fixed-epochs');
const cvRepeats = cvRepeatsArg();
const log = (s: string) => process.stderr.write(`[head-auto-bench] ${s}\n`);
const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;

function meanSd(xs: number[]) {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean: round(m), sd: round(sd), runs: xs.map((x) => round(x)) };
}

/**
 * The photos one head got right and the other wrong, per seed and summed, with an exact two-sided
 * sign test (McNemar) on the sums: is a difference in accuracy more than a few photos flipping?
 * (Seeds share the 153 photos, so the summed test is optimistic; it is an upper bound on confidence.)
 */
function paired(auto: Set<string>[], other: Set<string>[]) {
  const onlyAuto = auto.map((a, i) => [...other[i]].filter((rel) => !a.has(rel)).length);
  const onlyOther = auto.map((a, i) => [...a].filter((rel) => !other[i].has(rel)).length);
  const b = onlyAuto.reduce((x, y) => x + y, 0);
  const c = onlyOther.reduce((x, y) => x + y, 0);
  return { autoRightOtherWrong: onlyAuto, otherRightAutoWrong: onlyOther, b, c, p: round(signTest(b, c)) };
}

/** Two-sided exact binomial test of b successes in b + c trials at p = 1/2. */
function signTest(b: number, c: number): number {
  const n = b + c;
  const k = Math.min(b, c);
  let tail = 0;
  let term = 0.5 ** n; // C(n, 0) / 2^n
  for (let i = 0; i <= k; i++) {
    tail += term;
    term = (term * (n - i)) / (i + 1);
  }
  return Math.min(1, 2 * tail);
}

async function main() {
  const keep = arg('--cache');
  const cacheDir = keep ?? (await mkdtemp(path.join(os.tmpdir(), 'head-auto-bench-')));
  const out: Record<string, unknown> = {
    seeds,
    grid: grid.map((c) => c.id),
    heldOutAsValidation: !fixedEpochs,
    repeats: cvRepeats?.repeats ?? 'default',
    date: new Date().toISOString(),
    bases: [],
  };
  try {
    for (const base of bases) {
      const loadAvg1 = round(os.loadavg()[0], 2);
      const { set, scan, featureShape } = await cleanFeatures(DATA, base, cacheDir, 'full');
      const items = set.items.filter((it) => it.file.split === 'train');
      const data = new CvData(items, featureShape, scan.classes.length, cvSources(set, items));
      const runScan = await scanDataset(DATA, TrainConfig.parse({}).split);
      // Per head: val accuracy per seed, and which val photos it got wrong (for paired comparisons).
      const wrong: Record<string, Set<string>[]> = {};
      const val = async (name: string, config: Record<string, unknown>) => {
        const run = await runTraining(TrainConfig.parse(config), runScan, {
          cacheDir,
          mirrorDir: MODELS,
          engines: 2,
        });
        run.dispose();
        (wrong[name] ??= []).push(new Set(run.evaluation.val!.misclassified.map((m) => m.rel)));
        return run.accuracy!;
      };
      const acc: Record<string, number[]> = { auto: [] };
      const cvS: number[] = [];
      const winners: string[] = [];
      for (const seed of seeds) {
        const settings = TrainConfig.parse({ base, seed });
        const t = performance.now();
        const r = await autoHead({
          data,
          settings,
          grid,
          heldOutAsValidation: !fixedEpochs,
          ...cvRepeats,
        });
        cvS.push((performance.now() - t) / 1000);
        winners.push(r.winner.id);
        log(`${base} seed ${seed}: ${r.winner.id} in ${cvS.at(-1)!.toFixed(1)} s`);
        acc.auto.push(await val('auto', withWinner({ base, seed }, r.winner)));
        for (const p of presets) (acc[p] ??= []).push(await val(p, { base, seed, head: HEAD_PRESETS[p] }));
        log(
          `${base} seed ${seed}: ${JSON.stringify(Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.at(-1)])))}`,
        );
      }
      (out.bases as unknown[]).push({
        base,
        loadAvg1AtStart: loadAvg1,
        valAccuracy: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, meanSd(v)])),
        cvSeconds: meanSd(cvS),
        pairedWithAuto: Object.fromEntries(presets.map((p) => [p, paired(wrong.auto, wrong[p])])),
        winners,
      });
    }
  } finally {
    if (!keep) await rm(cacheDir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
