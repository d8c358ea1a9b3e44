/**
 * A training run in its own process, for tests that kill it: `tsx train-child.ts <json options>`.
 * Prints every epoch and batch event as a JSON line on stdout, then `{"type":"done"}`.
 */
import { runBoundaryTraining } from '../../src/main/engine/finetune/run-boundary';
import { runTraining } from '../../src/main/engine/train/run';

const o = JSON.parse(process.argv[2]) as {
  dataDir: string;
  config: Record<string, unknown>;
  cacheDir: string;
  mirrorDir: string;
  runDir: string;
  /** 'boundary': the fine-tune-from-cache pipeline. */
  pipeline?: 'boundary';
};
const train = o.pipeline === 'boundary' ? runBoundaryTraining : runTraining;
const run = await train({
  ...o,
  backend: 'wasm',
  engines: 1,
  onEvent: (e) => {
    if (e.type === 'epoch' || e.type === 'batch') process.stdout.write(`${JSON.stringify(e)}\n`);
  },
});
process.stdout.write(`${JSON.stringify({ type: 'done', epochs: run.history.length })}\n`);
