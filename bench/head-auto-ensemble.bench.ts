/**
 * Would averaging head auto's top candidates beat its single winner? (An investigation: the app trains and
 * exports one head.) `npx tsx bench/head-auto-ensemble.bench.ts [--seeds 1,2,3] [--bases …] [--top 3,5]
 * [--with keras] [--cache DIR]`. Per base and seed: head auto's table on the training split, then the CLI's
 * run for each of the top candidates by out-of-fold accuracy (and `--with` presets); their probabilities on
 * hymenoptera's validation photos are averaged over the top k. Prints ONE JSON object on stdout (val
 * accuracy per seed: the winner, each top-k average, the presets, winner+preset averages); progress on
 * stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HEAD_PRESETS, type HeadPresetId } from '@shared/head';
import { TrainConfig } from '@shared/train';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { CvData, argmax } from '../src/main/engine/quality/cross-val';
import { autoHead, withWinner } from '../src/main/engine/quality/head-auto';
import { runTraining } from '../src/main/engine/pipeline/run';
import { tf } from '../src/main/engine/tf';
import { cleanFeatures, cvSources } from '../test/helpers/quality-features';
import { arg } from './measure';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const DATA = path.join(SHARED, 'datasets', 'hymenoptera_data');
const MODELS = path.join(SHARED, 'models');
const seeds = (arg('--seeds') ?? '1,2,3').split(',').map(Number);
const bases = (arg('--bases') ?? 'mobilenet_v1_0.25_224,mobilenet_v2_0.35_224').split(',');
const tops = (arg('--top') ?? '3,5').split(',').map(Number);
const extra = (arg('--with')?.split(',') ?? []) as HeadPresetId[];
const log = (s: string) => process.stderr.write(`[head-auto-ensemble] ${s}\n`);
const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;
const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length);

async function main() {
  const keep = arg('--cache');
  const cacheDir = keep ?? (await mkdtemp(path.join(os.tmpdir(), 'head-auto-ens-')));
  const out: Record<string, unknown> = { seeds, tops, with: extra, date: new Date().toISOString() };
  const perBase: unknown[] = [];
  try {
    for (const base of bases) {
      const { set, scan, featureShape } = await cleanFeatures(DATA, base, cacheDir, 'full');
      const train = set.items.filter((it) => it.file.split === 'train');
      const val = set.items.filter((it) => it.file.split === 'val');
      const C = scan.classes.length;
      const maps = new Float32Array(val.length * set.vectorSize);
      await set.table.read(
        val.map((it) => it.views[0]),
        maps,
      );
      const labels = val.map((it) => it.file.classIndex);
      const data = new CvData(train, featureShape, C, cvSources(set, train));
      const runScan = await scanDataset(DATA, TrainConfig.parse({}).split);
      /** The CLI's run of one config; its head's probabilities on the validation maps. */
      const probsOf = async (config: Record<string, unknown>) => {
        const run = await runTraining(TrainConfig.parse(config), runScan, {
          cacheDir,
          mirrorDir: MODELS,
          engines: 2,
        });
        try {
          const x = tf.tensor(maps, [val.length, ...featureShape]);
          const p = run.head.model.predict(x) as tf.Tensor;
          const probs = (await p.data()) as Float32Array;
          x.dispose();
          p.dispose();
          return { probs, reported: run.accuracy! };
        } finally {
          run.dispose();
        }
      };
      const accuracyOf = (ps: Float32Array[]) => {
        let correct = 0;
        const row = new Float32Array(C);
        for (let i = 0; i < val.length; i++) {
          row.fill(0);
          for (const p of ps) for (let c = 0; c < C; c++) row[c] += p[i * C + c];
          if (argmax(row) === labels[i]) correct++;
        }
        return correct / val.length;
      };
      const acc: Record<string, number[]> = {};
      const push = (k: string, v: number) => (acc[k] ??= []).push(round(v));
      for (const seed of seeds) {
        const r = await autoHead({ data, settings: TrainConfig.parse({ base, seed }) });
        const ranked = r.rows
          .filter((row) => row.status === 'done')
          .sort((a, b) => b.accuracy! - a.accuracy! || a.logLoss! - b.logLoss!);
        const winner = await probsOf(withWinner({ base, seed }, r.winner));
        push('winner', accuracyOf([winner.probs]));
        push('winnerAsReported', winner.reported);
        const top: Float32Array[] = [];
        for (const row of ranked.slice(0, Math.max(...tops)))
          top.push(
            row.candidate.id === r.winner.id
              ? winner.probs
              : (await probsOf(withWinner({ base, seed }, row.candidate))).probs,
          );
        push('top1', accuracyOf(top.slice(0, 1)));
        for (const k of tops) push(`top${k}`, accuracyOf(top.slice(0, k)));
        for (const p of extra) {
          const q = await probsOf({ base, seed, head: HEAD_PRESETS[p] });
          push(p, accuracyOf([q.probs]));
          push(`winner+${p}`, accuracyOf([winner.probs, q.probs]));
        }
        log(
          `${base} seed ${seed}: ${JSON.stringify(Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.at(-1)])))}`,
        );
      }
      perBase.push({
        base,
        valPhotos: val.length,
        mean: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, mean(v)])),
        perSeed: acc,
      });
    }
  } finally {
    if (!keep) await rm(cacheDir, { recursive: true, force: true });
  }
  out.bases = perBase;
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
