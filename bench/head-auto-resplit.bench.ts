/**
 * `--head auto` against each preset over R random resplits of hymenoptera (issue 13 §4):
 * `npx tsx bench/head-auto-resplit.bench.ts [--splits 10] [--seed 42] [--bases mobilenet_v1_0.25_224,…]
 * [--presets light,keras,linear] [--given] [--full-cv] [--repeats N] [--cache DIR]`.
 * The fixed split's 153 validation photos are one draw (a photo is 0.65 points); here all 398 photos are
 * re-split R times, class-stratified, into 245 train / 153 val with the given split's per-class sizes
 * (split i is deterministic in i). Per split and base, auto (CV on that split's training photos picks the
 * head, as `train` does) and each preset are trained as a run trains (runTraining, TrainConfig defaults
 * apart from head and seed: early stopping on val, best weights). Features are computed once per base
 * (one cache dir). `--given` uses the folders' own split instead (one split: checks this bench against
 * bench/head-auto.bench.ts). Prints ONE JSON object; progress on stderr. Timings depend on the load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DatasetScan, SplitName } from '@shared/dataset';
import { HEAD_PRESETS, type HeadPresetId } from '@shared/head';
import { hashString, mixSeed, mulberry32, shuffleInPlace } from '@shared/random';
import { TrainConfig } from '@shared/train';
import { initBackend } from '../src/main/engine/backend';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { autoHead, withWinner } from '../src/main/engine/quality/head-auto';
import { pipelineContext } from '../src/main/engine/pipeline/context';
import { cleanFeatures, cvDataOf } from '../src/main/engine/pipeline/pre-pass';
import { runTraining } from '../src/main/engine/pipeline/run';
import type { FeatureSet } from '../src/main/engine/extract/features';
import type { StoredForm } from '../src/main/engine/store/store';
import { arg, cvRepeatsArg, measured } from './measure';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const DATA = path.join(SHARED, 'datasets', 'hymenoptera_data');
const MODELS = path.join(SHARED, 'models');
const given = process.argv.includes('--given');
/** Also auto with CV on full maps pooled on read (as head-auto.bench.ts and the engine test score it). */
const fullCv = process.argv.includes('--full-cv');
const R = given ? 1 : Number(arg('--splits') ?? 10);
const seed = Number(arg('--seed') ?? 42);
const cvRepeats = cvRepeatsArg();
const bases = (arg('--bases') ?? 'mobilenet_v1_0.25_224,mobilenet_v2_0.35_224').split(',');
const presets = (arg('--presets') ?? Object.keys(HEAD_PRESETS).join(',')).split(',') as HeadPresetId[];
for (const p of presets) if (!(p in HEAD_PRESETS)) throw new Error(`unknown preset ${p}`);
const log = (s: string) => process.stderr.write(`[head-auto-resplit] ${s}\n`);
const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const meanSd = (xs: number[]) => ({ mean: round(mean(xs)), sd: round(sd(xs)) });

/**
 * Split `index` of the pool: per class, a seeded shuffle of its files (by rel, sorted first) and the
 * given split's number of that class's val photos go to val, so sizes and class proportions match it.
 */
function resplit(scan: DatasetScan, index: number): DatasetScan {
  const val = new Set<string>();
  scan.classes.forEach((_, c) => {
    const rels = scan.files.filter((f) => f.classIndex === c && f.split !== 'test').map((f) => f.rel);
    rels.sort();
    shuffleInPlace(rels, mulberry32(mixSeed(index, c, hashString('head-auto-resplit'))));
    for (const rel of rels.slice(0, scan.counts.val[c])) val.add(rel);
  });
  const split = (rel: string, was: SplitName): SplitName =>
    was === 'test' ? 'test' : val.has(rel) ? 'val' : 'train';
  const files = scan.files.map((f) => ({ ...f, split: split(f.rel, f.split) }));
  const zeros = () => scan.classes.map(() => 0);
  const counts: Record<SplitName, number[]> = { train: zeros(), val: zeros(), test: zeros() };
  for (const f of files) counts[f.split][f.classIndex]++;
  return { ...scan, files, counts };
}

/**
 * Paired over splits: auto − preset per split, its mean, sd and t (sd / √R), and Nadeau & Bengio's
 * corrected t (variance × (1/R + n_val/n_train)): resplits of one pool overlap, so the plain t is
 * optimistic; the corrected one is the usual conservative fix for repeated random resplits.
 */
function paired(auto: number[], other: number[], nTrain: number, nVal: number) {
  const d = auto.map((a, i) => a - other[i]);
  const m = mean(d);
  const s = sd(d);
  return {
    diffs: d.map((x) => round(x)),
    mean: round(m),
    sd: round(s),
    t: s > 0 ? round(m / (s / Math.sqrt(d.length)), 2) : null,
    tCorrected: s > 0 ? round(m / (s * Math.sqrt(1 / d.length + nVal / nTrain)), 2) : null,
    autoAtLeast: d.filter((x) => x >= 0).length,
    autoAhead: d.filter((x) => x > 0).length,
    ties: d.filter((x) => x === 0).length,
  };
}

