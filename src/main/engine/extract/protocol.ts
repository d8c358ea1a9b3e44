import type { BackendName } from '../backend';
import type { ExtractItem, PixelOptions } from './batch';

/** Messages between the extractor pool and its worker threads. */
export type ToWorker =
  | { type: 'init'; baseDir: string; entryId: string | null; backend: BackendName; pixel: PixelOptions }
  | { type: 'batch'; id: number; items: ExtractItem[] };

export type FromWorker =
  | { type: 'ready'; featureShape: number[]; backend: string; compiled: 'graph' | 'layers' }
  | { type: 'result'; id: number; features: Float32Array; errors: (string | null)[] }
  | { type: 'failed'; id: number | null; message: string };
