/** The 'predict' job (Try it): top-k of a kept run's model for files or uploaded bytes. */
import { readFile } from 'node:fs/promises';
import type { JobPayload, JobResult, PredictInput } from '../../../shared/ipc/engine-protocol';
import type { Prediction } from '../../../shared/ipc/prediction';
import { prepareBatch } from '../../engine/extract/batch';
import { tf } from '../../engine/tf';
import { AbortError } from '../jobs';
import type { JobContext } from '../jobs';
import { thumbDataUrl } from './images';
import { getRun } from './live-runs';

const BATCH = 16;

async function bytesOf(input: PredictInput): Promise<Uint8Array | string> {
  if ('bytes' in input) return input.bytes;
  try {
    return new Uint8Array(await readFile(input.path));
  } catch (e) {
    return `unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}

export async function predictJob(p: JobPayload<'predict'>, ctx: JobContext): Promise<JobResult<'predict'>> {
  const run = getRun(p.runId);
  const model = run.fullModel();
  const [h, w] = run.pixel.inputSize;
  const out: Prediction[] = [];
  for (let s = 0; s < p.items.length; s += BATCH) {
    if (ctx.signal.aborted) throw new AbortError('prediction cancelled');
    const chunk = p.items.slice(s, s + BATCH);
    const bytes = await Promise.all(chunk.map(bytesOf));
    const ok = bytes.map((b) => (typeof b === 'string' ? new Uint8Array(0) : b));
    const batch = await prepareBatch(
      ok.map((b) => ({ bytes: b, augment: null, seed: 0 })),
      run.pixel,
    );
    const probs =
      batch.okCount > 0
        ? tf.tidy(() =>
            (model.predict(tf.tensor4d(batch.input, [batch.okCount, h, w, 3])) as tf.Tensor).dataSync(),
          )
        : new Float32Array(0);
    const c = run.classes.length;
    let j = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = bytes[i];
      const error = typeof b === 'string' ? b : batch.errors[i];
      if (error) {
        out.push({ name: chunk[i].name, thumb: null, top: [], error });
        continue;
      }
      const row = Array.from(probs.subarray(j * c, (j + 1) * c));
      j++;
      const top = row
        .map((probability, index) => ({ label: run.classes[index], index, probability }))
        .sort((a, z) => z.probability - a.probability)
        .slice(0, Math.min(p.k, c));
      out.push({ name: chunk[i].name, thumb: await thumbDataUrl(ok[i]), top, error: null });
    }
  }
  return out;
}
