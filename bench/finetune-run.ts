/**
 * One fine-tuning run in its own process, for `finetune.bench.ts`: prints one JSON line with the run's
 * result, its timings and the process's peak RSS (worker threads included).
 * `node --import tsx bench/finetune-run.ts <cacheDir> <dataDir> <modelsDir> [seed]`
 */
import { AugmentSpec } from '../src/shared/augment';
import { TrainConfig } from '../src/shared/train';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { runTraining } from '../src/main/engine/pipeline/run';

const [cacheDir, dataDir, mirrorDir, seed] = process.argv.slice(2);
const config = TrainConfig.parse({
  base: 'mobilenet_v2_0.35_224',
  augment: AugmentSpec.parse({ shearRange: 0.2, zoomRange: 0.2, horizontalFlip: true }), // --augment keras
  augmentViews: 5,
  fineTune: { layers: 20, epochs: 5 },
  seed: seed === undefined ? undefined : Number(seed),
});
const t0 = performance.now();
const run = await runTraining(config, await scanDataset(dataDir, config.split), { cacheDir, mirrorDir });
process.stdout.write(
  `${JSON.stringify({
    accuracy: run.accuracy,
    epochs: run.history.map((h) => `${h.phase}:${h.epoch}`).join(' '),
    fineTuned: run.fineTuned,
    // The epoch whose weights the run kept: a head epoch when no fine-tune epoch beat it on validation loss.
    bestEpoch: ((b) => (b ? `${b.phase}:${b.epoch}` : null))(run.history.filter((h) => h.best).at(-1)),
    features: run.features,
    backend: run.backend.name,
    timingsMs: { ...run.timings, runMs: Math.round(performance.now() - t0) },
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
