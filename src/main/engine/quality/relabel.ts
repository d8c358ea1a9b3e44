/**
 * Relabel = move a file into another class folder of the user's dataset. Only through an explicit,
 * confirmed plan (exactly what moves where), recorded in the project's undo stack; undo moves the exact
 * bytes back. Every move refuses to overwrite anything and verifies the file's sha256 on both ends.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, readFile, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetLayout } from '@shared/dataset';
import { ConfirmedRelabel, type FileMove, type QualityState, type RelabelPlan } from '@shared/quality';
import { QualityRequestError, RelabelError } from './errors';
import { applyChange, redoState, undoState } from './state';

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

const isInside = (root: string, p: string) => {
  const r = path.relative(root, p);
  return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
};

/**
 * Where a relabel would put the file: the same place under the other class's folder (same split folder,
 * same sub-folders, same name; " (2)", " (3)"… before the extension if that name is taken). Reads the
 * file to record its hash and size; moves nothing.
 */
export async function planRelabel(o: {
  root: string;
  layout: DatasetLayout;
  file: { path: string; rel: string };
  classes: readonly string[];
  toClass: string;
}): Promise<RelabelPlan> {
  const root = path.resolve(o.root);
  const parts = o.file.rel.split('/');
  const classAt = o.layout === 'splitFolders' ? 1 : 0;
  const fromClass = parts[classAt];
  if (path.resolve(root, ...parts) !== path.resolve(o.file.path))
    throw new QualityRequestError(`${o.file.rel} is not at ${o.file.path} inside ${root}`);
  if (!o.classes.includes(o.toClass))
    throw new QualityRequestError(`no class "${o.toClass}" in this dataset`);
  if (!o.classes.includes(fromClass)) throw new QualityRequestError(`${o.file.rel} is not in a class folder`);
  if (fromClass === o.toClass) throw new QualityRequestError(`${o.file.rel} is already in "${o.toClass}"`);
  const target = [...parts];
  target[classAt] = o.toClass;
  const ext = path.extname(target[target.length - 1]);
  const stem = target[target.length - 1].slice(0, target[target.length - 1].length - ext.length);
  let to = path.join(root, ...target);
  for (let k = 2; await exists(to); k++) {
    target[target.length - 1] = `${stem} (${k})${ext}`;
    to = path.join(root, ...target);
  }
  const bytes = await readFile(o.file.path);
  return {
    from: path.resolve(o.file.path),
    to,
    contentHash: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    fromClass,
    toClass: o.toClass,
  };
}

/**
 * Move one file without ever overwriting: a hard link then unlink (EEXIST if the target appeared), or
 * where links are impossible, an exclusive copy, verified, then unlink. Verifies the hash before and after.
 */
async function moveVerified(from: string, to: string, hash: string): Promise<void> {
  if (!(await exists(from))) throw new RelabelError(`cannot move ${from}: it is missing`);
  if ((await sha256(from)) !== hash) throw new RelabelError(`${from} changed since the relabel was planned`);
  if (await exists(to)) throw new RelabelError(`refusing to overwrite ${to}`);
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await link(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new RelabelError(`refusing to overwrite ${to}`);
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
  if ((await sha256(to)) !== hash) {
    await rm(to, { force: true });
    throw new RelabelError(`copy of ${from} did not verify; nothing moved`);
  }
  await unlink(from);
}

function checkMove(m: FileMove, root: string | undefined) {
  if (root && !(isInside(root, m.from) && isInside(root, m.to)))
    throw new QualityRequestError(`relabel moves stay inside the dataset folder ${root}`);
}

/**
 * Carry out a confirmed relabel and record it (the returned state has it on top of the undo stack).
 * `root`, when given, confines the move to the dataset folder.
 */
export async function applyRelabel(
  state: QualityState,
  request: ConfirmedRelabel,
  root?: string,
): Promise<QualityState> {
  const parsed = ConfirmedRelabel.safeParse(request);
  if (!parsed.success)
    throw new QualityRequestError('a relabel needs a plan the user confirmed ({plan, confirmed: true})');
  const { plan } = parsed.data;
  const move: FileMove = { from: plan.from, to: plan.to, contentHash: plan.contentHash, bytes: plan.bytes };
  checkMove(move, root && path.resolve(root));
  await moveVerified(move.from, move.to, move.contentHash);
  const name = path.basename(plan.from);
  return applyChange(state, {
    label: `relabel ${name}: ${plan.fromClass} → ${plan.toClass}`,
    at: new Date().toISOString(),
    moves: [move],
  });
}

/**
 * Undo the last change, moving back any files it moved (newest first, verifying bytes) before its state
 * diff is reverted. If a file is already back where it came from with the same bytes, that move is done.
 */
export async function undoLast(state: QualityState): Promise<QualityState> {
  const top = state.undo.at(-1);
  if (!top) return state;
  for (const m of [...top.moves].reverse()) {
    if (!(await exists(m.to)) && (await exists(m.from)) && (await sha256(m.from)) === m.contentHash) continue;
    await moveVerified(m.to, m.from, m.contentHash);
  }
  return undoState(state).state;
}

/** Redo the last undone change, repeating its file moves. */
export async function redoLast(state: QualityState): Promise<QualityState> {
  const top = state.redo.at(-1);
  if (!top) return state;
  for (const m of top.moves) {
    if (!(await exists(m.from)) && (await exists(m.to)) && (await sha256(m.to)) === m.contentHash) continue;
    await moveVerified(m.from, m.to, m.contentHash);
  }
  return redoState(state).state;
}
