import { describe, expect, it } from 'vitest';
import type { DuplicateGroup, DuplicateMember, DuplicateReport } from '@shared/quality';
import type { SplitName } from '@shared/dataset';
import {
  applyChange,
  applyQualityState,
  dedupeChange,
  emptyQualityState,
  excludeChange,
  redoState,
  resolveGroupChange,
  undoState,
} from './state';

const h = (c: string) => c.repeat(64);

function member(hash: string, rel: string, split: SplitName, classIndex = 0, px = 100): DuplicateMember {
  return {
    contentHash: hash,
    rel,
    path: `/data/${rel}`,
    split,
    classIndex,
    width: px,
    height: px,
    match: { rel: 'x', signal: 'embedding', similarity: 0.9 },
  };
}

function group(id: string, members: DuplicateMember[]): DuplicateGroup {
  const splits = [...new Set(members.map((m) => m.split))];
  const classes = [...new Set(members.map((m) => m.classIndex))];
  return {
    id,
    members,
    leak: splits.includes('train') && splits.length > 1,
    conflict: classes.length > 1,
    splits,
    classes,
    signals: ['embedding'],
  };
}

const report = (groups: DuplicateGroup[]): DuplicateReport => ({
  groups,
  counts: { images: 0, groups: groups.length, leaks: 0, conflicts: 0, redundant: 0 },
  options: { embeddingThreshold: 0.7, localMargin: 0.23, phashMaxDistance: 8 },
  embedding: null,
  phash: null,
  ms: 0,
});

describe('quality state', () => {
  it('keep one excludes the other contents; undo restores, redo repeats', () => {
    const g = group('g1', [
      member(h('a'), 'train/x/a.jpg', 'train', 0, 200),
      member(h('b'), 'val/x/b.jpg', 'val'),
    ]);
    const s0 = emptyQualityState();
    const s1 = applyChange(
      s0,
      resolveGroupChange(s0, g, { type: 'keepOne', groupId: 'g1', keepRel: 'train/x/a.jpg' }),
    );
    expect(s1.exclusions).toEqual([h('b')]);
    const u = undoState(s1);
    expect(u.state.exclusions).toEqual([]);
    expect(u.state.undo).toEqual([]);
    expect(redoState(u.state).state.exclusions).toEqual([h('b')]);
  });

  it('undo of an exclusion never re-includes what an earlier change excluded', () => {
    const s1 = applyChange(emptyQualityState(), excludeChange(emptyQualityState(), [h('a')], 'first'));
    const s2 = applyChange(s1, excludeChange(s1, [h('a'), h('b')], 'second'));
    expect(s2.exclusions).toEqual([h('a'), h('b')]);
    expect(undoState(s2).state.exclusions).toEqual([h('a')]);
  });

  it('keep one among byte-identical copies records which file stays', () => {
    const g = group('g2', [
      member(h('c'), 'train/x/c.jpg', 'train'),
      member(h('c'), 'val/x/c copy.jpg', 'val'),
    ]);
    const s0 = emptyQualityState();
    const s1 = applyChange(
      s0,
      resolveGroupChange(s0, g, { type: 'keepOne', groupId: 'g2', keepRel: 'val/x/c copy.jpg' }),
    );
    expect(s1.exclusions).toEqual([]);
    expect(s1.keepCopy).toEqual({ [h('c')]: 'val/x/c copy.jpg' });
    const items = g.members.map((m) => ({ hash: m.contentHash, file: { rel: m.rel, split: m.split } }));
    expect(applyQualityState(items, s1).items.map((i) => i.file.rel)).toEqual(['val/x/c copy.jpg']);
  });

  it('move to one split overrides every member and undoes to no override', () => {
    const g = group('g3', [member(h('d'), 'train/x/d.jpg', 'train'), member(h('e'), 'val/x/e.jpg', 'val')]);
    const s1 = applyChange(
      emptyQualityState(),
      resolveGroupChange(emptyQualityState(), g, { type: 'moveToSplit', groupId: 'g3', split: 'train' }),
    );
    const items = g.members.map((m) => ({ hash: m.contentHash, file: { rel: m.rel, split: m.split } }));
    expect(applyQualityState(items, s1).items.map((i) => i.file.split)).toEqual(['train', 'train']);
    expect(items[1].file.split).toBe('val'); // inputs are never mutated
    expect(undoState(s1).state.splitOverrides).toEqual({});
  });

  it('dedupe keeps one per group, one per class in a conflict, and never leaves a group split', () => {
    const plain = group('p', [
      member(h('1'), 'train/a/1.jpg', 'train', 0, 100),
      member(h('2'), 'val/a/2.jpg', 'val', 0, 300),
      member(h('3'), 'train/a/3.jpg', 'train', 0, 50),
    ]);
    const conflict = group('c', [
      member(h('4'), 'train/a/4.jpg', 'train', 0),
      member(h('5'), 'val/b/5.jpg', 'val', 1),
      member(h('6'), 'val/b/6.jpg', 'val', 1, 50),
    ]);
    const kept = group('k', [member(h('7'), 'train/a/7.jpg', 'train'), member(h('8'), 'val/a/8.jpg', 'val')]);
    const s0 = applyChange(emptyQualityState(), {
      label: 'keep all',
      at: '',
      dismissedGroups: { add: ['k'], remove: [] },
    });
    const { change, summary } = dedupeChange(s0, report([plain, conflict, kept]));
    const s1 = applyChange(s0, change);
    expect(s1.exclusions).toEqual([h('1'), h('3'), h('6')].sort());
    expect(summary).toMatchObject({ groups: 2, excluded: 3, conflicts: 1, skippedDismissed: 1 });
    const items = [...plain.members, ...conflict.members, ...kept.members].map((m) => ({
      hash: m.contentHash,
      file: { rel: m.rel, split: m.split },
    }));
    const live = applyQualityState(items, s1).items;
    for (const g of [plain, conflict]) {
      const splits = new Set(
        live.filter((i) => g.members.some((m) => m.contentHash === i.hash)).map((i) => i.file.split),
      );
      expect(splits.size).toBe(1);
    }
    expect(live.map((i) => i.file.rel)).toContain('train/a/7.jpg'); // the dismissed group is left alone
    expect(live.map((i) => i.file.rel)).toContain('val/a/8.jpg');
    expect(undoState(s1).state).toMatchObject({ exclusions: [], splitOverrides: {}, dismissedGroups: ['k'] });
  });

  it('a resolution for another group is refused', () => {
    const g = group('g', [member(h('a'), 'a', 'train'), member(h('b'), 'b', 'val')]);
    expect(() => resolveGroupChange(emptyQualityState(), g, { type: 'keepAll', groupId: 'other' })).toThrow(
      /group/,
    );
  });
});
