/** A run on a dataset folder, as the CLI does it: scan once, parse the config once, train on that scan. */
import { TrainConfig, type TrainConfigInput } from '@shared/train';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { runTraining, type RunOptions, type TrainRun } from '../../src/main/engine/pipeline/run';

export async function trainOn(
  o: RunOptions & { dataDir: string; config?: TrainConfigInput },
): Promise<TrainRun> {
  const { dataDir, config, ...opts } = o;
  const parsed = TrainConfig.parse(config ?? {});
  return runTraining(parsed, await scanDataset(dataDir, parsed.split), opts);
}
