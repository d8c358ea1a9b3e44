/**
 * The project's quality decisions as pure functions over a state object: exclusions (content hashes),
 * split overrides, which copy of byte-identical files is used, kept labels and dismissed groups, with an
 * undo/redo stack of exact diffs. Nothing here touches files (relabel moves live in relabel.ts).
 */
import type { SplitName } from '@shared/dataset';
import {
  QualityChange,
  QualityState,
  type DuplicateGroup,
  type DuplicateMember,
  type DuplicateReport,
  type GroupResolution,
  type QualityChangeInput,
} from '@shared/quality';
import { QualityRequestError } from './errors';

export function emptyQualityState(): QualityState {
  return QualityState.parse({});
}

const sorted = (s: Set<string>) => [...s].sort();

/** Apply a change's diff forwards (`dir` 1) or backwards (−1); no stack bookkeeping. */
function applyDiff(state: QualityState, c: QualityChange, dir: 1 | -1): QualityState {
  const setOp = (list: string[], diff: { add: string[]; remove: string[] }) => {
    const s = new Set(list);
    const [add, remove] = dir === 1 ? [diff.add, diff.remove] : [diff.remove, diff.add];
    for (const h of remove) s.delete(h);
    for (const h of add) s.add(h);
    return sorted(s);
  };
  const splitOverrides = { ...state.splitOverrides };
  for (const o of c.splitOverrides) {
    const v = dir === 1 ? o.after : o.before;
    if (v === null) delete splitOverrides[o.hash];
    else splitOverrides[o.hash] = v;
  }
  const keepCopy = { ...state.keepCopy };
  for (const o of c.keepCopy) {
    const v = dir === 1 ? o.after : o.before;
    if (v === null) delete keepCopy[o.hash];
    else keepCopy[o.hash] = v;
  }
  return {
    ...state,
    exclusions: setOp(state.exclusions, c.exclusions),
    splitOverrides,
    keepCopy,
    keptLabels: setOp(state.keptLabels, c.keptLabels),
    dismissedGroups: setOp(state.dismissedGroups, c.dismissedGroups),
  };
}

/** Apply a change and push it on the undo stack (clears redo). */
export function applyChange(state: QualityState, change: QualityChangeInput): QualityState {
  const c = QualityChange.parse(change);
  return { ...applyDiff(state, c, 1), undo: [...state.undo, c], redo: [] };
}

/** Take back the last change's state diff. File moves it recorded must be reversed by the caller first. */
export function undoState(state: QualityState): { state: QualityState; change: QualityChange | null } {
  const c = state.undo.at(-1);
  if (!c) return { state, change: null };
  return {
    state: { ...applyDiff(state, c, -1), undo: state.undo.slice(0, -1), redo: [...state.redo, c] },
    change: c,
  };
}

export function redoState(state: QualityState): { state: QualityState; change: QualityChange | null } {
  const c = state.redo.at(-1);
  if (!c) return { state, change: null };
  return {
    state: { ...applyDiff(state, c, 1), undo: [...state.undo, c], redo: state.redo.slice(0, -1) },
    change: c,
  };
}

const now = () => new Date().toISOString();

/** Exclude content hashes (only those not already excluded, so undo never re-includes older ones). */
export function excludeChange(state: QualityState, hashes: string[], label: string): QualityChangeInput {
  const have = new Set(state.exclusions);
  return {
    label,
    at: now(),
    exclusions: { add: [...new Set(hashes)].filter((h) => !have.has(h)), remove: [] },
  };
}

export function includeChange(state: QualityState, hashes: string[], label: string): QualityChangeInput {
  const have = new Set(state.exclusions);
  return {
    label,
    at: now(),
    exclusions: { add: [], remove: [...new Set(hashes)].filter((h) => have.has(h)) },
  };
}

/** Label review's "keep": the label is right, do not show the image again. */
export function keepLabelChange(state: QualityState, hash: string, rel: string): QualityChangeInput {
  const add = state.keptLabels.includes(hash) ? [] : [hash];
  return { label: `keep label of ${rel}`, at: now(), keptLabels: { add, remove: [] } };
}

function splitChange(state: QualityState, hashes: string[], split: SplitName) {
  return [...new Set(hashes)]
    .map((hash) => ({ hash, before: state.splitOverrides[hash] ?? null, after: split }))
    .filter((o) => o.before !== o.after);
}

/** One user decision about one duplicate group, as an undoable change. */
export function resolveGroupChange(
  state: QualityState,
  group: DuplicateGroup,
  r: GroupResolution,
): QualityChangeInput {
  if (r.groupId !== group.id)
    throw new QualityRequestError(`resolution is for group ${r.groupId}, not ${group.id}`);
  const n = group.members.length;
  switch (r.type) {
    case 'keepAll':
      return {
        label: `keep all ${n} images of a duplicate group`,
        at: now(),
        dismissedGroups: { add: state.dismissedGroups.includes(group.id) ? [] : [group.id], remove: [] },
      };
    case 'keepOne': {
      const keep = group.members.find((m) => m.rel === r.keepRel);
      if (!keep) throw new QualityRequestError(`${r.keepRel} is not in this duplicate group`);
      return keepOnly(state, [keep], group, `keep ${keep.rel}, exclude ${n - 1} duplicate(s)`);
    }
    case 'moveToSplit':
      return {
        label: `move ${n} duplicate images to ${r.split}`,
        at: now(),
        splitOverrides: splitChange(
          state,
          group.members.map((m) => m.contentHash),
          r.split,
        ),
      };
  }
}

