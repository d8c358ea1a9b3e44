/**
 * Training runs in main: starts the engine's train job, folds its events into the run record with the
 * shared reducer (src/shared/run-state.ts), persists the record to the run history, and knows which
 * finished runs still have their model in the engine process (Try it, Export).
 */
import type { QualityState } from '@shared/quality';
import path from 'node:path';
import type { EngineEvent } from '@shared/engine-events';
import type { BackendPreference, ExtractionDevice } from '@shared/backends';
import { applyEngineEvent } from '@shared/run-state';
import type { RunRecord, RunView } from '@shared/ipc/run-record';
import type { TrainConfig } from '@shared/train';
import type { EngineHost } from '../engine-host/host';
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

export class RunRegistry {
  /** runId → the engine process generation (EngineStatus.starts) that holds its model. */
  private readonly live = new Map<string, number>();
  private readonly records = new Map<string, RunRecord>();
  private activeId: string | null = null;
  private lastSave = 0;

  constructor(
    private readonly store: RunHistoryStore,
    private readonly engine: EngineHost,
    private readonly events: EventBus,
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
    const busy = this.active();
    if (busy)
      throw new ApiException('CONFLICT', `a run is already training (${busy.datasetName}); stop it first`);
    const { dataset } = o;
    const name = path.basename(dataset.realRoot);
    const job = startJob(
      this.engine,
      this.events,
      'train',
      {
        scan: dataset.scan,
        config: o.config,
        cacheDir: o.cacheDir,
        backend: o.backend,
        quality: o.quality,
        device: o.device,
      },
      `Training on ${name}`,
      (id, e) => this.onEvent(id, e),
    );
    const record: RunRecord = {
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
    };
    this.records.set(record.id, record);
    this.activeId = record.id;
    void this.store.put(record);
    this.lastSave = Date.now();
    this.events.emit('runUpdate', this.view(record));
    job.result.then(
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
    this.records.delete(id);
    await this.store.remove(id);
  }

  private view(r: RunRecord): RunView {
    return { ...r, live: this.isLive(r.id) };
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
    const r = this.records.get(id);
    if (!r) return;
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
