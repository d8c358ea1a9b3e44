/**
 * Path confinement for image requests: a dataset-relative path must name a regular file inside the
 * dataset root, after resolving symlinks. Shared by the Electron protocol and the browser-mode HTTP route.
 * No Electron imports, so it is unit-testable in Node.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export type ConfineResult = { ok: true; path: string } | { ok: false; status: 403 | 404; reason: string };

/** True when `child` is `root` itself or below it (both absolute, already resolved). */
export function isInside(root: string, child: string): boolean {
  const r = path.relative(root, child);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/** Resolve `rel` under `realRoot` (the root's realpath), refusing anything that leaves it. */
export async function confineToRoot(realRoot: string, rel: string): Promise<ConfineResult> {
  if (!rel) return { ok: false, status: 404, reason: 'empty path' };
  if (rel.includes('\0')) return { ok: false, status: 403, reason: 'NUL in path' };
  // Backslashes are separators on Windows; refusing them everywhere keeps one rule for all platforms.
  if (rel.includes('\\')) return { ok: false, status: 403, reason: 'backslash in path' };
  if (path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel))
    return { ok: false, status: 403, reason: 'absolute path' };
  if (rel.split('/').some((s) => s === '..')) return { ok: false, status: 403, reason: 'path traversal' };
  const joined = path.join(realRoot, rel);
  if (!isInside(realRoot, joined)) return { ok: false, status: 403, reason: 'outside dataset root' };
  let real: string;
  try {
    real = await realpath(joined);
  } catch {
    return { ok: false, status: 404, reason: 'no such file' };
  }
  // A symlink inside the dataset may point anywhere; only its target counts.
  if (!isInside(realRoot, real))
    return { ok: false, status: 403, reason: 'symlink leads outside dataset root' };
  try {
    if (!(await stat(real)).isFile()) return { ok: false, status: 404, reason: 'not a file' };
  } catch {
    return { ok: false, status: 404, reason: 'no such file' };
  }
  return { ok: true, path: real };
}

/** `rootOf(id)` gives the realpath of a dataset root opened this session, or undefined. */
export async function resolveDatasetImage(
  rootOf: (datasetId: string) => string | undefined,
  datasetId: string,
  rel: string,
): Promise<ConfineResult> {
  const root = rootOf(datasetId);
  if (!root) return { ok: false, status: 404, reason: 'unknown dataset id' };
  return confineToRoot(root, rel);
}
