/** `train`, `predict`, `eval`, `cache` and `demo`: the engine from a terminal, the same code the app runs. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { errorCode } from '@shared/errors';
import { sharedDir } from '../../util/paths';
import { UsageError } from './args';
import { cacheCommand } from './cache-cmd';
import { evalCommand, predictCommand } from './predict-cmd';
import { trainCommand } from './train-cmd';

const USAGE = `usage: transfer-studio <train|predict|eval|cache|demo> [options]   (--help on each)`;

async function demo(argv: string[]): Promise<number> {
  const shared = sharedDir();
  const data = shared ? path.join(shared, 'datasets', 'hymenoptera_data') : null;
  if (!data || !existsSync(data))
    throw new UsageError(
      'demo data not found: expected ../shared/datasets/hymenoptera_data beside the checkout. ' +
        'Download https://download.pytorch.org/tutorial/hymenoptera_data.zip, unzip it, and run: npm run train -- --data <folder>',
    );
  const args = argv.includes('--base') ? argv : ['--base', 'mobilenet_v2_0.35_224', ...argv];
  return trainCommand(['--data', data, ...args], { out: path.join('runs', 'demo') });
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'train':
      return trainCommand(rest);
    case 'predict':
      return predictCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case 'cache':
      return cacheCommand(rest);
    case 'demo':
      return demo(rest);
    default:
      throw new UsageError(USAGE);
  }
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
