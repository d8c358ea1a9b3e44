import { createHash } from 'node:crypto';
import type { SplitName } from '@shared/dataset';
import {
  DuplicateOptions,
  type DuplicateGroup,
  type DuplicateMatch,
  type DuplicateMember,
  type DuplicateOptionsInput,
  type DuplicateReport,
} from '@shared/quality';
import { centreUnitRowsInPlace } from './embed';
import type { PerceptualHash } from './phash';
import { phashPairs } from './phash-match';
import { localMargin, neighbourhoods } from './local-scaling';
import { PairList } from './pair-list';
import { rowsForSearch, similarPairs } from './similarity';
import type { DotArena } from './simd-dot';
import { UnionFind } from './union-find';

export interface DuplicateImage {
  contentHash: string;
  rel: string;
  path: string;
  split: SplitName;
  classIndex: number;
  width?: number;
  height?: number;
  bytes?: number;
}

export interface FindDuplicatesInput {
  images: readonly DuplicateImage[];
  /**
   * Pooled embeddings, row i for image i ([n × dim]); omit before a base is loaded. With `arena` (from
   * `embeddingsForSearch`) and one image per content, `data` is searched in place (and overwritten).
   */
  embeddings?: { data: Float32Array; dim: number; arena?: DotArena | null } | null;
  /** Perceptual hashes, entry i for image i (null: could not be hashed); omit to skip. */
  phashes?: readonly (PerceptualHash | null)[] | null;
  options?: DuplicateOptionsInput;
  signal?: AbortSignal;
}

/** The duplicate detector's view of `extractFeatures` items (or any scanned file with its content hash). */
export function duplicateImagesOf(
  items: readonly {
    hash: string;
    file: Pick<DuplicateImage, 'rel' | 'path' | 'split' | 'classIndex' | 'width' | 'height' | 'bytes'>;
  }[],
): DuplicateImage[] {
  return items.map(({ hash, file }) => ({
    contentHash: hash,
    rel: file.rel,
    path: file.path,
    split: file.split,
    classIndex: file.classIndex,
    width: file.width,
    height: file.height,
    bytes: file.bytes,
  }));
}

interface Link {
  node: number;
  match: Omit<DuplicateMatch, 'rel'>;
}

/**
 * Exact duplicates (same content hash), near-duplicates by embedding cosine and by perceptual hash,
 * joined into groups (union-find: a crop of a flip of X lands with X), each flagged as a leak (spans
 * train and val/test) and/or a conflict (spans classes). Byte-identical files are one node, so the
 * embedding and hash searches see each content once.
 */
