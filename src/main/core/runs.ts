/**
 * Training runs in main: starts the engine's train job, folds its events into the run record with the
 * shared reducer (src/shared/run-state.ts), persists the record to the run history, and knows which
 * finished runs still have their model in the engine process (Try it, Export).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { QualityState } from '@shared/quality';
import path from 'node:path';
import type { EngineEvent } from '@shared/engine-events';
import type { BackendPreference, ExtractionDevice } from '@shared/backends';
import { applyEngineEvent } from '@shared/run-state';
import type { RunRecord, RunView } from '@shared/ipc/run-record';
import type { TrainConfig } from '@shared/train';
import type { EngineHost } from '../engine-host/host';
import { CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE } from '../engine/train/checkpoint-files';
import type { RunHistoryStore } from '../settings/run-history';
import { ApiException, toApiError } from './api-error';
import type { OpenedDataset } from './datasets';
import type { EventBus } from './event-bus';
import { startJob } from './engine-jobs';

/** Trained models kept in the engine at once; older ones are released (their records stay). */
export const MAX_LIVE_RUNS = 3;
/** How often a running run's record is written to disk. */
const SAVE_EVERY_MS = 2000;

export interface StartTrainingOptions {
  dataset: OpenedDataset;
  config: TrainConfig;
  cacheDir: string;
  backend: BackendPreference;
  /** The dataset's quality decisions, applied by the engine before training. */
  quality?: QualityState;
  /** What runs the frozen base (the preferredDevice setting). */
  device: ExtractionDevice;
}

/** Where and how a resumed run trains (its config and data are its own). */
export type ResumeTrainingOptions = Pick<StartTrainingOptions, 'cacheDir' | 'backend' | 'device'>;

/** A run that stopped or failed and has a checkpoint of a completed epoch in its folder. */
const canResume = (r: RunRecord) =>
  (r.status === 'stopped' || r.status === 'failed') &&
  !!r.runDir &&
  [CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE].some((f) => existsSync(path.join(r.runDir!, f)));

export class RunRegistry {
  /** runId → the engine process generation (EngineStatus.starts) that holds its model. */
  private readonly live = new Map<string, number>();
  private readonly records = new Map<string, RunRecord>();
  private activeId: string | null = null;
  private lastSave = 0;
  /** Resumed runs whose records still hold the old run's curves beyond the checkpoint (see onEvent). */
  private readonly trimPending = new Set<string>();

  constructor(
    private readonly store: RunHistoryStore,
    private readonly engine: EngineHost,
    private readonly events: EventBus,
    /** Where runs keep their folders (checkpoints for a resume); null: no folders, no resume. */
    private readonly runsDir: string | null = null,
  ) {}

  list(): RunView[] {
    const active = this.activeId ? this.records.get(this.activeId) : undefined;
    const stored = this.store.list().filter((r) => r.id !== active?.id);
    return [...(active ? [active] : []), ...stored].map((r) => this.view(r));
  }

  get(id: string): RunRecord | undefined {
    return this.records.get(id) ?? this.store.get(id);
  }

  /** The run's model is in the engine process right now. */
  isLive(id: string): boolean {
    const gen = this.live.get(id);
    return gen !== undefined && gen === this.engine.status().starts && this.engine.status().pid !== null;
  }

  active(): RunRecord | null {
    return this.activeId ? (this.records.get(this.activeId) ?? null) : null;
  }

  start(o: StartTrainingOptions): RunView {
    this.assertIdle();
    const { dataset } = o;
    const name = path.basename(dataset.realRoot);
    const runDir = this.runsDir && path.join(this.runsDir, randomUUID());
    const job = startJob(
      this.engine,
      this.events,
      'train',
      {
        scan: dataset.scan,
        config: o.config,
        cacheDir: o.cacheDir,
        backend: o.backend,
        device: o.device,
        quality: o.quality,
        ...(runDir ? { runDir } : {}),
      },
      `Training on ${name}`,
      (id, e) => this.onEvent(id, e),
    );
    return this.begin(
      {
        id: job.jobId,
        datasetRoot: dataset.realRoot,
        datasetName: name,
        classes: dataset.scan.classes,
        createdAt: new Date().toISOString(),
        finishedAt: null,
        status: 'running',
        config: o.config,
        epochs: [],
        batches: [],
        stage: null,
        fineTuneStart: null,
        summary: null,
        error: null,
        runDir,
      },
      job.result,
    );
  }

  /**
   * Continue a stopped or failed run from its last checkpoint. The new run (a new engine job) takes the
   * old one's place in the history, with its curves up to the checkpoint; the old model is released.
   */
  resume(id: string, o: ResumeTrainingOptions): RunView {
    const old = this.get(id);
    if (!old) throw new ApiException('NOT_FOUND', `no run with id ${id}`);
    this.assertIdle();
    if (!canResume(old))
      throw new ApiException(
        'BAD_REQUEST',
        old.status === 'stopped' || old.status === 'failed'
          ? 'this run has no checkpoint to resume from (no epoch had completed)'
          : `a ${old.status} run cannot be resumed`,
      );
    const job = startJob(
      this.engine,
      this.events,
      'train',
      {
        resume: old.runDir!,
        config: old.config,
        cacheDir: o.cacheDir,
        backend: o.backend,
        device: o.device,
      },
      `Resuming training on ${old.datasetName}`,
      (jobId, e) => this.onEvent(jobId, e),
    );
    if (this.live.has(id)) this.release(id);
    this.records.delete(id);
    void this.store.remove(id);
    this.trimPending.add(job.jobId);
    return this.begin(
      {
        ...old,
        id: job.jobId,
        finishedAt: null,
        status: 'running',
        stage: null,
        summary: null,
        error: null,
      },
      job.result,
    );
  }

