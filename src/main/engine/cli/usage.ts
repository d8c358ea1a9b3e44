/**
 * Every command's usage line, in a module that loads nothing heavy: `--help` prints these without
 * importing the engine (tfjs, ONNX Runtime, sharp), so it answers at once.
 */
export { TRAIN_USAGE } from './train-args';

export const USAGE = `usage: transfer-studio <train|predict|eval|cache|demo> [options]   (--help on each)`;
export const PREDICT_USAGE = 'usage: npm run predict -- --model <dir> [--top K] [--json] <images…>';
export const EVAL_USAGE = 'usage: npm run eval -- --model <dir> --data <dir> [--json]';
export const CACHE_USAGE =
  'usage: npm run cache -- [size|list|clear] [--base <id>] [--cache-dir <dir>] [--json]';
export const DEMO_USAGE =
  'usage: npm run demo [-- <train options>]   (trains on ../shared/datasets/hymenoptera_data; see train --help)';
