/**
 * What the renderer is shown of main's state (app, folders, datasets, the engine): payload schemas of
 * the IPC contract (contract.ts re-exports them).
 */
import { z } from 'zod';
import { DatasetFile, DatasetLayout, DatasetProblem, SplitCounts, SplitName, SplitOptions } from '../dataset';

export const AppInfo = z.object({
  mode: z.enum(['electron', 'browser']),
  version: z.string(),
  platform: z.string(),
  homeDir: z.string(),
  pathSep: z.string(),
  /** A native folder dialog exists (Electron); browser mode uses the server-side folder browser. */
  canPickFolder: z.boolean(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const DirListing = z.object({
  /** null when listing the allowed roots themselves. */
  path: z.string().nullable(),
  parent: z.string().nullable(),
  entries: z.array(z.object({ name: z.string(), path: z.string() })),
  /** Where browsing may start (and stay inside of). */
  roots: z.array(z.string()),
});
export type DirListing = z.infer<typeof DirListing>;

/** A dataset file as the renderer sees it: everything but the absolute path (it names files by `rel`). */
export const DatasetFileView = DatasetFile.omit({ path: true });
export type DatasetFileView = z.infer<typeof DatasetFileView>;

export const DatasetView = z.object({
  /** Session id of the opened root; image URLs and later jobs name the dataset by it. */
  id: z.string(),
  root: z.string(),
  name: z.string(),
  layout: DatasetLayout,
  classes: z.array(z.string()),
  counts: SplitCounts,
  files: z.array(DatasetFileView),
  problems: z.array(DatasetProblem),
  emptyClasses: z.array(z.string()),
  split: SplitOptions,
  scanMs: z.number(),
});
export type DatasetView = z.infer<typeof DatasetView>;

export const SplitView = z.object({
  datasetId: z.string(),
  split: SplitOptions,
  counts: SplitCounts,
  /** New split per file, in `DatasetView.files` order. */
  splits: z.array(SplitName),
});
export type SplitView = z.infer<typeof SplitView>;

export const EngineState = z.enum(['not-started', 'starting', 'idle', 'busy', 'crashed']);
export const EngineStatus = z.object({
  state: EngineState,
  pid: z.number().nullable(),
  backend: z.string().nullable(),
  device: z.string().nullable(),
  /** What runs the frozen base (the engine's runtime line, e.g. "onnxruntime cpu on CPU (2 threads…)"). */
  runtime: z.string().nullable(),
  memory: z
    .object({
      rss: z.number(),
      heapUsed: z.number(),
      external: z.number(),
      tensors: z.number().nullable(),
      tensorBytes: z.number().nullable(),
    })
    .nullable(),
  jobs: z.array(z.object({ jobId: z.string(), kind: z.string(), label: z.string() })),
  /** How the last engine process died, if it did. */
  lastCrash: z.object({ at: z.string(), message: z.string() }).nullable(),
  /** Engine processes started so far (1 + restarts). */
  starts: z.number().int(),
});
export type EngineStatus = z.infer<typeof EngineStatus>;
