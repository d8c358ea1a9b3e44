/**
 * A trained run's model, while the engine still holds it: Try it (predictions on files, folders or
 * uploads) and Export.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PredictInput } from '@shared/ipc/engine-protocol';
import { ApiException } from './api-error';
import { runJob } from './engine-jobs';
import type { HandlerContext, HandlersFor } from './handler-context';

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|bmp|tiff?|avif)$/i;
/** Images taken from a dropped folder. */
export const MAX_FOLDER_IMAGES = 100;

/** Image files under `dir` (a few levels deep), sorted, at most `max`. */
async function imagesIn(dir: string, max: number, depth = 3): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, level: number) => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    for (const e of entries) {
      if (out.length >= max || e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isFile() && IMAGE_EXT.test(e.name)) out.push(full);
      else if (e.isDirectory() && level < depth) await walk(full, level + 1);
    }
  };
  await walk(dir, 0);
  return out;
}

export function runModelHandlers(ctx: HandlerContext): HandlersFor<'predictImages' | 'exportModel'> {
  const { engine, events, runs } = ctx;
  const liveRun = (runId: string) => {
    const r = runs.get(runId);
    if (!r) throw new ApiException('NOT_FOUND', `no run ${runId}`);
    if (!runs.isLive(runId))
      throw new ApiException(
        'NOT_FOUND',
        `the model of this run is no longer in memory (the engine restarted, the app restarted, or newer runs replaced it): train again with its configuration`,
      );
    return r;
  };

  return {
    async predictImages(req) {
      liveRun(req.runId);
      const t0 = performance.now();
      const items: PredictInput[] = [];
      for (const it of req.items) {
        if ('data' in it) {
          items.push({ name: it.name, bytes: new Uint8Array(Buffer.from(it.data, 'base64')) });
          continue;
        }
        const p = await ctx.fsPolicy.resolveAllowed(it.path);
        if ((await stat(p)).isDirectory()) {
          for (const f of await imagesIn(p, MAX_FOLDER_IMAGES))
            items.push({ name: path.relative(path.dirname(p), f), path: f });
        } else items.push({ name: it.name || path.basename(p), path: p });
      }
      if (items.length === 0) throw new ApiException('BAD_REQUEST', 'no images found in what was dropped');
      const predictions = await runJob(
        engine,
        events,
        'predict',
        { runId: req.runId, items: items.slice(0, MAX_FOLDER_IMAGES), k: req.k },
        `Predicting ${items.length} image${items.length === 1 ? '' : 's'}`,
      );
      return { predictions, ms: Math.round(performance.now() - t0) };
    },

    async exportModel(req) {
      liveRun(req.runId);
      const outDir = await ctx.fsPolicy.resolveWritable(req.outDir);
      return runJob(
        engine,
        events,
        'export',
        { runId: req.runId, outDir, formats: req.formats },
        `Exporting to ${path.basename(outDir)}`,
      );
    },
  };
}
