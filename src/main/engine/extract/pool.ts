import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackendReport } from '../backend';
import type { FeatureBase } from '../bases/load';
import { prepareBatch, runBase, type ExtractItem, type PixelOptions } from './batch';
import { compileBase, type CompiledBase } from './compiled-base';
import type { BoundaryOutputs, FromWorker, ToWorker } from './protocol';

export interface BatchResult {
  /** [okCount × featureSize] (or × channels when `pooled`), in item order, skipping failed items. */
  features: Float32Array;
  errors: (string | null)[];
  /** Set when the extractor pooled each map globally itself (in the base's graph): one vector per item. */
  pooled?: 'avg' | 'max';
}

/** Runs the frozen base on batches. */
export interface Extractor {
  readonly engines: number;
  /** Images per run() this extractor works best with (extractFeatures' default batch size). */
  readonly batchSize?: number;
  run(items: ExtractItem[]): Promise<BatchResult>;
  close(): Promise<void>;
}

/** Same process (native tfjs-node uses every core itself). */
export class InProcessExtractor implements Extractor {
  readonly engines = 1;
  private compiled: Promise<CompiledBase>;
  constructor(
    base: FeatureBase,
    private pixel: PixelOptions,
  ) {
    this.compiled = compileBase(base);
  }
  async run(items: ExtractItem[]): Promise<BatchResult> {
    const batch = await prepareBatch(items, this.pixel);
    return { features: runBase(await this.compiled, batch, this.pixel), errors: batch.errors };
  }
  /** The compiled graph holds its own copy of the base's weights (BatchNorm folded): ~54 tensors. */
  async close(): Promise<void> {
    await this.compiled.then(
      (c) => c.dispose(),
      () => undefined,
    );
  }
}

function workerEntry(): { file: string | URL; workerData?: unknown } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    return {
      file: new URL('./ts-worker-boot.mjs', import.meta.url),
      workerData: { __tsEntry: new URL('./extract-worker.ts', import.meta.url).href },
    };
  }
  // Bundled: electron-vite emits the worker next to the bundle that imports this module.
  return { file: path.join(path.dirname(here), 'extract-worker.js') };
}

interface Slot {
  worker: Worker;
  inFlight: number;
  pending: Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>;
}

/** One single-threaded tfjs engine per core (wasm/cpu), each with its own copy of the base. */
export class WorkerPoolExtractor implements Extractor {
  private slots: Slot[] = [];
  private nextId = 1;
  private waiters: (() => void)[] = [];
  private constructor(readonly engines: number) {}

  static async create(
    base: FeatureBase,
    backend: BackendReport,
    pixel: PixelOptions,
    engines = Math.max(1, os.availableParallelism()),
    boundary?: BoundaryOutputs,
  ): Promise<WorkerPoolExtractor> {
    const pool = new WorkerPoolExtractor(engines);
    const entry = workerEntry();
    const init: ToWorker = {
      type: 'init',
      baseDir: base.dir,
      entryId: base.id,
      backend: backend.name,
      pixel,
      boundary,
    };
    await Promise.all(
      Array.from({ length: engines }, async () => {
        const worker = new Worker(entry.file, { workerData: entry.workerData });
        const slot: Slot = { worker, inFlight: 0, pending: new Map() };
        pool.slots.push(slot);
        await new Promise<void>((resolve, reject) => {
          const onMsg = (m: FromWorker) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'failed') reject(new Error(`feature worker failed to start: ${m.message}`));
          };
          worker.once('message', onMsg);
          worker.once('error', reject);
          worker.postMessage(init);
        });
        worker.on('message', (m: FromWorker) => pool.onMessage(slot, m));
        worker.on('error', (e) => pool.failAll(slot, e));
        worker.on(
          'exit',
          (code) => code !== 0 && pool.failAll(slot, new Error(`feature worker exited with code ${code}`)),
        );
      }),
    ).catch(async (e) => {
      await pool.close();
      throw e;
    });
    return pool;
  }

  private onMessage(slot: Slot, m: FromWorker) {
    if (m.type === 'ready') return;
    const id = m.id ?? -1;
    const p = slot.pending.get(id);
    if (!p) return;
    slot.pending.delete(id);
    slot.inFlight--;
    this.waiters.shift()?.();
    if (m.type === 'result') p.resolve({ features: m.features, errors: m.errors });
    else p.reject(new Error(m.message));
  }

  private failAll(slot: Slot, e: Error) {
    for (const p of slot.pending.values()) p.reject(e);
    slot.pending.clear();
  }

  /** Two batches in flight per engine: one running, one decoding. */
  async run(items: ExtractItem[]): Promise<BatchResult> {
    for (;;) {
      const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      if (slot.inFlight < 2) {
        slot.inFlight++;
        const id = this.nextId++;
        const result = new Promise<BatchResult>((resolve, reject) =>
          slot.pending.set(id, { resolve, reject }),
        );
        // Callbacks stay here: a worker decodes without telling this thread.
        const msg: ToWorker = { type: 'batch', id, items: items.map(({ onDecoded: _, ...it }) => it) };
        // Copies, not transfers: the caller keeps the bytes for hashing and error reports.
        slot.worker.postMessage(msg);
        return await result;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
