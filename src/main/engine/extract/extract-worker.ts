/** Worker thread: one tfjs engine (wasm is single-threaded, so one worker per core) extracting features. */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend';
import { loadBase } from '../bases/load';
import { findBase } from '../bases/registry';
import { buildBoundaryRunner } from '../finetune/frozen-outputs';
import { compileBase } from './compiled-base';
import { prepareBatch, preparePixelBatch, runBase, type ExtractItem } from './batch';
import type { FromWorker, ToWorker } from './protocol';

const port = parentPort!;
/** Decodes a batch into what the engine reads and runs it on that: set up by `init`. */
let engine:
  ((items: ExtractItem[]) => Promise<{ features: Float32Array; errors: (string | null)[] }>) | null = null;
let ready: Promise<void> = Promise.resolve();
// Results go out in arrival order; decoding of a batch starts as soon as it arrives (sharp works on
// its own threads) so it overlaps with the base running on the batch before.
let chain: Promise<void> = Promise.resolve();

const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'init') {
    ready = (async () => {
      try {
        const report = await initBackend(msg.backend);
        const loaded = await loadBase({
          dir: msg.baseDir,
          entry: msg.entryId ? (findBase(msg.entryId) ?? null) : null,
          source: 'path',
        });
        const pixel = msg.pixel;
        let kind: 'graph' | 'layers';
        if (msg.boundary) {
          const b = await buildBoundaryRunner(loaded, msg.boundary);
          engine = async (items) => {
            const batch = await preparePixelBatch(items, pixel);
            const features = batch.okCount ? await b.run(batch.input, batch.okCount) : new Float32Array(0);
            return { features, errors: batch.errors };
          };
          kind = b.kind === 'graph' ? 'graph' : 'layers';
        } else {
          const base = await compileBase(loaded);
          engine = async (items) => {
            const batch = await prepareBatch(items, pixel);
            return { features: runBase(base, batch, pixel), errors: batch.errors };
          };
          kind = base.kind;
        }
        post({
          type: 'ready',
          featureShape: loaded.featureShape,
          backend: report.name,
          compiled: kind,
        });
      } catch (e) {
        post({ type: 'failed', id: null, message: (e as Error).message });
      }
    })();
    return;
  }
  const done = ready.then(() => engine!(msg.items));
  chain = chain
    .then(() => done)
    .then(
      ({ features, errors }) => {
        post({ type: 'result', id: msg.id, features, errors }, [features.buffer as ArrayBuffer]);
      },
      (e: Error) => post({ type: 'failed', id: msg.id, message: e.message }),
    );
});
