import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_EXPORT_FORMATS, type ExportFormatId, type FormatOutcome } from '@shared/export-formats';
import { PREPROCESSING } from '@shared/preprocessing';
import { appRoot } from '../../util/paths';
import { replaceDirsAtomic } from '../../util/write-dir-atomic';
import type { TrainRun } from '../pipeline/run';
import { EXPORT_FORMAT_ROWS, type ExportSubject } from './formats';

export interface ExportOptions {
  /** The run's output folder: each format's folder (`tfjs/`, `savedmodel/1/`) goes inside it. */
  outDir: string;
  /** Default: tfjs and SavedModel. */
  formats?: readonly ExportFormatId[];
  /** Formats written so far, of all requested. */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportResult {
  outDir: string;
  formats: Partial<Record<ExportFormatId, FormatOutcome>>;
}

const appVersion = (): string => {
  try {
    return (JSON.parse(readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
};

/** What a loader needs to use the model, plus how it was made and how well it did. */
export function exportMetadata(run: TrainRun): Record<string, unknown> {
  return {
    app: { name: 'Transfer Studio', version: appVersion() },
    createdAt: new Date().toISOString(),
    classes: run.classes,
    input: {
      height: run.pixel.inputSize[0],
      width: run.pixel.inputSize[1],
      channels: 3,
      resize: run.pixel.resize,
    },
    preprocessing: run.pixel.preprocessing,
    /** The steps of that mode, for loaders that do not know the name (see src/shared/preprocessing.ts). */
    preprocessingSteps: PREPROCESSING[run.pixel.preprocessing],
    base: {
      id: run.base.id,
      name: run.base.displayName,
      featureLayer: run.base.featureLayer,
      featureShape: run.base.featureShape,
    },
    metrics: {
      accuracy: run.accuracy,
      val: run.evaluation.val && {
        ...run.evaluation.val,
        misclassified: run.evaluation.val.misclassified.length,
      },
      test: run.evaluation.test && {
        ...run.evaluation.test,
        misclassified: run.evaluation.test.misclassified.length,
      },
    },
    training: {
      config: run.config,
      epochs: run.history.length,
      stopped: run.stopped,
      fineTuned: run.fineTuned,
      fineTuneKept: run.fineTuneKept,
      dataset: run.scan.root,
      skippedFiles: run.problems.length,
    },
  };
}

/** What every format is written from, for a trained run. */
export function exportSubject(run: TrainRun): ExportSubject {
  return { model: run.fullModel(), classes: run.classes, pixel: run.pixel, metadata: exportMetadata(run) };
}

/**
 * Write the requested formats of `subject` into `outDir`, as one: all are built first, then swapped
 * in together, so either every format lands (from this run) or the previous export stays untouched.
 */
export async function writeExports(subject: ExportSubject, opts: ExportOptions): Promise<ExportResult> {
  const outDir = path.resolve(opts.outDir);
  const ids = [...new Set(opts.formats ?? DEFAULT_EXPORT_FORMATS)];
  const bytes: Partial<Record<ExportFormatId, number>> = {};
  await replaceDirsAtomic(
    outDir,
    ids.map((id) => ({
      rel: EXPORT_FORMAT_ROWS[id].folder,
      label: EXPORT_FORMAT_ROWS[id].label,
      build: async (dir: string) => {
        bytes[id] = await EXPORT_FORMAT_ROWS[id].write(subject, dir);
      },
    })),
    opts.onProgress,
  );
  const formats: ExportResult['formats'] = {};
  for (const id of ids)
    formats[id] = { dir: path.join(outDir, ...EXPORT_FORMAT_ROWS[id].folder.split('/')), bytes: bytes[id]! };
  return { outDir, formats };
}

/** A trained run's model in the requested formats (see writeExports). */
export function exportRun(run: TrainRun, opts: ExportOptions): Promise<ExportResult> {
  return writeExports(exportSubject(run), opts);
}
