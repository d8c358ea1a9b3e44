/**
 * Datasets opened this session: their scans (kept in main so re-splits never re-read files), session
 * ids, and realpath'd roots for image confinement.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { DatasetScan, SplitOptions } from '@shared/dataset';
import type { DatasetView, SplitView } from '@shared/ipc/contract';
import { applySplit } from '@shared/split';
import { ApiException } from './api-error';

export interface OpenedDataset {
  id: string;
  realRoot: string;
  scan: DatasetScan;
  split: SplitOptions;
  scanMs: number;
}

export class DatasetRegistry {
  private readonly byId = new Map<string, OpenedDataset>();
  private readonly idByRoot = new Map<string, string>();

  /** Register (or replace) a scan; a root reopened this session keeps its id. */
  add(scan: DatasetScan, realRoot: string, split: SplitOptions, scanMs: number): OpenedDataset {
    const id = this.idByRoot.get(realRoot) ?? randomBytes(6).toString('hex');
    this.idByRoot.set(realRoot, id);
    const entry = { id, realRoot, scan, split, scanMs };
    this.byId.set(id, entry);
    return entry;
  }

  get(id: string): OpenedDataset | undefined {
    return this.byId.get(id);
  }

  /** An opened dataset, or NOT_FOUND for the request that named it. */
  opened(id: string): OpenedDataset {
    const d = this.byId.get(id);
    if (!d) throw new ApiException('NOT_FOUND', `no open dataset with id ${id}; open it first`);
    return d;
  }

  /** The realpath of an opened dataset root (image confinement), or undefined. */
  rootOf = (id: string): string | undefined => this.byId.get(id)?.realRoot;

  resplit(id: string, split: SplitOptions): SplitView | undefined {
    const d = this.byId.get(id);
    if (!d) return undefined;
    const { splits, counts } = applySplit(d.scan, split);
    // Keep the scan consistent with what the user sees: later jobs (training) read it.
    d.scan.files.forEach((f, i) => (f.split = splits[i]));
    d.scan.counts = counts;
    d.split = split;
    return { datasetId: id, split, counts, splits };
  }
}

export function toView(d: OpenedDataset): DatasetView {
  const { scan } = d;
  return {
    id: d.id,
    root: scan.root,
    name: path.basename(scan.root),
    layout: scan.layout,
    classes: scan.classes,
    counts: scan.counts,
    files: scan.files.map((f) => ({
      rel: f.rel,
      classIndex: f.classIndex,
      split: f.split,
      bytes: f.bytes,
      width: f.width,
      height: f.height,
      format: f.format,
    })),
    problems: scan.problems.map((p) => ({ path: p.path, rel: p.rel, reason: p.reason, stage: p.stage })),
    emptyClasses: scan.emptyClasses,
    split: d.split,
    scanMs: d.scanMs,
  };
}
