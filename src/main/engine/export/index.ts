import { readFileSync } from 'node:fs';
import path from 'node:path';
import { appRoot } from '../../util/paths';
import { exportSavedModel } from './savedmodel';
import { exportTfjs } from './tfjs';
import type { TrainRun } from '../train/run';

export type ExportFormat = 'tfjs' | 'savedmodel' | 'both';

export interface ExportOptions {
  /** The run's output folder: `tfjs/` and `savedmodel/<version>/` go inside it. */
  outDir: string;
  format: ExportFormat;
  version?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ExportResult {
  outDir: string;
  tfjs?: { dir: string; bytes: number };
  savedmodel?: { dir: string; bytes: number; nodes: number };
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
      dataset: run.scan.root,
      skippedFiles: run.problems.length,
    },
  };
}

/** One entry point for every export format. Each format is written atomically. */
export async function exportRun(run: TrainRun, opts: ExportOptions): Promise<ExportResult> {
  const model = run.fullModel();
  const metadata = exportMetadata(run);
  const result: ExportResult = { outDir: path.resolve(opts.outDir) };
  const steps = opts.format === 'both' ? 2 : 1;
  let step = 0;
  if (opts.format === 'tfjs' || opts.format === 'both') {
    result.tfjs = await exportTfjs(model, path.join(result.outDir, 'tfjs'), run.classes, {
      ...metadata,
      format: 'tfjs-layers',
    });
    opts.onProgress?.(++step, steps);
  }
  if (opts.format === 'savedmodel' || opts.format === 'both') {
    result.savedmodel = await exportSavedModel(model, {
      outDir: result.outDir,
      name: 'savedmodel',
      version: opts.version ?? 1,
      preprocessing: run.pixel.preprocessing,
      classNames: run.classes,
      metadata,
    });
    opts.onProgress?.(++step, steps);
  }
  return result;
}
