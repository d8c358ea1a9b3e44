import type { BackendReport } from '../backend';
import type { FeatureBase } from '../bases/load';
import type { ExtractItem, PixelOptions } from './batch';
import { InProcessExtractor, WorkerPoolExtractor, type BatchResult, type Extractor } from './pool';

/**
 * Picks how to run the base, and starts it only when an image actually misses the cache (a warm run
 * never pays for worker start-up). Native tfjs-node is multi-threaded already: it runs in-process;
 * single-threaded wasm/cpu get one worker engine per core.
 */
export class LazyExtractor implements Extractor {
  private inner: Promise<Extractor> | null = null;
  private startedEngines = 0;
  constructor(
    private base: FeatureBase,
    private backend: BackendReport,
    private pixel: PixelOptions,
    readonly engines: number,
  ) {}

  get started(): number {
    return this.startedEngines;
  }

  private start(): Promise<Extractor> {
    this.inner ??= (async () => {
      const inProcess = this.backend.threadsPerEngine === 0 || this.engines <= 1;
      const ex = inProcess
        ? new InProcessExtractor(this.base, this.pixel)
        : await WorkerPoolExtractor.create(this.base, this.backend, this.pixel, this.engines);
      this.startedEngines = ex.engines;
      return ex;
    })();
    return this.inner;
  }

  async run(items: ExtractItem[]): Promise<BatchResult> {
    return (await this.start()).run(items);
  }

  async close(): Promise<void> {
    if (this.inner) await (await this.inner).close();
  }
}
