/**
 * A run with `config.headAuto` (the app's "Auto" head): before training, the head is chosen by k-fold
 * cross-validation on the training split (quality/head-auto.ts) over clean pooled features computed
 * through the run's own store, so the run that follows reads them from the cache. The run then trains
 * the winner's head and learning rate; the table travels with the run's summary.
 */
import path from 'node:path';
import type { DatasetScan } from '@shared/dataset';
import type { HeadAutoResult } from '@shared/quality';
import type { TrainConfig } from '@shared/train';
import type { BackendReport } from '../backend';
import { withoutEmptyClasses } from '../dataset/scan';
import type { ExtractionDevice } from '../onnx/devices';
import { CvData } from '../quality/cross-val';
import { autoHead, withWinner } from '../quality/head-auto';
import { runStage, type PipelineContext } from './context';
import { featuresStage } from './features';
import { resolveBaseStage } from './resolve-base';

export interface HeadAutoRunInput {
  scan: DatasetScan;
  config: TrainConfig;
  cacheDir: string | null;
  mirrorDir?: string | null;
  backend: BackendReport;
  device?: ExtractionDevice;
  engines: number;
}

/** The CV table and the config to train (the winner's head and learning rate, `headAuto` kept). */
export async function chooseHeadForRun(
  ctx: PipelineContext,
  i: HeadAutoRunInput,
): Promise<{ result: HeadAutoResult; config: TrainConfig }> {
  const usable = withoutEmptyClasses(i.scan);
  const base = await runStage(ctx, resolveBaseStage, {
    base: i.config.base,
    mirrorDir: i.mirrorDir,
    modelsDir: i.cacheDir ? path.join(i.cacheDir, 'models') : undefined,
  });
  let set;
  try {
    set = (
      await runStage(ctx, featuresStage, {
        files: usable.files.filter((f) => f.split === 'train'),
        base,
        backend: i.backend,
        pixel: { inputSize: base.inputSize, resize: i.config.resize, preprocessing: base.preprocessing },
        augment: null,
        views: 1,
        seed: i.config.seed,
        cacheDir: i.cacheDir,
        form: 'avg',
        device: i.device,
        engines: i.engines,
      })
    ).set;
  } finally {
    base.full.dispose();
  }
  try {
    const train = set.items.filter((it) => it.file.split === 'train');
    const data = new CvData(train, set.featureShape, usable.classes.length, {
      [set.form]: { table: set.table, rows: train.map((it) => it.views[0]) },
    });
    const info = (message: string) => ctx.emit({ type: 'log', jobId: ctx.jobId, level: 'info', message });
    info(`Head auto: cross-validating heads on ${train.length} training images…`);
    const result = await autoHead({ data, settings: i.config, signal: ctx.signal });
    info(
      `Head auto: ${result.winner.id} chosen of ${result.rows.length} by ${result.folds}-fold CV ×${result.repeats} (${(result.ms / 1000).toFixed(1)} s)`,
    );
    return { result, config: { ...i.config, ...withWinner({}, result.winner) } };
  } finally {
    await set.table.close();
  }
}
