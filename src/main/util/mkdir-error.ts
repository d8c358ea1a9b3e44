import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

const WHY: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/**
 * Why `dir` could not be created, in words: recursive mkdir reports ENOENT when a parent on a
 * read-only mount cannot be made, and ENOTDIR when a parent is a file. The nearest existing
 * ancestor says what is really wrong: a file, or a folder that is not writable.
 */
export async function explainMkdirError(dir: string, e: unknown): Promise<string> {
  const code = (e as NodeJS.ErrnoException).code;
  const abs = path.resolve(dir);
  let probe = abs;
  for (;;) {
    const s = await stat(probe).catch(() => null);
    if (s) {
      if (!s.isDirectory()) return `cannot create ${abs}: ${probe} is a file, not a folder`;
      const denied = await access(probe, constants.W_OK).then(
        () => null,
        (err: NodeJS.ErrnoException) => err.code ?? 'EACCES',
      );
      if (denied) return `cannot create ${abs}: ${probe} is not writable (${WHY[denied] ?? denied})`;
      break;
    }
    const up = path.dirname(probe);
    if (up === probe) break;
    probe = up;
  }
  if (code && code in WHY) return `cannot create ${abs}: the folder is not writable (${WHY[code]})`;
  return `cannot create ${abs}: ${code ?? (e as Error).message}`;
}
