/**
 * `train`, `predict`, `eval`, `cache` and `demo`: the engine from a terminal, the same code the app runs.
 * Each command's flags are parsed and checked first (*-args.ts, which load nothing heavy); its module is
 * imported only then (the engine loads tfjs, ONNX Runtime and sharp), so `--help`, a mistyped command
 * and a bad flag answer at once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { errorCode } from '@shared/errors';
import { sharedDir } from '../../util/paths';
import { UsageError } from './args';
import { parseCacheArgs } from './cache-args';
import { parseEvalArgs, parsePredictArgs } from './predict-args';
import { parseTrainArgs } from './train-args';
import { CACHE_USAGE, DEMO_USAGE, EVAL_USAGE, PREDICT_USAGE, TRAIN_USAGE, USAGE } from './usage';

async function demo(argv: string[]): Promise<number> {
  const shared = sharedDir();
  const data = shared ? path.join(shared, 'datasets', 'hymenoptera_data') : null;
  if (!data || !existsSync(data))
    throw new UsageError(
      'demo data not found: expected ../shared/datasets/hymenoptera_data beside the checkout. ' +
        'Download https://download.pytorch.org/tutorial/hymenoptera_data.zip, unzip it, and run: npm run train -- --data <folder>',
    );
  const args = argv.includes('--base') ? argv : ['--base', 'mobilenet_v2_0.35_224', ...argv];
  return train(['--data', data, ...args], { out: path.join('runs', 'demo') });
}

async function train(argv: string[], defaults?: { data?: string; out?: string }): Promise<number> {
  const req = parseTrainArgs(argv, defaults);
  if (!req) return (process.stdout.write(`${TRAIN_USAGE}\n`), 0);
  return (await import('./train-cmd')).trainCommand(req);
}

async function cache(argv: string[]): Promise<number> {
  const req = parseCacheArgs(argv);
  if (!req) return (process.stdout.write(`${CACHE_USAGE}\n`), 0);
  return (await import('./cache-cmd')).cacheCommand(req);
}

/** One row per command: its usage (printed for --help without loading it) and how to run it. */
const COMMANDS: Record<string, { usage: string; run(argv: string[]): Promise<number> }> = {
  train: { usage: TRAIN_USAGE, run: (a) => train(a) },
  predict: {
    usage: PREDICT_USAGE,
    run: async (a) => {
      const req = parsePredictArgs(a);
      return (await import('./predict-cmd')).predictCommand(req);
    },
  },
  eval: {
    usage: EVAL_USAGE,
    run: async (a) => {
      const req = parseEvalArgs(a);
      return (await import('./predict-cmd')).evalCommand(req);
    },
  },
  cache: { usage: CACHE_USAGE, run: cache },
  demo: { usage: DEMO_USAGE, run: demo },
};

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  const command = Object.hasOwn(COMMANDS, cmd ?? '') ? COMMANDS[cmd] : null;
  if (!command) {
    if (cmd === '--help' || cmd === '-h') return (process.stdout.write(`${USAGE}\n`), 0);
    throw new UsageError(USAGE);
  }
  // Options end at `--`: after it, `-h` is a file name.
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (options.includes('--help') || options.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

/** Bad input, or a machine problem the user must fix (a system call's error: EACCES, ENOSPC, ELOOP…). */
const isExpected = (e: Error) => {
  const err = e as NodeJS.ErrnoException;
  return (
    errorCode(e) !== 'INTERNAL' ||
    err.code?.startsWith('ERR_PARSE_ARGS_') === true ||
    (typeof err.syscall === 'string' && typeof err.code === 'string')
  );
};

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    // Bad input is the user's to fix: one line, exit 2, no stack. Anything else is our bug: the stack.
    const expected = isExpected(e);
    process.stderr.write(
      `error: ${expected ? e.message.replace(/\s*\n\s*/g, ' ') : (e.stack ?? e.message)}\n`,
    );
    process.exit(expected ? 2 : 1);
  },
);
