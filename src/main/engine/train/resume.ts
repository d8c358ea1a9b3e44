/**
 * Resumable runs. A run folder holds `run.json` (the run's id, parsed config and state), `scan.json`
 * (the dataset exactly as it was scanned and split) and the epoch-end checkpoints. `Checkpointer` gives
 * each training phase its loop hooks (write a checkpoint at every epoch end; on resume, restore the
 * phase the checkpoint was taken in); `resumeRun` (resume-run.ts) restarts a stopped or crashed run
 * from its folder and ends where the uninterrupted run would have.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DatasetScan } from '@shared/dataset';
import type { EpochMetrics, Phase } from '@shared/engine-events';
import { TrainConfig } from '@shared/train';
import { explainMkdirError } from '../../util/mkdir-error';
import { WriteError } from '../../util/write-dir-atomic';
import { writeFileAtomic } from '../../util/write-atomic';
import { tf } from '../tf';
import {
  CheckpointError,
  disposeCheckpoint,
  loadCheckpoint,
  removeCheckpoints,
  saveCheckpoint,
  snapshotCheckpoint,
  type Checkpoint,
} from './checkpoint';
import type { LoopHooks } from './loop';
import { optimizerScalars } from './optimizer-state';

export const RUN_FILE = 'run.json';
export const SCAN_FILE = 'scan.json';

/** running: started, or crashed (resumable); stopped: stopped by the user (resumable); done: finished. */
export const RunFolderState = z.enum(['running', 'stopped', 'done']);
export type RunFolderState = z.infer<typeof RunFolderState>;

const RunManifest = z.object({
  version: z.literal(1),
  jobId: z.string().min(1),
  config: TrainConfig,
  state: RunFolderState,
  createdAt: z.string(),
});
export type RunManifest = z.infer<typeof RunManifest>;

