/**
 * One fine-tuning run in its own process, for `finetune.bench.ts`: prints one JSON line with the run's
 * result, its timings and the process's peak RSS (worker threads included).
 * `node --import tsx bench/finetune-run.ts <boundary|full-image> <cacheDir> <dataDir> <modelsDir>`
 */
import { AugmentSpec } from '../src/shared/augment';
import { runBoundaryTraining } from '../src/main/engine/finetune/run-boundary';
import { runTraining } from '../src/main/engine/train/run';

const [mode, cacheDir, dataDir, mirrorDir] = process.argv.slice(2);
const config = {
  base: 'mobilenet_v2_0.35_224',
  augment: AugmentSpec.parse({ shearRange: 0.2, zoomRange: 0.2, horizontalFlip: true }), // --augment keras
  augmentViews: 5,
  fineTune: { layers: 20, epochs: 5 },
};
const opts = { dataDir, config, cacheDir, mirrorDir };
const run = mode === 'full-image' ? await runTraining(opts) : await runBoundaryTraining(opts);
process.stdout.write(
  `${JSON.stringify({
    mode,
    accuracy: run.accuracy,
    epochs: run.history.map((h) => `${h.phase}:${h.epoch}`).join(' '),
    fineTuned: run.fineTuned,
    features: run.features,
    backend: run.backend.name,
    timingsMs: run.timings,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