/** Val accuracy per head (auto, then each preset) and auto's winners, per split; seconds per step. */
async function trainSplits(base: string, cacheDir: string) {
  // Clean pooled vectors of every photo, computed as `train`'s pre-run check computes them for head auto
  // (pipeline/pre-pass.ts, 'avg' form, through the run's store: the runs read them from the cache);
  // with `--full-cv` also full maps, for `autoFullCv` (CV pooling full maps on read, as earlier benches).
  const scan = await scanDataset(DATA, TrainConfig.parse({}).split);
  const config = TrainConfig.parse({ base, seed });
  const input = { scan, config, cacheDir, mirrorDir: MODELS, backend: await initBackend('auto'), engines: 2 };
  const autos: [string, StoredForm][] = [['auto', 'avg']];
  if (fullCv) autos.push(['autoFullCv', 'full']);
  const sets = new Map<string, FeatureSet>();
  const acc: Record<string, number[]> = {};
  const secs: Record<string, number[]> = {};
  const winners: Record<string, string[]> = {};
  let sizes = { train: 0, val: 0 };
  try {
    for (const [name, form] of autos)
      sets.set(name, (await cleanFeatures(pipelineContext(), input, scan.files, () => form)).set);
    for (let i = 0; i < R; i++) {
      const split = given ? scan : resplit(scan, i);
      const trainRels = new Set(split.files.filter((f) => f.split === 'train').map((f) => f.rel));
      sizes = { train: trainRels.size, val: split.files.filter((f) => f.split === 'val').length };
      const run = async (name: string, c: Record<string, unknown>) => {
        const t = performance.now();
        const r = await runTraining(TrainConfig.parse(c), split, { cacheDir, mirrorDir: MODELS, engines: 2 });
        r.dispose();
        (secs[name] ??= []).push((performance.now() - t) / 1000);
        (acc[name] ??= []).push(r.accuracy!);
      };
      for (const [name, set] of sets) {
        const train = set.items.filter((it) => trainRels.has(it.file.rel));
        const t = performance.now();
        const data = cvDataOf(set, train, scan.classes.length);
        const cv = await autoHead({ data, settings: config, ...cvRepeats });
        (secs[`${name}Cv`] ??= []).push((performance.now() - t) / 1000);
        (winners[name] ??= []).push(cv.winner.id);
        await run(name, withWinner({ base, seed }, cv.winner));
      }
      for (const p of presets) await run(p, { base, seed, head: HEAD_PRESETS[p] });
      const row = Object.entries(acc).map(([k, v]) => `${k} ${v.at(-1)!.toFixed(4)}`);
      const picked = Object.entries(winners).map(([k, v]) => `${k}: ${v.at(-1)}`);
      log(`${base} split ${given ? 'given' : i}: ${row.join(', ')} (${picked.join('; ')})`);
    }
  } finally {
    for (const set of sets.values()) await set.table.close();
  }
  return { acc, secs, winners, sizes };
}

async function benchBase(base: string, cacheDir: string) {
  const { acc, secs, winners, sizes } = await trainSplits(base, cacheDir);
  const bestPreset = presets.reduce((a, b) => (mean(acc[b]) > mean(acc[a]) ? b : a));
  // How often each preset won auto's cross-validation (per auto variant).
  const winnerPresets = Object.fromEntries(
    Object.entries(winners).map(([name, ws]) => {
      const n: Record<string, number> = {};
      for (const w of ws) n[w.split(' ')[0]] = (n[w.split(' ')[0]] ?? 0) + 1;
      return [name, n];
    }),
  );
  return {
    base,
    sizes,
    valAccuracy: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, meanSd(v)])),
    bestPreset,
    autoMinusPreset: Object.fromEntries(
      presets.map((p) => [p, paired(acc.auto, acc[p], sizes.train, sizes.val)]),
    ),
    ...(fullCv && {
      autoFullCvMinus: Object.fromEntries(
        ['auto', ...presets].map((p) => [p, paired(acc.autoFullCv, acc[p], sizes.train, sizes.val)]),
      ),
    }),
    winnerPresets,
    perSplit: acc.auto.map((_, i) => ({
      ...Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, round(v[i])])),
      ...Object.fromEntries(Object.entries(winners).map(([k, v]) => [`${k}Winner`, v[i]])),
    })),
    seconds: Object.fromEntries(Object.entries(secs).map(([k, v]) => [k, meanSd(v)])),
  };
}

async function main() {
  const keep = arg('--cache');
  const cacheDir = keep ?? (await mkdtemp(path.join(os.tmpdir(), 'head-auto-resplit-')));
  const out: Record<string, unknown> = {
    splits: given ? 'given' : R,
    seed,
    presets,
    repeats: cvRepeats?.repeats ?? 'default',
    date: new Date().toISOString(),
    cpus: os.availableParallelism(),
    bases: [],
  };
  try {
    for (const base of bases) {
      const { result, wallS, load } = await measured(base, () => benchBase(base, cacheDir));
      (out.bases as unknown[]).push({ ...result, totalSeconds: round(wallS, 1), load });
    }
  } finally {
    if (!keep) await rm(cacheDir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
