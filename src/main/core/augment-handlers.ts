/** The Augment screen: variants of dataset images made by the engine's own augment function. */
import { resolveDatasetImage } from '../images/confine';
import { ApiException } from './api-error';
import { runJob } from './engine-jobs';
import type { HandlerContext, HandlersFor } from './handler-context';

export function augmentHandlers(ctx: HandlerContext): HandlersFor<'augmentPreview'> {
  const { engine, datasets, events } = ctx;
  return {
    async augmentPreview(req) {
      const d = datasets.opened(req.datasetId);
      const t0 = performance.now();
      const items = await Promise.all(
        req.rels.map(async (rel, i) => {
          const r = await resolveDatasetImage(datasets.rootOf, d.id, rel);
          if (!r.ok)
            throw new ApiException(r.status === 403 ? 'FORBIDDEN' : 'NOT_FOUND', `${rel}: ${r.reason}`);
          // Distinct, reproducible draws per image and variant.
          const seeds = Array.from({ length: req.variants }, (_, j) => req.seed * 7919 + i * 101 + j);
          return { rel, path: r.path, seeds };
        }),
      );
      const out = await runJob(
        engine,
        events,
        'augmentPreview',
        { items, spec: req.spec, size: req.size, resize: req.resize },
        'Augmentation preview',
      );
      return { items: out, ms: Math.round(performance.now() - t0) };
    },
  };
}