async function readJson<T>(file: string, schema: z.ZodType<T>, what: string): Promise<T> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CheckpointError(
      `${path.dirname(file)} is not a resumable run folder (${path.basename(file)}: ${e.code ?? e.message})`,
    );
  });
  try {
    return schema.parse(JSON.parse(text));
  } catch (e) {
    throw new CheckpointError(`${what} ${file} is unreadable: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Identifies what a run trains on: every training/validation item's split, class and content. */
export function dataDigest(
  items: { file: { rel: string; classIndex: number; split: string }; hash: string }[],
): string {
  const h = createHash('sha256');
  for (const it of items) h.update(`${it.file.split}\t${it.file.classIndex}\t${it.file.rel}\t${it.hash}\n`);
  return h.digest('hex').slice(0, 32);
}

/** A run's folder, as the pipeline keeps it while it trains. */
export class RunFolder {
  private constructor(
    readonly dir: string,
    private manifest: RunManifest,
    /** A fresh run's scan, until its folder is first written. */
    private unwritten: DatasetScan | null,
  ) {}

  /**
   * A fresh run clears what a previous run left in the folder (its checkpoints and manifest, so a
   * resume never continues the older run), but writes nothing until its first epoch ends: a run stopped
   * or killed before then has nothing to resume and leaves nothing behind. A resumed run (`resuming`)
   * keeps the folder as it is and marks it running.
   */
  static async begin(
    dir: string,
    run: { jobId: string; config: TrainConfig; scan: DatasetScan },
    resuming: boolean,
  ): Promise<RunFolder> {
    if (resuming) {
      const { manifest } = await readRunFiles(dir, { scan: false });
      const folder = new RunFolder(dir, manifest, null);
      await folder.mark('running');
      return folder;
    }
    // A path through a file clears nothing; writing the folder later says what is wrong with it.
    const notThere = (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTDIR') throw e;
    };
    await removeCheckpoints(dir).catch(notThere);
    await rm(path.join(dir, RUN_FILE), { force: true }).catch(notThere);
    const manifest: RunManifest = {
      version: 1,
      jobId: run.jobId,
      config: run.config,
      state: 'running',
      createdAt: new Date().toISOString(),
    };
    return new RunFolder(dir, manifest, run.scan);
  }

  get jobId(): string {
    return this.manifest.jobId;
  }

  /** Writes the folder (scan, then manifest) if this run has not yet; before its first checkpoint. */
  async materialize(): Promise<void> {
    if (!this.unwritten) return;
    await mkdir(this.dir, { recursive: true }).catch(async (e: unknown) => {
      throw new WriteError(await explainMkdirError(this.dir, e));
    });
    await writeFileAtomic(path.join(this.dir, SCAN_FILE), JSON.stringify(this.unwritten));
    this.unwritten = null;
    await this.mark(this.manifest.state);
  }

  private async mark(state: RunFolderState): Promise<void> {
    this.manifest = { ...this.manifest, state };
    await writeFileAtomic(path.join(this.dir, RUN_FILE), `${JSON.stringify(this.manifest, null, 2)}\n`);
  }

  /**
   * The run ended. A finished run drops its checkpoints (nothing is left to resume, and a large head's
   * optimizer state is hundreds of MB) and keeps its record; a stopped one keeps them for a resume
   * (stopped before its first epoch, it never wrote its folder and does not now).
   */
  async finish(stopped: boolean): Promise<void> {
    if (stopped) return this.unwritten ? undefined : this.mark('stopped');
    await this.materialize();
    await removeCheckpoints(this.dir);
    await this.mark('done');
  }
}

/** The folder's manifest, scan and newest intact checkpoint (null: no epoch had completed). */
export async function readRunFiles(
  dir: string,
  o: { scan?: boolean } = {},
): Promise<{ manifest: RunManifest; scan: DatasetScan | null; checkpoint: Checkpoint | null }> {
  const manifest = await readJson(path.join(dir, RUN_FILE), RunManifest, 'run manifest');
  if (o.scan === false) return { manifest, scan: null, checkpoint: null };
  const scan = await readJson(path.join(dir, SCAN_FILE), DatasetScan, 'dataset scan');
  const checkpoint = await loadCheckpoint(dir);
  if (checkpoint && checkpoint.jobId !== manifest.jobId) {
    disposeCheckpoint(checkpoint);
    throw new CheckpointError(`${dir}: the checkpoint belongs to another run`);
  }
  return { manifest, scan, checkpoint };
}

export interface CheckpointerOptions {
  folder: RunFolder;
  /** Digest of the items the run trains on (`dataDigest`). */
  data: string;
  /** Dropout steps taken so far, read at every epoch end. */
  step: () => number;
  /** The checkpoint to continue from (it is consumed); null for a fresh run. */
  resume: Checkpoint | null;
  /** The run's stop signal. */
  signal?: AbortSignal;
}

/** Resolves when `p` settles or `signal` aborts, whichever is first. */
function untilAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve();
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener('abort', onAbort, { once: true });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

/** Writes a checkpoint at every epoch end of every phase; restores the one a resume continues from. */
export class Checkpointer {
  private pending: Checkpoint | null;
  /** The newest checkpoint's write (still going on after a Stop that did not wait for it). */
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown = null;
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

  /** Wait for the checkpoint being written; throws if a write failed. Call before the run ends. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.failure) throw this.failure;
  }

  private write(snapshot: Checkpoint): void {
    this.writing = (async () => {
      try {
        await this.o.folder.materialize();
        await saveCheckpoint(this.o.folder.dir, snapshot);
      } catch (e) {
        this.failure ??= e;
      } finally {
        disposeCheckpoint(snapshot);
      }
    })();
  }

  /**
   * Loop hooks for a phase. `weights` are the loop's snapshot weights; `before` the run's history from
   * earlier phases. When the pending checkpoint is this phase's, its weights are written into `weights`
   * now and the loop continues after its last epoch.
   */
  hooks(
    phase: Phase,
    weights: tf.LayerVariable[],
    before: EpochMetrics[],
    headEarlyStopped = false,
  ): LoopHooks {
    const onEpochEnd: LoopHooks['onEpochEnd'] = async (s) => {
      // One write in flight at most: a disk slower than the epochs holds the loop here, not memory.
      await this.flush();
      const iterations = (await s.optimizer.getWeights()) as { name: string; tensor: tf.Tensor }[];
      let snapshot: Checkpoint;
      try {
        snapshot = snapshotCheckpoint({
          version: 1,
          jobId: this.o.folder.jobId,
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
      this.write(snapshot);
      // The epoch is durable before the next one starts (a crash loses at most the epoch running),
      // but a Stop need not wait for a big head's write: the run waits for it before it ends.
      await untilAborted(this.writing, this.o.signal);
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
