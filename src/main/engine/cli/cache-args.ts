/** `cache`'s command line, parsed before cache-cmd.ts (and the feature store) loads. */
import { UsageError } from './args';
import { parseCli } from './parse';
import { CACHE_USAGE } from './usage';

export interface CacheRequest {
  action: 'size' | 'list' | 'clear';
  base?: string;
  cacheDir?: string;
  json: boolean;
}

/** The parsed request, or null when `--help` was asked for. */
export function parseCacheArgs(argv: string[]): CacheRequest | null {
  const { values, positionals } = parseCli({
    args: argv,
    options: {
      base: { type: 'string' },
      'cache-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return null;
  const [action = 'size', ...extra] = positionals;
  if ((action !== 'size' && action !== 'list' && action !== 'clear') || extra.length)
    throw new UsageError(`unknown cache action "${[action, ...extra].join(' ')}"\n${CACHE_USAGE}`);
  return { action, base: values.base, cacheDir: values['cache-dir'], json: values.json };
}
