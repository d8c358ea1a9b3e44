import { z } from 'zod';

/** Where a file ended up after the split. */
export const SplitName = z.enum(['train', 'val', 'test']);
export type SplitName = z.infer<typeof SplitName>;

/** `classFolders`: root/<class>/*, split by seed. `splitFolders`: root/{train,val|validation[,test]}/<class>/*. */
export const DatasetLayout = z.enum(['classFolders', 'splitFolders']);
export type DatasetLayout = z.infer<typeof DatasetLayout>;

export const SplitOptions = z.object({
  /** Fraction of each class held out for validation in the `classFolders` layout. */
  valFraction: z.number().min(0.01).max(0.9).default(0.2),
  seed: z.number().int().default(42),
  /** Ignore a `splitFolders` layout's own split and re-split everything by `valFraction`. */
  resplit: z.boolean().default(false),
});
export type SplitOptions = z.infer<typeof SplitOptions>;

export interface DatasetFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the dataset root, with `/` separators (stable across machines). */
  rel: string;
  classIndex: number;
  split: SplitName;
  bytes: number;
  width: number;
  height: number;
  format: string;
}

/** A file that will not be trained on, and why. `stage` says who noticed. */
export interface DatasetProblem {
  path: string;
  rel: string;
  reason: string;
  stage: 'scan' | 'decode';
}

export interface DatasetScan {
  root: string;
  layout: DatasetLayout;
  classes: string[];
  /** counts[split][classIndex] */
  counts: Record<SplitName, number[]>;
  files: DatasetFile[];
  problems: DatasetProblem[];
  /** Class folders that hold no usable image. */
  emptyClasses: string[];
}
