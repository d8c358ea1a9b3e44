/**
 * Finished training runs kept in the engine process, keyed by their job id, so Evaluate, Try it and
 * Export use the trained model without retraining. Main decides how many stay (releaseRun).
 */
import type { TrainRun } from '../../engine/pipeline/run';
import { CodedError } from '@shared/errors';

export class RunNotFoundError extends CodedError {
  override name = 'RunNotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

const runs = new Map<string, TrainRun>();

export function keepRun(id: string, run: TrainRun): void {
  runs.get(id)?.dispose();
  runs.set(id, run);
}

export function getRun(id: string): TrainRun {
  const run = runs.get(id);
  if (!run)
    throw new RunNotFoundError(
      `run ${id} is not in the engine's memory (the engine restarted, or the run was released): train it again to use its model`,
    );
  return run;
}

export function releaseRun(id: string): boolean {
  const run = runs.get(id);
  if (!run) return false;
  runs.delete(id);
  run.dispose();
  return true;
}
