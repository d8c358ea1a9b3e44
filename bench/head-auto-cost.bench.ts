/**
 * Head auto's cost and its bound: `npx tsx bench/head-auto-cost.bench.ts [--sizes 10000,40000]
 * [--bases …] [--cache DIR]`. Per base: the selection (autoHead alone: cross-validation of the default
 * grid, as a run does before training) on hymenoptera's real training vectors, then on n synthetic
 * training vectors made from them (test/helpers/scaled-features.ts), beside the head training a run
 * does at that size (the winner fitted once on the n vectors, with n/4 more as its validation set:
 * early stopping, restore best). Prints ONE JSON object on stdout (wall and CPU seconds, the plan:
 * vectors ranked on, folds × repeats, head fits); progress on stderr. Timings depend on the machine's
 * load (the 1-minute load average is reported with each).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { TrainConfig } from '@shared/train';
import { CvData, fitAndPredict } from '../src/main/engine/quality/cross-val';
import { autoHead } from '../src/main/engine/quality/head-auto';
import { cleanFeatures, cvSources } from '../test/helpers/quality-features';
import { scaledCvData } from '../test/helpers/scaled-features';
import { arg } from './measure';

const SHARED = path.resolve(import.meta.dirname, '../../shared');
const DATA = path.join(SHARED, 'datasets', 'hymenoptera_data');
const sizes = (arg('--sizes') ?? '10000').split(',').map(Number);
const bases = (arg('--bases') ?? 'mobilenet_v1_0.25_224,mobilenet_v2_0.35_224').split(',');
const log = (s: string) => process.stderr.write(`[head-auto-cost] ${s}\n`);
const LIGHT = HeadSpec.parse(HEAD_PRESETS.light);
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

async function timed<T>(fn: () => Promise<T>) {
  const load = round(os.loadavg()[0]);
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const result = await fn();
  const cpu = process.cpuUsage(cpu0);
  return {
    result,
    wallS: round((performance.now() - t) / 1000),
    cpuS: round((cpu.user + cpu.system) / 1e6),
    loadAvg1AtStart: load,
  };
}

async function main() {
  const keep = arg('--cache');
  const cacheDir = keep ?? (await mkdtemp(path.join(os.tmpdir(), 'head-auto-cost-')));
  const settings = TrainConfig.parse({ seed: 1 });
  const out: Record<string, unknown> = { date: new Date().toISOString(), sizes, bases: [] };
  try {
    for (const base of bases) {
      const { set, scan, featureShape } = await cleanFeatures(DATA, base, cacheDir, 'avg');
      const items = set.items.filter((it) => it.file.split === 'train');
      const real = new CvData(items, featureShape, scan.classes.length, cvSources(set, items));
      const select = async (data: CvData) => {
        const t = await timed(() => autoHead({ data, settings }));
        const r = t.result;
        return {
          n: data.items.length,
          ...r.sample,
          folds: r.folds,
          repeats: r.repeats,
          candidates: r.rows.filter((x) => x.status === 'done').length,
          winner: r.winner.id,
          selection: { wallS: t.wallS, cpuS: t.cpuS, loadAvg1AtStart: t.loadAvg1AtStart },
        };
      };
      const rows: unknown[] = [await select(real)];
      log(`${base}: ${JSON.stringify(rows[0])}`);
      for (const n of sizes) {
        const all = await scaledCvData(real, n + Math.round(n / 4), n);
        const train = all.subset(Array.from({ length: n }, (_, i) => i));
        const row = await select(train);
        // A run's head phase at this size: the light preset at its default rate, val = n/4 more vectors.
        const inputs = await all.inputsFor(LIGHT);
        const run = await timed(() =>
          fitAndPredict({
            inputs,
            train: inputs.items.slice(0, n),
            heldOut: inputs.items.slice(n),
            featureShape,
            numClasses: all.numClasses,
            spec: LIGHT,
            settings,
            seed: settings.seed,
            heldOutAsValidation: true,
          }),
        );
        rows.push({
          ...row,
          runHeadTraining: { wallS: run.wallS, cpuS: run.cpuS, loadAvg1AtStart: run.loadAvg1AtStart },
          selectionOverRun: round(row.selection.wallS / run.wallS, 1),
        });
        log(`${base}: ${JSON.stringify(rows.at(-1))}`);
      }
      (out.bases as unknown[]).push({ base, rows });
    }
  } finally {
    if (!keep) await rm(cacheDir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
