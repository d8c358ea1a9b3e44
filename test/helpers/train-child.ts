/**
 * A training run in its own process, for tests that kill it: `tsx train-child.ts <json options>`.
 * Prints every epoch and batch event as a JSON line on stdout, then `{"type":"done"}`.
 */
import { trainOn } from './train';

const o = JSON.parse(process.argv[2]) as {
  dataDir: string;
  config: Record<string, unknown>;
  cacheDir: string;
  mirrorDir: string;
  runDir: string;
};
const run = await trainOn({
  ...o,
  backend: 'wasm',
  engines: 1,
  onEvent: (e) => {
    if (e.type === 'epoch' || e.type === 'batch') process.stdout.write(`${JSON.stringify(e)}\n`);
  },
});
process.stdout.write(`${JSON.stringify({ type: 'done', epochs: run.history.length })}\n`);
