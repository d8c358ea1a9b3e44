import { describeBackend, type BackendReport } from '../backend';
import type { FeatureBase } from '../bases/load';
import {
  preparePixelBatch,
  releaseBatch,
  type ExtractItem,
  type PixelOptions,
  type PreparedBatch,
} from '../extract/batch';
import { WorkerPoolExtractor } from '../extract/pool';
import { OnnxCompileError } from '../onnx/compiler/types';
import { assertDeviceAvailable, type ExtractionDevice } from '../onnx/devices';
import { ortBatchSize } from '../onnx/tuning';
import type { BoundaryExtractor } from './extract';
import { buildBoundaryRunner, type BoundaryOutputs, type BoundaryRunner } from './frozen-outputs';

interface Started {
  engines: number;
  line: string;
  /** Decodes in this process (a batch may come already prepared). */
  inProcess: boolean;
  run(
    items: ExtractItem[],
    prepared?: Promise<PreparedBatch<Uint8Array>>,
  ): ReturnType<BoundaryExtractor['run']>;
  close(): Promise<void>;
}

/** A runner in this process; decoding of the next batch (sharp's threads) overlaps the current one. */
function inProcess(runner: BoundaryRunner, pixel: PixelOptions, line: string): Started {
  return {
    engines: 1,
    line,
    inProcess: true,
    async run(items, prepared) {
      const batch = await (prepared ?? preparePixelBatch(items, pixel));
      try {
        const rows = batch.okCount ? await runner.run(batch.input, batch.okCount) : new Float32Array(0);
        return { rows, errors: batch.errors };
      } finally {
        releaseBatch(batch); // the runner has copied what it needs (rows are new arrays)
      }
    },
    close: async () => runner.dispose(),
  };
}

/**
 * Picks how to run a fine-tuning run's frozen pass, as feature extraction does (extract/lazy.ts), and
 * starts it only when a view actually misses the cache: the multi-output frozen model on ONNX Runtime
 * first; if the base does not compile (a layer is named) or, under `auto`, no ORT device starts, the
 * tfjs graph — in process on a native backend, else one worker engine per core.
 */
export class LazyBoundaryExtractor implements BoundaryExtractor {
  private inner: Promise<Started> | null = null;
  private startedEngines = 0;
  private line = 'not started (every view came from the cache)';
  /** Whether the started runner decodes in this process (null: not started yet). */
  private decodesHere: boolean | null = null;
  readonly batchSize: number | undefined;

  constructor(
    private base: FeatureBase,
    private backend: BackendReport,
    private pixel: PixelOptions,
    readonly engines: number,
    private outputs: BoundaryOutputs,
    private device: ExtractionDevice = 'auto',
  ) {
    if (device !== 'tfjs') {
      assertDeviceAvailable(device);
      this.batchSize = ortBatchSize(base);
    }
  }

  get started(): number {
    return this.startedEngines;
  }

  describe(): string {
    return this.line;
  }

  private async startTfjs(why: string | null): Promise<Started> {
    const tail = why ? ` — onnxruntime unavailable (${why})` : '';
    if (this.backend.threadsPerEngine === 0 || this.engines <= 1) {
      const runner = await buildBoundaryRunner(this.base, this.outputs);
      const line = `tfjs ${describeBackend(this.backend)}, 1 engine(s), ${runner.kind}${tail}`;
      return inProcess(runner, this.pixel, line);
    }
    const pool = await WorkerPoolExtractor.create(
      this.base,
      this.backend,
      this.pixel,
      this.engines,
      this.outputs,
    );
    return {
      engines: pool.engines,
      line: `tfjs ${describeBackend(this.backend)}, ${pool.engines} engine(s)${tail}`,
      inProcess: false,
      run: async (items) => {
        const r = await pool.run(items);
        return { rows: r.features, errors: r.errors };
      },
      close: () => pool.close(),
    };
  }

  private start(): Promise<Started> {
    this.inner ??= (async () => {
      let started: Started;
      if (this.device === 'tfjs') started = await this.startTfjs(null);
      else
        try {
          const runner = await buildBoundaryRunner(this.base, this.outputs, {
            kind: 'onnxruntime',
            device: this.device,
          });
          started = inProcess(runner, this.pixel, `${runner.describe()}, batch ${this.batchSize}`);
        } catch (e) {
          // A base the compiler cannot express falls back whatever the device; a forced device does not.
          if (this.device !== 'auto' && !(e instanceof OnnxCompileError)) throw e;
          started = await this.startTfjs((e as Error).message);
        }
      this.startedEngines = started.engines;
      this.line = started.line;
      return started;
    })();
    return this.inner;
  }

  async run(items: ExtractItem[]) {
    const starting = this.start();
    // ONNX Runtime runs in this process: the first batches decode while its session compiles.
    const here = this.decodesHere ?? this.device !== 'tfjs';
    const prepared = here ? preparePixelBatch(items, this.pixel) : undefined;
    const started = await starting.catch((e: unknown) => {
      prepared?.catch(() => undefined);
      throw e;
    });
    this.decodesHere = started.inProcess;
    if (started.inProcess) return started.run(items, prepared);
    prepared?.catch(() => undefined); // the fallback's workers decode for themselves
    return started.run(items);
  }

  async close(): Promise<void> {
    if (this.inner) await (await this.inner).close();
  }
}
