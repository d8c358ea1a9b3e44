/**
 * The Settings dialog's panels: which ONNX Runtime devices can run the frozen base here (asked of the
 * engine process, where ONNX Runtime loads), and the feature cache under the cache folder — its size
 * and clearing it (plain file work on the cache folder, done here in main).
 */
import { cacheReport, clearCache } from '../engine/store/report';
import { ApiException } from './api-error';
import type { HandlerContext, HandlersFor } from './handler-context';

type SettingsChannel = 'listDevices' | 'getCacheReport' | 'clearCache';

export function settingsHandlers(ctx: HandlerContext): HandlersFor<SettingsChannel> {
  const { engine, runs } = ctx;
  return {
    async listDevices() {
      // Not announced as a job: a quick question, not work the user started.
      return { devices: await engine.run('listDevices', {}, { label: 'Devices' }).result };
    },

    async getCacheReport() {
      return cacheReport(ctx.cacheDir());
    },

    async clearCache(req) {
      // A training run reads its vectors back from the store (streamed beyond the memory budget):
      // removing them under it would fail the run, so clearing waits until it has ended.
      const busy = runs.active();
      if (busy)
        throw new ApiException(
          'CONFLICT',
          `a run is training (${busy.datasetName}); clear the feature cache when it has finished`,
        );
      const root = ctx.cacheDir();
      const cleared = await clearCache(root, req.base === undefined ? {} : { base: req.base });
      return { cleared, report: await cacheReport(root) };
    },
  };
}