export async function findDuplicates(input: FindDuplicatesInput): Promise<DuplicateReport> {
  const t0 = Date.now();
  const options = DuplicateOptions.parse(input.options ?? {});
  const images = input.images;
  const nodeOf = new Map<string, number>();
  const files: number[][] = [];
  images.forEach((im, i) => {
    let node = nodeOf.get(im.contentHash);
    if (node === undefined) {
      node = files.length;
      nodeOf.set(im.contentHash, node);
      files.push([]);
    }
    files[node].push(i);
  });
  const nodes = files.length;
  const uf = new UnionFind(nodes);
  const best: (Link | null)[] = new Array(nodes).fill(null);
  const offer = (a: number, b: number, match: Link['match']) => {
    uf.union(a, b);
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      const cur = best[x];
      if (!cur || match.similarity > cur.match.similarity) best[x] = { node: y, match };
    }
  };

  let embedding: DuplicateReport['embedding'] = null;
  if (input.embeddings) {
    const { data, dim } = input.embeddings;
    if (data.length !== images.length * dim)
      throw new Error(`embeddings: expected ${images.length} rows of ${dim}, got ${data.length / dim}`);
    // One row per distinct content, centred in place: the caller's rows when they are in a search arena
    // and every content is one image (at 100k × 1280, a copy is half a gigabyte), else one copy.
    const own = input.embeddings.arena;
    const inPlace = !!own && own.owns(data) && nodes === images.length;
    const { rows, arena } = inPlace ? { rows: data, arena: own } : rowsForSearch(nodes, dim);
    if (!inPlace)
      files.forEach((f, node) => rows.set(data.subarray(f[0] * dim, (f[0] + 1) * dim), node * dim));
    const t = Date.now();
    const found = new PairList();
    const stats = await similarPairs(centreUnitRowsInPlace(rows, dim), dim, {
      threshold: options.embeddingThreshold,
      signal: input.signal,
      arena,
      onPair: (i, j, s) => found.push(i, j, s),
    });
    // Local scaling: a pair must also stand out from both photos' own neighbourhoods (local-scaling.ts).
    const tl = Date.now();
    let crowdedPairs = 0;
    if (options.localMargin > 0 && found.length) {
      const nb = await neighbourhoods(rows, dim, found.rows(nodes));
      found.forEach((i, j, s) => {
        if (localMargin(nb, i, j, s) >= options.localMargin)
          offer(i, j, { signal: 'embedding', similarity: s });
        else crowdedPairs++;
      });
    } else found.forEach((i, j, s) => offer(i, j, { signal: 'embedding', similarity: s }));
    embedding = {
      method: stats.method + (options.localMargin > 0 ? ' + local margin' : ''),
      dim,
      reducedDim: stats.reducedDim,
      candidates: stats.candidates,
      pairs: stats.pairs - crowdedPairs,
      crowdedPairs,
      ms: Date.now() - t,
      phasesMs: { ...stats.ms, local: Date.now() - tl },
    };
  }

  let phash: DuplicateReport['phash'] = null;
  if (input.phashes) {
    if (input.phashes.length !== images.length) throw new Error('phashes: one entry per image');
    const t = Date.now();
    const hashed: number[] = [];
    const hashes: PerceptualHash[] = [];
    files.forEach((f, node) => {
      const h = f.map((i) => input.phashes![i]).find((x) => x);
      if (h) {
        hashed.push(node);
        hashes.push(h);
      }
    });
    const stats = phashPairs(hashes, options.phashMaxDistance, (a, b, d, mirrored) =>
      offer(hashed[a], hashed[b], { signal: 'phash', similarity: 1 - d / 64, distance: d, mirrored }),
    );
    phash = { comparisons: stats.comparisons, pairs: stats.pairs, ms: Date.now() - t };
  }

  const components = new Map<number, number[]>();
  for (let node = 0; node < nodes; node++) {
    const r = uf.find(node);
    const c = components.get(r);
    if (c) c.push(node);
    else components.set(r, [node]);
  }
  const groups: DuplicateGroup[] = [];
  for (const members of components.values()) {
    const fileCount = members.reduce((a, node) => a + files[node].length, 0);
    if (fileCount < 2) continue;
    groups.push(makeGroup(members, files, images, best));
  }
  groups.sort(
    (a, b) =>
      +b.leak - +a.leak ||
      +b.conflict - +a.conflict ||
      b.members.length - a.members.length ||
      (a.members[0].rel < b.members[0].rel ? -1 : 1),
  );
  return {
    groups,
    counts: {
      images: images.length,
      groups: groups.length,
      leaks: groups.filter((g) => g.leak).length,
      conflicts: groups.filter((g) => g.conflict).length,
      redundant: groups.reduce((a, g) => a + g.members.length - 1, 0),
    },
    options,
    embedding,
    phash,
    ms: Date.now() - t0,
  };
}

const SPLIT_ORDER: Record<SplitName, number> = { train: 0, val: 1, test: 2 };

function makeGroup(
  nodes: number[],
  files: number[][],
  images: readonly DuplicateImage[],
  best: (Link | null)[],
): DuplicateGroup {
  const members: DuplicateMember[] = [];
  for (const node of nodes) {
    for (const i of files[node]) {
      const im = images[i];
      const twin = files[node].find((j) => j !== i);
      const link = best[node];
      const match: DuplicateMatch =
        twin !== undefined
          ? { rel: images[twin].rel, signal: 'exact', similarity: 1 }
          : { rel: images[files[link!.node][0]].rel, ...link!.match };
      members.push({
        contentHash: im.contentHash,
        rel: im.rel,
        path: im.path,
        split: im.split,
        classIndex: im.classIndex,
        ...(im.width !== undefined ? { width: im.width } : {}),
        ...(im.height !== undefined ? { height: im.height } : {}),
        ...(im.bytes !== undefined ? { bytes: im.bytes } : {}),
        match,
      });
    }
  }
  members.sort((a, b) => SPLIT_ORDER[a.split] - SPLIT_ORDER[b.split] || (a.rel < b.rel ? -1 : 1));
  const splits = [...new Set(members.map((m) => m.split))].sort((a, b) => SPLIT_ORDER[a] - SPLIT_ORDER[b]);
  const classes = [...new Set(members.map((m) => m.classIndex))].sort((a, b) => a - b);
  const signals = [...new Set(members.map((m) => m.match.signal))].sort();
  const id = createHash('sha256')
    .update([...new Set(members.map((m) => m.contentHash))].sort().join(','))
    .digest('hex')
    .slice(0, 16);
  return {
    id,
    members,
    leak: splits.includes('train') && (splits.includes('val') || splits.includes('test')),
    conflict: classes.length > 1,
    splits,
    classes,
    signals,
  };
}
