/**
 * The 'augmentPreview' job: each image decoded exactly as training decodes it (size, resize mode),
 * then augmented by the engine's own `augment` once per seed. No tfjs: this stays fast while a
 * training job shares the process.
 */
import type { JobPayload, JobResult } from '@shared/ipc/engine-protocol';
import { augment } from '../../engine/augment/augment';
import { decodeImage } from '../../engine/image/decode';
import { AbortError } from '../job-context';
import type { JobContext } from '../job-context';
import { rgbToDataUrl } from './images';

export async function augmentPreviewJob(
  p: JobPayload<'augmentPreview'>,
  ctx: JobContext,
): Promise<JobResult<'augmentPreview'>> {
  return Promise.all(
    p.items.map(async (item) => {
      try {
        const img = await decodeImage(item.path, p.size, p.size, p.resize);
        const variants: string[] = [];
        for (const seed of item.seeds) {
          if (ctx.signal.aborted) throw new AbortError('preview cancelled');
          variants.push(await rgbToDataUrl(augment(img, p.spec, seed)));
        }
        return { rel: item.rel, original: await rgbToDataUrl(img), variants, error: null };
      } catch (e) {
        if (e instanceof AbortError) throw e;
        return { rel: item.rel, original: null, variants: [], error: (e as Error).message };
      }
    }),
  );
}