  private assertIdle(): void {
    const busy = this.active();
    if (busy)
      throw new ApiException('CONFLICT', `a run is already training (${busy.datasetName}); stop it first`);
  }

  private begin(record: RunRecord, result: ReturnType<typeof startJob<'train'>>['result']): RunView {
    this.records.set(record.id, record);
    this.activeId = record.id;
    void this.store.put(record);
    this.lastSave = Date.now();
    this.events.emit('runUpdate', this.view(record));
    result.then(
      (summary) =>
        this.finish(record.id, {
          status: summary.stopped ? 'stopped' : 'done',
          summary,
          classes: summary.classes,
        }),
      (e: unknown) => {
        const err = toApiError(e);
        // Cancelled outright (not stopped): the engine may still finish it; nobody wants that model.
        if (err.code === 'CANCELLED' && this.engine.status().pid !== null)
          this.engine.run('releaseRun', { runId: record.id }).result.catch(() => undefined);
        this.finish(
          record.id,
          err.code === 'CANCELLED' ? { status: 'cancelled' } : { status: 'failed', error: err.message },
        );
      },
    );
    return this.view(record);
  }

  /** Ask the running job to stop; it keeps its best weights and evaluates them. */
  stop(id: string): boolean {
    const r = this.records.get(id);
    if (!r || this.activeId !== id || r.status !== 'running') return false;
    if (!this.engine.stop(id)) return false;
    this.update(id, { status: 'stopping' }, true);
    return true;
  }

  async remove(id: string): Promise<void> {
    if (this.activeId === id) throw new ApiException('CONFLICT', 'this run is still training; stop it first');
    if (this.live.has(id)) this.release(id);
    const dir = this.get(id)?.runDir;
    this.records.delete(id);
    await this.store.remove(id);
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  private view(r: RunRecord): RunView {
    return { ...r, live: this.isLive(r.id), resumable: canResume(r) };
  }

  private update(id: string, patch: Partial<RunRecord>, announce: boolean): RunRecord | undefined {
    const r = this.records.get(id);
    if (!r) return undefined;
    const next = { ...r, ...patch };
    this.records.set(id, next);
    if (announce) this.events.emit('runUpdate', this.view(next));
    return next;
  }

  /** Fold an engine event into the run (the shared reducer); announce status changes, save now and then. */
  private onEvent(id: string, e: EngineEvent): void {
    let r = this.records.get(id);
    if (!r) return;
    if ((e.type === 'batch' || e.type === 'epoch') && this.trimPending.delete(id)) {
      // A resumed run's first epoch: the old run's curves after its checkpoint (a crash can record one
      // epoch more than was checkpointed; a stop, a part of one) are replaced by the resumed ones.
      r = {
        ...r,
        epochs: r.epochs.filter((m) => m.epoch < e.epoch),
        batches: r.batches.filter((b) => b.x <= e.epoch - 1),
      };
    }
    const next = applyEngineEvent(r, e);
    if (next === r) return;
    this.records.set(id, next);
    if (next.status !== r.status) this.events.emit('runUpdate', this.view(next));
    if (e.type === 'epoch' && Date.now() - this.lastSave >= SAVE_EVERY_MS) {
      this.lastSave = Date.now();
      void this.store.put(next);
    }
  }

  private finish(id: string, patch: Partial<RunRecord>): void {
    this.trimPending.delete(id);
    const r = this.records.get(id);
    // A finished run has nothing to resume: its folder goes (a stopped or failed one keeps it).
    if (patch.status === 'done' && r?.runDir) {
      void rm(r.runDir, { recursive: true, force: true }).catch(() => undefined);
      patch = { ...patch, runDir: null };
    }
    const next = this.update(id, { ...patch, stage: null, finishedAt: new Date().toISOString() }, false);
    if (this.activeId === id) this.activeId = null;
    if (next?.summary) {
      this.live.set(id, this.engine.status().starts);
      this.releaseBeyondLimit();
    }
    if (next) {
      void this.store.put(next);
      this.events.emit('runUpdate', this.view(next));
    }
    this.records.delete(id);
  }

  private releaseBeyondLimit(): void {
    const ids = [...this.live.keys()];
    for (const old of ids.slice(0, Math.max(0, ids.length - MAX_LIVE_RUNS))) this.release(old);
  }

  private release(id: string): void {
    const live = this.isLive(id);
    this.live.delete(id);
    if (!live) return; // nothing to free: the engine that held it is gone
    this.engine
      .run('releaseRun', { runId: id })
      .result.catch((e: Error) => console.error(`[runs] release ${id}: ${e.message}`));
  }
}
