/** The Model screen's bases: cards, describing (loading) one, and the user's own model folders. */
import type { HandlerContext, HandlersFor } from './handler-context';

type BaseChannel = 'listBases' | 'describeBase' | 'addLocalBase' | 'removeLocalBase' | 'modelLayers';

export function baseHandlers(ctx: HandlerContext): HandlersFor<BaseChannel> {
  const { settings, bases } = ctx;
  return {
    async listBases() {
      return { bases: await bases.cards() };
    },

    async describeBase(req) {
      return bases.describe(await bases.ref(req.base), req.download);
    },

    async addLocalBase(req) {
      const dir = await ctx.fsPolicy.resolveAllowed(req.path);
      const base = await bases.describe(dir, false);
      const list = settings.get('customBases').filter((p) => p !== dir);
      settings.set('customBases', [...list, dir]);
      return { base, bases: await bases.cards() };
    },

    async modelLayers(req) {
      return bases.modelLayers(await ctx.fsPolicy.resolveAllowed(req.path), req.featureLayer ?? null);
    },

    async removeLocalBase(req) {
      settings.set(
        'customBases',
        settings.get('customBases').filter((p) => p !== req.path),
      );
      return { bases: await bases.cards() };
    },
  };
}