/** Keep exactly these members: other contents are excluded; among byte-identical copies, the kept file. */
function keepOnly(
  state: QualityState,
  keep: DuplicateMember[],
  group: DuplicateGroup,
  label: string,
  extra: Partial<QualityChangeInput> = {},
): QualityChangeInput {
  const keptHashes = new Set(keep.map((m) => m.contentHash));
  const exclude = group.members.map((m) => m.contentHash).filter((h) => !keptHashes.has(h));
  const keepCopy = keep
    .filter((k) => group.members.filter((m) => m.contentHash === k.contentHash).length > 1)
    .map((k) => ({ hash: k.contentHash, before: state.keepCopy[k.contentHash] ?? null, after: k.rel }))
    .filter((o) => o.before !== o.after);
  return { ...excludeChange(state, exclude, label), keepCopy, ...extra };
}

/** Best copy to keep: most pixels, then most bytes, then training split, then path. */
function preference(a: DuplicateMember, b: DuplicateMember): number {
  const px = (m: DuplicateMember) => (m.width ?? 0) * (m.height ?? 0);
  const order: Record<SplitName, number> = { train: 0, val: 1, test: 2 };
  return (
    px(b) - px(a) ||
    (b.bytes ?? 0) - (a.bytes ?? 0) ||
    order[a.split] - order[b.split] ||
    (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0)
  );
}

export interface DedupeSummary {
  groups: number;
  excluded: number;
  moved: number;
  /** Groups that span classes: one copy per class kept, left for a person to decide the label. */
  conflicts: number;
  skippedDismissed: number;
}

/**
 * `--dedupe`: one undoable change keeping one image per group (the largest), never leaving a group split
 * across train/val/test. A group spanning classes keeps one image per class (choosing a label is a
 * person's call; identical bytes in two classes are still one image) and those are moved into the split
 * most of the group is in. Groups the user chose to
 * keep as they are, and images already excluded, are left alone.
 */
export function dedupeChange(
  state: QualityState,
  report: DuplicateReport,
): { change: QualityChangeInput; summary: DedupeSummary } {
  const excluded = new Set(state.exclusions);
  const change: Required<Pick<QualityChangeInput, 'exclusions' | 'keepCopy' | 'splitOverrides'>> = {
    exclusions: { add: [], remove: [] },
    keepCopy: [],
    splitOverrides: [],
  };
  const summary: DedupeSummary = { groups: 0, excluded: 0, moved: 0, conflicts: 0, skippedDismissed: 0 };
  for (const g of report.groups) {
    if (state.dismissedGroups.includes(g.id)) {
      summary.skippedDismissed++;
      continue;
    }
    const live = g.members.filter((m) => !excluded.has(m.contentHash));
    if (live.length < 2) continue;
    const group = { ...g, members: live };
    // One per class; bytes filed under two classes are one image, kept once (its label is for a person).
    const keep: DuplicateMember[] = [];
    for (const cls of new Set(live.map((m) => m.classIndex))) {
      const pick = live.filter((m) => m.classIndex === cls).sort(preference)[0];
      if (!keep.some((k) => k.contentHash === pick.contentHash)) keep.push(pick);
    }
    const part = keepOnly(state, keep, group, '');
    change.exclusions.add!.push(...part.exclusions!.add!);
    change.keepCopy.push(...part.keepCopy!);
    if (g.conflict) summary.conflicts++;
    if (keep.length > 1) {
      const bySplit = new Map<SplitName, number>();
      for (const m of live) bySplit.set(m.split, (bySplit.get(m.split) ?? 0) + 1);
      const target = [...bySplit].sort(
        (a, b) => b[1] - a[1] || (a[0] === 'train' ? -1 : b[0] === 'train' ? 1 : 0),
      )[0][0];
      const moves = splitChange(
        state,
        keep
          .filter((m) => (state.splitOverrides[m.contentHash] ?? m.split) !== target)
          .map((m) => m.contentHash),
        target,
      );
      change.splitOverrides.push(...moves);
      summary.moved += moves.length;
    }
    summary.groups++;
  }
  change.exclusions.add = [...new Set(change.exclusions.add)];
  summary.excluded = change.exclusions.add.length;
  return {
    change: {
      label: `dedupe: exclude ${summary.excluded} duplicate(s) in ${summary.groups} group(s)`,
      at: now(),
      ...change,
    },
    summary,
  };
}

export interface StatefulItem {
  hash: string;
  file: { rel: string; split: SplitName };
}

/**
 * What a run trains and validates on under this state: excluded contents dropped, only the chosen copy
 * of byte-identical files kept, split overrides applied (the item is copied, never mutated).
 */
export function applyQualityState<T extends StatefulItem>(
  items: readonly T[],
  state: QualityState,
): { items: T[]; excluded: T[] } {
  const excluded = new Set(state.exclusions);
  const present = new Set(items.map((it) => `${it.hash}\n${it.file.rel}`));
  const firstOf = new Map<string, string>();
  for (const it of items) {
    const f = firstOf.get(it.hash);
    if (f === undefined || it.file.rel < f) firstOf.set(it.hash, it.file.rel);
  }
  const out: T[] = [];
  const dropped: T[] = [];
  for (const it of items) {
    const chosen = state.keepCopy[it.hash];
    const copyOk =
      chosen === undefined ||
      (present.has(`${it.hash}\n${chosen}`) ? it.file.rel === chosen : it.file.rel === firstOf.get(it.hash));
    if (excluded.has(it.hash) || !copyOk) {
      dropped.push(it);
      continue;
    }
    const split = state.splitOverrides[it.hash];
    out.push(split && split !== it.file.split ? { ...it, file: { ...it.file, split } } : it);
  }
  return { items: out, excluded: dropped };
}
