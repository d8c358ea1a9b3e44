/**
 * A run with `config.headAuto` (the app's "Auto" head): before training, the head is chosen by k-fold
 * cross-validation on the training split (quality/head-auto.ts) over clean pooled features computed
 * through the run's own store, so the run that follows reads them from the cache. The run then trains
 * the winner's head and learning rate; the table travels with the run's summary.
 */
import type { HeadAutoResult } from '@shared/quality';
import type { TrainConfig } from '@shared/train';
import { withoutEmptyClasses } from '../dataset/scan';
import type { PipelineContext } from './context';
import { chooseHead, cleanFeatures, cvDataOf, type PrePassInput } from './pre-pass';

/** The CV table and the config to train (the winner's head and learning rate, `headAuto` kept). */
export async function chooseHeadForRun(
  ctx: PipelineContext,
  i: PrePassInput,
): Promise<{ result: HeadAutoResult; config: TrainConfig }> {
  const usable = withoutEmptyClasses(i.scan);
  const train = usable.files.filter((f) => f.split === 'train');
  const { set } = await cleanFeatures(ctx, i, train, () => 'avg');
  try {
    return await chooseHead(ctx, cvDataOf(set, set.items, usable.classes.length), i.config);
  } finally {
    await set.table.close();
  }
}
