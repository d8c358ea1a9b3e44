import type { BackendName } from '../backend';
import type { ExtractItem, PixelOptions } from './batch';

/**
 * Instead of the feature map alone: the tensors crossing the unfreeze boundary of this fine-tune spec,
 * then the feature map (pooled in the worker, or whole); one row per image view, item-major.
 */
export interface BoundaryOutputs {
  fineTune: { layers: number; fromLayer?: string };
  /** The head's feature vector: the map pooled ('avg' | 'max'), or the whole map ('full'). */
  features: 'avg' | 'max' | 'full';
}

/** Messages between the extractor pool and its worker threads. */
export type ToWorker =
  | {
      type: 'init';
      baseDir: string;
      entryId: string | null;
      backend: BackendName;
      pixel: PixelOptions;
      boundary?: BoundaryOutputs;
    }
  | { type: 'batch'; id: number; items: ExtractItem[] };

export type FromWorker =
  | { type: 'ready'; featureShape: number[]; backend: string; compiled: 'graph' | 'layers' }
  | { type: 'result'; id: number; features: Float32Array; errors: (string | null)[] }
  | { type: 'failed'; id: number | null; message: string };
