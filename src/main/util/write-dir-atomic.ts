/**
 * Folders that readers never see half-written: built under a hidden temp name, then renamed into place.
 * `writeDirAtomic` replaces one folder; `replaceDirsAtomic` replaces several as one (an export's formats):
 * every one of them lands, or none does and the previous ones stay exactly as they were.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CodedError } from '@shared/errors';
import { explainMkdirError } from './mkdir-error';

export class WriteError extends CodedError {
  override name = 'WriteError';
  constructor(message: string) {
    super('IO_ERROR', message);
  }
}

/** A file-system error (ENOSPC, EACCES, …), as opposed to one of ours that merely has a code. */
const isFsError = (e: unknown): e is NodeJS.ErrnoException =>
  e instanceof Error && !(e instanceof CodedError) && typeof (e as NodeJS.ErrnoException).code === 'string';

const HINTS: Record<string, string> = {
  EACCES: 'the folder is not writable',
  EPERM: 'the folder is not writable',
  EROFS: 'the folder is not writable',
  ENOSPC: 'no space left on the disk',
  EDQUOT: 'disk quota exceeded',
};

/** One line naming what failed and why: the errno code and, for the common ones, what it means. */
function ioError(what: string, e: unknown): WriteError {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? err.message.split('\n')[0];
  return new WriteError(`${what}: ${code}${err.code && HINTS[err.code] ? ` (${HINTS[err.code]})` : ''}`);
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

const tempTag = () => `${process.pid}-${randomBytes(4).toString('hex')}`;

/** mkdir -p, as a WriteError saying what is really wrong (a file in the way, a read-only folder). */
async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new WriteError(await explainMkdirError(dir, e));
  }
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
  await makeDir(parent);
  const tag = tempTag();
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${tag}`);
  try {
    await mkdir(tmp);
  } catch (e) {
    throw ioError(`cannot write to ${parent}`, e);
  }
  try {
    await build(tmp);
    if (await exists(target)) {
      const old = path.join(parent, `.${path.basename(target)}.old-${tag}`);
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw isFsError(e) ? ioError(`writing ${target} failed`, e) : e;
  }
}

export interface DirBuild {
  /** Where the folder goes, relative to the root (`tfjs`, `savedmodel/1`). */
  rel: string;
  /** What it is, for error messages. */
  label: string;
  /** Write the folder's content into `dir` (empty, already created). */
  build(dir: string): Promise<void>;
}

/**
 * Replace several folders under `root` as one: each is built in one hidden staging folder inside
 * `root`; only when all are built are the old ones moved aside and the new ones renamed into place.
 * If building or any move fails, everything moved is put back: the previous folders stay untouched
 * and the error is one line. `onBuilt` reports each folder built.
 */
export async function replaceDirsAtomic(
  root: string,
  items: DirBuild[],
  onBuilt?: (done: number, total: number) => void,
): Promise<void> {
  const abs = path.resolve(root);
  await makeDir(abs);
  const staging = path.join(abs, `.replace-${tempTag()}`);
  try {
    await mkdir(staging);
  } catch (e) {
    throw ioError(`cannot write to ${abs}`, e);
  }
  const fresh = (rel: string) => path.join(staging, 'new', rel);
  const aside = (rel: string) => path.join(staging, 'old', rel);
  try {
    let done = 0;
    for (const it of items) {
      try {
        await mkdir(fresh(it.rel), { recursive: true });
        await it.build(fresh(it.rel));
      } catch (e) {
        throw isFsError(e) ? ioError(`writing ${it.label} failed, nothing was replaced`, e) : e;
      }
      onBuilt?.(++done, items.length);
    }
    await swapIn(abs, items, fresh, aside);
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Old folders aside, new ones in; on any failure, undo what was done, newest first. */
async function swapIn(
  root: string,
  items: DirBuild[],
  fresh: (rel: string) => string,
  aside: (rel: string) => string,
): Promise<void> {
  const undo: (() => Promise<unknown>)[] = [];
  const step = async (what: string, doIt: () => Promise<unknown>, undoIt: () => Promise<unknown>) => {
    try {
      await doIt();
    } catch (e) {
      for (const u of undo.reverse()) await u().catch(() => undefined);
      throw ioError(`${what}, nothing was replaced`, e);
    }
    undo.push(undoIt);
  };
  const none = async () => undefined;
  for (const it of items) {
    const target = path.join(root, it.rel);
    if (!(await exists(target))) continue;
    await step('cannot stage the swap', () => mkdir(path.dirname(aside(it.rel)), { recursive: true }), none);
    await step(
      `cannot move the previous ${it.label} (${target}) aside`,
      () => rename(target, aside(it.rel)),
      () => rename(aside(it.rel), target),
    );
  }
  for (const it of items) {
    const target = path.join(root, it.rel);
    const parent = path.dirname(target);
    // Parent folders made for the new one (savedmodel/ for savedmodel/1) go again on undo.
    let created: string | undefined;
    await step(
      `cannot create ${parent}`,
      async () => (created = await mkdir(parent, { recursive: true })),
      async () => created && removeEmptyUpTo(parent, created),
    );
    await step(
      `cannot move the new ${it.label} into ${target}`,
      () => rename(fresh(it.rel), target),
      () => rename(target, fresh(it.rel)),
    );
  }
}

/** rmdir `dir` and its empty parents up to and including `top`. */
async function removeEmptyUpTo(dir: string, top: string): Promise<void> {
  for (let d = dir; d.startsWith(top); d = path.dirname(d)) {
    const removed = await rmdir(d).then(
      () => true,
      () => false,
    );
    if (!removed || d === top) return;
  }
}
