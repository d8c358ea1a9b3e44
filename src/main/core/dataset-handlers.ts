/** The Dataset screen: open (scan in the engine), re-split without re-reading, recent datasets. */
import path from 'node:path';
import { SplitOptions } from '@shared/dataset';
import { pushRecent } from '@shared/ipc/settings-schema';
import type { SettingsStore } from '../settings/store';
import { ApiException } from './api-error';
import { settingsChanged } from './app-handlers';
import { toView } from './datasets';
import { runJob } from './engine-jobs';
import type { HandlerContext, HandlersFor } from './handler-context';

type DatasetChannel = 'openDataset' | 'resplitDataset' | 'forgetRecent';

function saveSplit(settings: SettingsStore, root: string, split: SplitOptions): void {
  const all = settings.get('datasetConfigs');
  settings.set('datasetConfigs', { ...all, [root]: { ...all[root], split } });
}

export function datasetHandlers(ctx: HandlerContext): HandlersFor<DatasetChannel> {
  const { settings, engine, datasets, events } = ctx;
  return {
    async openDataset(req) {
      const root = await ctx.fsPolicy.resolveAllowed(req.path);
      const stored = settings.get('datasetConfigs')[root]?.split;
      const split = SplitOptions.parse({ ...stored, ...req.split });
      const t0 = performance.now();
      const scan = await runJob(engine, events, 'scan', { root, split }, `Scanning ${path.basename(root)}`);
      const entry = datasets.add(scan, root, split, Math.round(performance.now() - t0));
      settings.set(
        'recentDatasets',
        pushRecent(settings.get('recentDatasets'), {
          path: root,
          name: path.basename(root),
          openedAt: new Date().toISOString(),
          classes: scan.classes.length,
          images: scan.files.length,
        }),
      );
      saveSplit(settings, root, split);
      settingsChanged(ctx);
      return toView(entry);
    },

    async resplitDataset(req) {
      const view = datasets.resplit(req.datasetId, req.split);
      if (!view) throw new ApiException('NOT_FOUND', `no open dataset with id ${req.datasetId}`);
      saveSplit(settings, datasets.get(req.datasetId)!.realRoot, req.split);
      return view;
    },

    async forgetRecent(req) {
      settings.set(
        'recentDatasets',
        settings.get('recentDatasets').filter((r) => r.path !== req.path),
      );
      return settingsChanged(ctx);
    },
  };
}
