import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CodedError } from '../../shared/errors';

export class WriteError extends CodedError {
  override name = 'WriteError';
  constructor(message: string) {
    super('IO_ERROR', message);
  }
}

function ioError(what: string, e: unknown): WriteError {
  const err = e as NodeJS.ErrnoException;
  const hint =
    err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS'
      ? ' (the folder is not writable)'
      : '';
  return new WriteError(`${what}: ${err.code ?? err.message}${hint}`);
}

/**
 * Build a folder in a temp sibling, then rename it into place: readers never see a half-written result.
 * An existing `target` is replaced only after the new one is complete (moved aside, then removed).
 */
export async function writeDirAtomic(
  target: string,
  build: (tmpDir: string) => Promise<void>,
): Promise<void> {
  const parent = path.dirname(path.resolve(target));
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw new WriteError(
      `cannot create ${parent}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${tag}`);
  try {
    await mkdir(tmp);
  } catch (e) {
    throw new WriteError(
      `cannot write to ${parent}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    await build(tmp);
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists) {
      const old = path.join(parent, `.${path.basename(target)}.old-${tag}`);
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e instanceof Error && 'code' in e ? ioError(`writing ${target} failed`, e) : e;
  }
}
