import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { CacheReport, CacheSetInfo, ClearResult, type CacheBaseInfo, type CacheFilter } from '@shared/cache';
import { FORMAT_VERSION, idxCount } from './format';
import { FeatureStore, LEGACY_DIRS } from './store';

/** Bytes on disk under a path (allocated blocks, as `du` counts), following no symlinks. */
async function diskBytes(p: string): Promise<number> {
  const s = await stat(p).catch(() => null);
  if (!s) return 0;
  if (!s.isDirectory()) return s.blocks * 512;
  const names = await readdir(p).catch(() => [] as string[]);
  let total = s.blocks * 512;
  for (const n of names) total += await diskBytes(path.join(p, n));
  return total;
}

async function idxRecords(file: string): Promise<number> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return 0;
  try {
    const head = Buffer.alloc(64);
    await fh.read(head, 0, 64, 0);
    return idxCount(head) ?? 0;
  } finally {
    await fh.close();
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

async function setInfo(dir: string, setKey: string): Promise<CacheSetInfo> {
  const meta = (await readFile(path.join(dir, 'set.json'), 'utf8')
    .then((t) => JSON.parse(t) as Record<string, unknown>)
    .catch(() => ({}))) as Record<string, unknown>;
  const names = await readdir(dir).catch(() => [] as string[]);
  const chunks = names.filter((n) => n.endsWith('.chunk')).map((n) => n.slice(0, -6));
  const sealed = new Set(names.filter((n) => n.endsWith('.idx')).map((n) => n.slice(0, -4)));
  let records = 0;
  let modified = 0;
  for (const c of chunks) if (sealed.has(c)) records += await idxRecords(path.join(dir, `${c}.idx`));
  for (const n of names)
    modified = Math.max(modified, (await stat(path.join(dir, n)).catch(() => null))?.mtimeMs ?? 0);
  const form = CacheSetInfo.shape.form.safeParse(meta.form);
  const precision = CacheSetInfo.shape.precision.safeParse(meta.precision);
  const shape = CacheSetInfo.shape.vectorShape.safeParse(meta.vectorShape);
  return {
    setKey,
    baseId: str(meta.baseId),
    baseName: str(meta.baseName),
    form: form.success ? form.data : null,
    precision: precision.success ? precision.data : null,
    vectorShape: shape.success ? shape.data : null,
    resize: str(meta.resize),
    records,
    chunks: chunks.length,
    unsealedChunks: chunks.filter((c) => !sealed.has(c)).length,
    bytes: await diskBytes(dir),
    modified: modified ? new Date(modified).toISOString() : null,
  };
}

/** What the feature cache under `root` holds: totals, per set (base/form/precision) and per base. */
export async function cacheReport(root: string): Promise<CacheReport> {
  const storeDir = FeatureStore.dir(root);
  const keys = (await readdir(storeDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const sets = await Promise.all(keys.map((k) => setInfo(path.join(storeDir, k), k)));
  const bases = new Map<string, CacheBaseInfo>();
  for (const s of sets) {
    const id = s.baseId ?? '(unknown)';
    const b = bases.get(id) ?? { baseId: id, baseName: s.baseName ?? id, sets: 0, records: 0, bytes: 0 };
    b.sets++;
    b.records += s.records;
    b.bytes += s.bytes;
    bases.set(id, b);
  }
  const storeBytes = await diskBytes(path.join(root, 'store'));
  let legacyBytes = 0;
  for (const d of LEGACY_DIRS) legacyBytes += await diskBytes(path.join(root, d));
  return CacheReport.parse({
    root,
    storeVersion: FORMAT_VERSION,
    totalBytes: storeBytes + legacyBytes,
    storeBytes,
    legacyBytes,
    sets,
    bases: [...bases.values()].sort((a, b) => b.bytes - a.bytes),
  });
}

/**
 * Removes cached features: everything (store, other store versions and old layouts), or only the sets
 * of one base. A run writing at the same time loses nothing but its own cache entries: what it misses
 * is recomputed next time. Downloaded models and thumbnails are not touched.
 */
export async function clearCache(root: string, filter: CacheFilter = {}): Promise<ClearResult> {
  if (filter.base === undefined) {
    const before = await cacheReport(root);
    await rm(path.join(root, 'store'), { recursive: true, force: true });
    for (const d of LEGACY_DIRS) await rm(path.join(root, d), { recursive: true, force: true });
    return ClearResult.parse({
      removedSets: before.sets.length,
      removedBytes: before.totalBytes,
      legacyRemoved: before.legacyBytes > 0,
    });
  }
  const report = await cacheReport(root);
  const doomed = report.sets.filter((s) => s.baseId === filter.base);
  for (const s of doomed)
    await rm(path.join(FeatureStore.dir(root), s.setKey), { recursive: true, force: true });
  return ClearResult.parse({
    removedSets: doomed.length,
    removedBytes: doomed.reduce((a, s) => a + s.bytes, 0),
    legacyRemoved: false,
  });
}
