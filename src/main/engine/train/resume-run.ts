import { openRun } from './resume';
import { runTraining, type RunOptions, type TrainRun } from './run';

export type ResumeOptions = Omit<RunOptions, 'dataDir' | 'config' | 'jobId' | 'runDir' | 'resume'>;

/**
 * Continue a stopped or crashed run from its folder: same data folder, config and job id, from the
 * last completed epoch (or from the start when none completed). With the same seed it ends where the
 * uninterrupted run would have: shuffles are a function of (seed, epoch), dropout masks of (seed,
 * step), and the checkpoint holds the weights, optimizer slots, best-so-far and step.
 */
export async function resumeRun(
  runDir: string,
  opts: ResumeOptions = {},
  /** The pipeline that ran it (a boundary fine-tune run passes its own). */
  train: (o: RunOptions) => Promise<TrainRun> = runTraining,
): Promise<TrainRun> {
  const { manifest, checkpoint } = await openRun(runDir);
  if (!checkpoint)
    opts.onEvent?.({
      type: 'log',
      jobId: manifest.jobId,
      level: 'warn',
      message: 'no epoch of this run had completed: training from the start',
    });
  return train({
    ...opts,
    dataDir: manifest.dataDir,
    config: manifest.config,
    jobId: manifest.jobId,
    runDir,
    resume: checkpoint,
  });
}
