/**
 * Resumable runs: a run folder holds `run.json` (what was asked: data folder, config, job id) and the
 * epoch-end checkpoints. `Checkpointer` gives each training phase its loop hooks (write a checkpoint at
 * every epoch end; on resume, restore the phase the checkpoint was taken in); `resumeRun` restarts a
 * stopped or crashed run from its folder and ends where the uninterrupted run would have.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { EpochMetrics, Phase } from '../../../shared/events';
import { TrainConfig } from '../../../shared/train';
import { tf } from '../tf';
import { writeFileAtomic } from '../util/write-atomic';
import {
  CheckpointError,
  disposeCheckpoint,
  loadCheckpoint,
  removeCheckpoints,
  saveCheckpoint,
  type Checkpoint,
} from './checkpoint';
import type { LoopOptions } from './loop';
import { optimizerScalars } from './optimizer-state';

export const RUN_FILE = 'run.json';

const RunManifest = z.object({
  version: z.literal(1),
  jobId: z.string().min(1),
  dataDir: z.string().min(1),
  config: TrainConfig,
  createdAt: z.string(),
});
export type RunManifest = z.infer<typeof RunManifest>;

export async function writeRunManifest(runDir: string, m: Omit<RunManifest, 'version' | 'createdAt'>) {
  const manifest: RunManifest = { version: 1, createdAt: new Date().toISOString(), ...m };
  await writeFileAtomic(path.join(runDir, RUN_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

export async function readRunManifest(runDir: string): Promise<RunManifest> {
  const file = path.join(runDir, RUN_FILE);
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CheckpointError(
      `${runDir} is not a resumable run folder (${RUN_FILE}: ${e.code ?? e.message})`,
    );
  });
  try {
    return RunManifest.parse(JSON.parse(text));
  } catch (e) {
    throw new CheckpointError(`${file} is unreadable: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Identifies what a run trains on: every training/validation item's split, class and content. */
export function dataDigest(
  items: { file: { rel: string; classIndex: number; split: string }; hash: string }[],
) {
  const h = createHash('sha256');
  for (const it of items) h.update(`${it.file.split}\t${it.file.classIndex}\t${it.file.rel}\t${it.hash}\n`);
  return h.digest('hex').slice(0, 32);
}

type Hooks = Pick<LoopOptions, 'resume' | 'onEpochEnd'>;

export interface CheckpointerOptions {
  runDir: string;
  jobId: string;
  /** Digest of the items the run trains on (`dataDigest`). */
  data: string;
  /** Dropout steps taken so far, read at every epoch end. */
  step: () => number;
  /** The checkpoint to continue from (it is consumed); null for a fresh run. */
  resume: Checkpoint | null;
}

export class Checkpointer {
  private pending: Checkpoint | null;
  constructor(private o: CheckpointerOptions) {
    this.pending = o.resume;
    if (o.resume && o.resume.dataDigest !== o.data) {
      disposeCheckpoint(o.resume);
      this.pending = null;
      throw new CheckpointError(
        'the dataset changed since this run started (files, labels or contents differ): start a new run',
      );
    }
  }

  /** Fresh run: clear checkpoints a previous run left in the folder. */
  async start(dataDir: string, config: TrainConfig): Promise<void> {
    if (this.o.resume) return;
    await removeCheckpoints(this.o.runDir);
    await writeRunManifest(this.o.runDir, { jobId: this.o.jobId, dataDir, config });
  }

  /**
   * Loop hooks for a phase. `weights` are the loop's snapshot weights; `before` the run's history from
   * earlier phases. When the pending checkpoint is this phase's, its weights are written into `weights`
   * now and the loop continues after its last epoch.
   */
  hooks(phase: Phase, weights: tf.LayerVariable[], before: EpochMetrics[], headEarlyStopped = false): Hooks {
    const onEpochEnd: Hooks['onEpochEnd'] = async (s) => {
      const iterations = (await s.optimizer.getWeights()) as { name: string; tensor: tf.Tensor }[];
      try {
        await saveCheckpoint(this.o.runDir, {
          version: 1,
          jobId: this.o.jobId,
          phase,
          epochs: s.epochs,
          step: this.o.step(),
          history: [...before, ...s.history],
          headEarlyStopped,
          sinceBest: s.sinceBest,
          best: s.best && { epoch: s.best.epoch, valLoss: s.best.valLoss },
          dataDigest: this.o.data,
          weights: s.weights.map((w) => ({ name: w.originalName, tensor: w.read() })),
          bestWeights:
            s.best && s.best.weights.map((t, i) => ({ name: s.weights[i].originalName, tensor: t })),
          optimizer: iterations,
          optimizerScalars: optimizerScalars(s.optimizer),
        });
      } finally {
        iterations[0]?.tensor.dispose(); // the iteration count is a fresh scalar; the rest are live slots
      }
    };
    const c = this.pending;
    if (!c || (c.phase !== phase && !(phase === 'head' && c.phase === 'fine-tune'))) return { onEpochEnd };
    if (phase !== c.phase) {
      // The head phase ended before the checkpoint was taken: the loop runs no epoch and reports how
      // it ended; the weights come with the fine-tune phase's hooks.
      const history = c.history.filter((h) => h.phase === phase);
      const sinceBest = c.headEarlyStopped ? Number.MAX_SAFE_INTEGER : 0;
      return {
        onEpochEnd,
        resume: { epochs: history.length, history, best: null, sinceBest, optimizer: null },
      };
    }
    this.pending = null;
    const check = (list: { name: string; tensor: tf.Tensor }[]) => {
      const ok =
        list.length === weights.length &&
        list.every(
          (w, i) =>
            w.name === weights[i].originalName &&
            tf.util.arraysEqual(w.tensor.shape, weights[i].shape as number[]),
        );
      if (!ok)
        throw new CheckpointError(
          'the checkpoint does not fit this model (different base, head or unfrozen layers)',
        );
    };
    try {
      check(c.weights);
      if (c.bestWeights) check(c.bestWeights);
    } catch (e) {
      disposeCheckpoint(c);
      throw e;
    }
    c.weights.forEach((w, i) => weights[i].write(w.tensor));
    tf.dispose(c.weights.map((w) => w.tensor));
    return {
      onEpochEnd,
      resume: {
        epochs: c.epochs,
        history: c.history.filter((h) => h.phase === phase),
        best: c.best && c.bestWeights && { ...c.best, weights: c.bestWeights.map((w) => w.tensor) },
        sinceBest: c.sinceBest,
        optimizer: c.optimizer,
        optimizerScalars: c.optimizerScalars,
      },
    };
  }
}

/** Load the folder's run manifest and newest intact checkpoint (null: no epoch had completed). */
export async function openRun(
  runDir: string,
): Promise<{ manifest: RunManifest; checkpoint: Checkpoint | null }> {
  const manifest = await readRunManifest(runDir);
  const checkpoint = await loadCheckpoint(runDir);
  if (checkpoint && checkpoint.jobId !== manifest.jobId) {
    disposeCheckpoint(checkpoint);
    throw new CheckpointError(`${runDir}: the checkpoint belongs to another run`);
  }
  return { manifest, checkpoint };
}
