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

export const DatasetFile = z.object({
  /** Absolute path. */
  path: z.string(),
  /** Path relative to the dataset root, with `/` separators (stable across machines). */
  rel: z.string(),
  classIndex: z.number().int().min(0),
  split: SplitName,
  bytes: z.number(),
  width: z.number(),
  height: z.number(),
  format: z.string(),
});
export type DatasetFile = z.infer<typeof DatasetFile>;

/** A file that will not be trained on, and why. `stage` says who noticed. */
export const DatasetProblem = z.object({
  path: z.string(),
  rel: z.string(),
  reason: z.string(),
  stage: z.enum(['scan', 'decode']),
});
export type DatasetProblem = z.infer<typeof DatasetProblem>;

/** counts[split][classIndex] */
export const SplitCounts = z.object({
  train: z.array(z.number()),
  val: z.array(z.number()),
  test: z.array(z.number()),
});
export type SplitCounts = z.infer<typeof SplitCounts>;

/** A scanned dataset folder: what the Dataset screen shows and what a run trains on. */
export const DatasetScan = z.object({
  root: z.string(),
  layout: DatasetLayout,
  classes: z.array(z.string()),
  counts: SplitCounts,
  files: z.array(DatasetFile),
  problems: z.array(DatasetProblem),
  /** Class folders that hold no usable image. */
  emptyClasses: z.array(z.string()),
});
export type DatasetScan = z.infer<typeof DatasetScan>;
