import type { CacheReport } from '@shared/cache';
import { cacheReport, clearCache } from '../store/report';
import { defaultCacheDir } from '../../util/paths';
import type { CacheRequest } from './cache-args';
import { table } from './progress';

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
export async function cacheCommand(req: CacheRequest): Promise<number> {
  const { action, base, json } = req;
  const root = req.cacheDir ?? defaultCacheDir();
  const w = (s: string) => process.stdout.write(`${s}\n`);
  if (action === 'clear') {
    const res = await clearCache(root, { base });
    if (json) w(JSON.stringify(res));
    else
      w(
        res.removedSets || res.legacyRemoved
          ? `Removed ${res.removedSets} cached variant(s)${base ? ` of ${base}` : ''}${res.legacyRemoved ? ' and the old cache layout' : ''}: ${formatBytes(res.removedBytes)} freed.`
          : `Nothing to remove${base ? ` for base ${base}` : ''}.`,
      );
    return 0;
  }
  const report = await cacheReport(root);
  if (json) w(JSON.stringify(report));
  else if (action === 'list') printList(report, base, w);
  else printSize(report, base, w);
  return 0;
}
