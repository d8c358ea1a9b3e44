import { describeBackend, type BackendReport } from '../backend';
import type { FeatureBase } from '../bases/load';
import { OnnxCompileError } from '../onnx/compiler/types';
import { assertDeviceAvailable, type ExtractionDevice } from '../onnx/devices';
import { OrtExtractor } from '../onnx/extractor';
import { ortBatchSize } from '../onnx/tuning';
import type { ExtractItem, PixelOptions } from './batch';
import { InProcessExtractor, WorkerPoolExtractor, type BatchResult, type Extractor } from './pool';

/**
 * Picks how to run the base, and starts it only when an image actually misses the cache (a warm run
 * never pays for start-up). First choice: the base compiled to ONNX on ONNX Runtime (one session, best
 * device). If the base does not compile (a layer is named) or, under `auto`, no ORT device starts, today's
 * tfjs path runs, with the reason in the description: native tfjs-node in-process; single-threaded
 * wasm/cpu with one worker engine per core. A forced device (`cuda`…) that cannot start fails.
 */
export class LazyExtractor implements Extractor {
  private inner: Promise<Extractor> | null = null;
  private startedEngines = 0;
  private line = 'not started (every feature came from the cache)';
  readonly batchSize: number | undefined;

  constructor(
    private base: FeatureBase,
    private backend: BackendReport,
    private pixel: PixelOptions,
    readonly engines: number,
    private device: ExtractionDevice = 'auto',
    /** Told the description as soon as the base has started (before any feature is computed). */
    private onStart?: (line: string) => void,
    /** Pooled vectors wanted (a pooling head): ONNX Runtime pools inside the graph; tfjs returns maps. */
    private pool: 'avg' | 'max' | null = null,
  ) {
    if (device !== 'tfjs') {
      assertDeviceAvailable(device); // a forced device that cannot work here fails before any work
      this.batchSize = ortBatchSize(base);
    }
  }

  get started(): number {
    return this.startedEngines;
  }

  /** What runs (or would have run) the base, and why better options were not used: one line. */
  describe(): string {
    return this.line;
  }

  private async startTfjs(why: string | null): Promise<Extractor> {
    const inProcess = this.backend.threadsPerEngine === 0 || this.engines <= 1;
    const ex = inProcess
      ? new InProcessExtractor(this.base, this.pixel)
      : await WorkerPoolExtractor.create(this.base, this.backend, this.pixel, this.engines);
    this.startedEngines = ex.engines;
    this.line = `tfjs ${describeBackend(this.backend)}, ${ex.engines} engine(s)${why ? ` — onnxruntime unavailable (${why})` : ''}`;
    return ex;
  }

  private start(): Promise<Extractor> {
    this.inner ??= (async () => {
      if (this.device === 'tfjs') return this.startTfjs(null);
      try {
        const ex = await OrtExtractor.create(this.base, this.pixel, {
          device: this.device,
          batchSize: this.batchSize,
          pool: this.pool,
        });
        this.startedEngines = ex.engines;
        this.line = ex.describe();
        return ex;
      } catch (e) {
        // A base the compiler cannot express falls back whatever the device; a forced device does not.
        if (this.device !== 'auto' && !(e instanceof OnnxCompileError)) throw e;
        return this.startTfjs((e as Error).message);
      }
    })().then((ex) => {
      this.onStart?.(this.line);
      return ex;
    });
    return this.inner;
  }

  async run(items: ExtractItem[]): Promise<BatchResult> {
    return (await this.start()).run(items);
  }

  async close(): Promise<void> {
    if (this.inner) await (await this.inner).close();
  }
}
