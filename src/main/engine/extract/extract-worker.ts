/** Worker thread: one tfjs engine (wasm is single-threaded, so one worker per core) extracting features. */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend';
import { loadBase, type FeatureBase } from '../bases/load';
import { findBase } from '../bases/registry';
import { prepareBatch, runBase, type PixelOptions } from './batch';
import type { FromWorker, ToWorker } from './protocol';

const port = parentPort!;
let base: FeatureBase | null = null;
let pixel: PixelOptions | null = null;
// Decoding of later batches starts as soon as they arrive (sharp works off-thread) while the
// current batch runs through the base: the queue keeps results in order.
let chain: Promise<void> = Promise.resolve();

const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'init') {
    chain = chain.then(async () => {
      try {
        const report = await initBackend(msg.backend);
        base = await loadBase({
          dir: msg.baseDir,
          entry: msg.entryId ? (findBase(msg.entryId) ?? null) : null,
          source: 'path',
        });
        pixel = msg.pixel;
        post({ type: 'ready', featureShape: base.featureShape, backend: report.name });
      } catch (e) {
        post({ type: 'failed', id: null, message: (e as Error).message });
      }
    });
    return;
  }
  const prepared = chain.then(() => prepareBatch(msg.items, pixel!));
  chain = prepared.then(
    (batch) => {
      const features = runBase(base!.model, batch, pixel!);
      post({ type: 'result', id: msg.id, features, errors: batch.errors }, [features.buffer as ArrayBuffer]);
    },
    (e: Error) => post({ type: 'failed', id: msg.id, message: e.message }),
  );
});
