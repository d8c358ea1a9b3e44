/**
 * Which folders the app may browse and open as datasets.
 * - Electron: the user is at the keyboard; anything their account can read.
 * - Browser mode: anyone holding the token drives this machine, so browsing (listDir) and opening
 *   datasets are confined to the allowed roots — the user's home folder plus each `--root` given to
 *   `npm run serve` — after resolving symlinks.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DirListing } from '@shared/ipc/contract';
import { isInside } from '../images/confine';
import { ApiException } from './api-error';

export interface FsPolicy {
  /** Starting points shown by the folder browser. */
  roots(): string[];
  /** Resolve a user-typed path (~ expanded) and check it is allowed; throws ApiException otherwise. */
  resolveAllowed(p: string): Promise<string>;
  /**
   * A folder to write into, which may not exist yet: its nearest existing ancestor is resolved and
   * checked, the missing rest appended. Throws ApiException when it is not allowed.
   */
  resolveWritable(p: string): Promise<string>;
}

export function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(2));
  return p;
}

async function realOrThrow(p: string): Promise<string> {
  const abs = path.resolve(expandHome(p.trim()));
  try {
    return await realpath(abs);
  } catch {
    throw new ApiException('NOT_FOUND', `folder not found: ${abs}`);
  }
}

/** `roots` null → unrestricted (Electron). */
export function createFsPolicy(roots: string[] | null): FsPolicy {
  const list = roots ? [...new Set(roots.map((r) => path.resolve(r)))] : null;
  let realRoots: Promise<string[]> | null = null;
  const getRealRoots = () =>
    (realRoots ??= Promise.all((list ?? []).map((r) => realpath(r).catch(() => null))).then((rs) =>
      rs.filter((r): r is string => r !== null),
    ));
  return {
    roots: () => list ?? [os.homedir(), path.parse(os.homedir()).root],
    async resolveAllowed(p) {
      const real = await realOrThrow(p);
      if (list && !(await getRealRoots()).some((r) => isInside(r, real)))
        throw new ApiException(
          'FORBIDDEN',
          `${real} is outside the folders this server may open (${list.join(', ')}); start it with --root <folder> to allow more`,
        );
      return real;
    },
    async resolveWritable(p) {
      const abs = path.resolve(expandHome(p.trim()));
      const missing: string[] = [];
      let probe = abs;
      for (;;) {
        try {
          const real = await realpath(probe);
          // Also when `p` itself is a file: it would be written *into*, as a folder.
          if (!(await stat(real)).isDirectory())
            throw new ApiException('BAD_REQUEST', `${real} is a file, not a folder`);
          if (list && !(await getRealRoots()).some((r) => isInside(r, real)))
            throw new ApiException(
              'FORBIDDEN',
              `${abs} is outside the folders this server may write to (${list.join(', ')})`,
            );
          return path.join(real, ...missing.reverse());
        } catch (e) {
          if (e instanceof ApiException) throw e;
          const up = path.dirname(probe);
          if (up === probe) throw new ApiException('NOT_FOUND', `no existing folder above ${abs}`);
          missing.push(path.basename(probe));
          probe = up;
        }
      }
    },
  };
}

const MAX_ENTRIES = 5000;

/** Sub-folders of `p` (hidden ones skipped), or the roots when `p` is null. */
export async function listDir(policy: FsPolicy, p: string | null): Promise<DirListing> {
  const roots = policy.roots();
  if (p === null)
    return { path: null, parent: null, entries: roots.map((r) => ({ name: r, path: r })), roots };
  const dir = await policy.resolveAllowed(p);
  if (!(await stat(dir)).isDirectory()) throw new ApiException('BAD_REQUEST', `not a folder: ${dir}`);
  const entries: DirListing['entries'] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    const isDir =
      e.isDirectory() ||
      (e.isSymbolicLink() &&
        (await stat(full).then(
          (s) => s.isDirectory(),
          () => false,
        )));
    if (isDir) entries.push({ name: e.name, path: full });
    if (entries.length >= MAX_ENTRIES) break;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' }));
  const up = path.dirname(dir);
  const parent =
    up !== dir &&
    (await policy.resolveAllowed(up).then(
      () => true,
      () => false,
    ))
      ? up
      : null;
  return { path: dir, parent, entries, roots };
}
