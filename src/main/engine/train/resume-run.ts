import { initBackend } from '../backend';
import { pipelineContext } from '../pipeline/context';
import { runTraining, type RunOptions, type TrainRun } from '../pipeline/run';
import { CheckpointError } from './checkpoint';
import { readRunFiles } from './resume';

export type ResumeOptions = Omit<RunOptions, 'runDir' | 'resume' | 'jobId'>;

/**
 * Continue a stopped or crashed run from its folder: same id, config and dataset scan, from the last
 * completed epoch (or from the start when none completed; the feature cache keeps what was extracted).
 * With the same seed it ends where the uninterrupted run would have: shuffles are a function of
 * (seed, epoch), dropout masks of (seed, step), and the checkpoint holds the weights, optimizer state,
 * best-so-far and step. A run whose data changed since (`dataDigest`) is refused.
 */
export async function resumeRun(runDir: string, opts: ResumeOptions = {}): Promise<TrainRun> {
  // The checkpoint's tensors are made on the backend the run trains on (runTraining reuses it).
  await initBackend(opts.backend ?? 'auto');
  const { manifest, scan, checkpoint } = await readRunFiles(runDir);
  if (manifest.state === 'done') throw new CheckpointError(`${runDir}: this run finished; nothing to resume`);
  const context = opts.context ?? pipelineContext({ ...opts, jobId: manifest.jobId });
  if (!checkpoint)
    context.emit({
      type: 'log',
      jobId: context.jobId,
      level: 'warn',
      message: 'no epoch of this run had completed: training from the start',
    });
  return runTraining(manifest.config, scan!, { ...opts, context, runDir, resume: checkpoint });
}
