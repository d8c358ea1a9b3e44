import type { CacheReport } from '@shared/cache';
import { cacheReport, clearCache } from '../store/report';
import { defaultCacheDir } from '../../util/paths';
import { UsageError } from './args';
import { parseCli } from './parse';
import { table } from './progress';

import { CACHE_USAGE } from './usage';

export { CACHE_USAGE } from './usage';

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

function printSize(r: CacheReport, base: string | undefined, w: (s: string) => void) {
  const bases = base ? r.bases.filter((b) => b.baseId === base) : r.bases;
  w(`Feature cache ${r.root}: ${formatBytes(r.totalBytes)}`);
  if (r.legacyBytes)
    w(`  (${formatBytes(r.legacyBytes)} of it an old cache layout, never read: \`clear\` removes it)`);
  if (!bases.length) return w(base ? `No features cached for base ${base}.` : 'No features cached.');
  w('');
  w(
    table([
      ['base', 'variants', 'vectors', 'size'],
      ...bases.map((b) => [b.baseId, b.sets, b.records, formatBytes(b.bytes)]),
    ]),
  );
}

function printList(r: CacheReport, base: string | undefined, w: (s: string) => void) {
  const sets = base ? r.sets.filter((s) => s.baseId === base) : r.sets;
  if (!sets.length) return w(base ? `No features cached for base ${base}.` : 'No features cached.');
  w(
    table([
      ['base', 'stored', 'precision', 'shape', 'resize', 'vectors', 'chunks', 'size', 'modified', 'key'],
      ...sets.map((s) => [
        s.baseId ?? '?',
        s.form === 'full' ? 'feature maps' : s.form ? `${s.form}-pooled` : '?',
        s.precision ?? '?',
        s.vectorShape ? `[${s.vectorShape.join(',')}]` : '?',
        s.resize ?? '?',
        s.records,
        s.unsealedChunks ? `${s.chunks} (${s.unsealedChunks} open)` : s.chunks,
        formatBytes(s.bytes),
        s.modified?.slice(0, 19).replace('T', ' ') ?? '?',
        s.setKey.slice(0, 12),
      ]),
    ]),
  );
}

/** `transfer-studio cache`: how much the feature cache holds, per base and variant, and clearing it. */
export async function cacheCommand(argv: string[]): Promise<number> {
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
  if (values.help) {
    process.stdout.write(`${CACHE_USAGE}\n`);
    return 0;
  }
  const [action = 'size', ...extra] = positionals;
  if (!['size', 'list', 'clear'].includes(action) || extra.length)
    throw new UsageError(`unknown cache action "${[action, ...extra].join(' ')}"\n${CACHE_USAGE}`);
  const root = values['cache-dir'] ?? defaultCacheDir();
  const w = (s: string) => process.stdout.write(`${s}\n`);
  if (action === 'clear') {
    const res = await clearCache(root, { base: values.base });
    if (values.json) w(JSON.stringify(res));
    else
      w(
        res.removedSets || res.legacyRemoved
          ? `Removed ${res.removedSets} cached variant(s)${values.base ? ` of ${values.base}` : ''}${res.legacyRemoved ? ' and the old cache layout' : ''}: ${formatBytes(res.removedBytes)} freed.`
          : `Nothing to remove${values.base ? ` for base ${values.base}` : ''}.`,
      );
    return 0;
  }
  const report = await cacheReport(root);
  if (values.json) w(JSON.stringify(report));
  else if (action === 'list') printList(report, values.base, w);
  else printSize(report, values.base, w);
  return 0;
}
