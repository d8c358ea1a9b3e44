/** Stage `scan`: a dataset folder → its files, classes, split and problems; and what a run can train on. */
import type { DatasetScan, SplitOptions } from '@shared/dataset';
import { assertTrainable, scanDataset, withoutEmptyClasses } from '../dataset/scan';
import { StoppedError } from '../extract/features';
import type { PipelineStage, StageContext } from './context';

export interface ScanInput {
  root: string;
  split?: Partial<SplitOptions>;
}

export const scanStage: PipelineStage<ScanInput, DatasetScan> = {
  name: 'scan',
  total: () => 0,
  run: ({ root, split }, ctx) =>
    scanDataset(root, {
      ...split,
      onProgress: (done, total) => {
        // scanDataset takes no signal; throwing from its progress callback unwinds it.
        if (ctx.signal?.aborted) throw new StoppedError();
        ctx.progress(done, total);
      },
    }),
};

/**
 * The part of a scan a run trains on: every skipped file reported, empty class folders left out (an
 * output that can never be right helps nobody), or a one-line reason there is nothing to train.
 */
export function trainableDataset(scan: DatasetScan, ctx: Pick<StageContext, 'jobId' | 'emit'>): DatasetScan {
  const { jobId } = ctx;
  for (const problem of scan.problems) ctx.emit({ type: 'problem', jobId, problem });
  for (const c of scan.emptyClasses)
    ctx.emit({
      type: 'log',
      jobId,
      level: 'warn',
      message: `class folder "${c}" has no usable image: left out of the model`,
    });
  const usable = withoutEmptyClasses(scan);
  assertTrainable(usable);
  return usable;
}
