import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './args';

/** `--lr -1` as `--lr=-1`: parseArgs reads a dash-led value as a flag and refuses it as "ambiguous". */
function joinNegativeValues(args: readonly string[], options: ParseArgsConfig['options'] = {}): string[] {
  const takesValue = (a: string) =>
    a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string';
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (takesValue(args[i]) && next !== undefined && /^-\d|^-\.\d|^-Infinity$/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/**
 * node:util parseArgs, with every ERR_PARSE_ARGS_* (missing value, unknown flag, stray argument) as a
 * one-line UsageError, and negative numbers accepted as values so their own range check can speak.
 */
export function parseCli<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const args = joinNegativeValues(config.args ?? process.argv.slice(2), config.options);
  try {
    return parseArgs<T>({ ...config, args });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!err.code?.startsWith('ERR_PARSE_ARGS_')) throw e;
    throw new UsageError(err.message.split('\n')[0].replace(/\. To specify .*$/, ''));
  }
}
