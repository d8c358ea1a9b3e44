/** The Train screen: draft configs, starting and stopping runs, the run history. */
import { inferHead } from '@shared/head-shape';
import type { TrainConfig } from '@shared/train';
import type { SettingsStore } from '../settings/store';
import { ApiException } from './api-error';
import type { HandlerContext, HandlersFor } from './handler-context';

type RunChannel =
  'saveTrainConfig' | 'startTraining' | 'stopTraining' | 'resumeTraining' | 'listRuns' | 'deleteRun';

function saveConfig(settings: SettingsStore, root: string, train: TrainConfig): void {
  const all = settings.get('datasetConfigs');
  settings.set('datasetConfigs', { ...all, [root]: { ...all[root], train } });
}

export function runHandlers(ctx: HandlerContext): HandlersFor<RunChannel> {
  const { settings, datasets, runs, bases } = ctx;
  return {
    async saveTrainConfig(req) {
      saveConfig(settings, datasets.opened(req.datasetId).realRoot, req.config);
      return { saved: true };
    },

    async startTraining(req) {
      const d = datasets.opened(req.datasetId);
      // Train on the split the user sees on the Dataset screen.
      const config = { ...req.config, base: await bases.ref(req.config.base), split: d.split };
      const featureShape = bases.featureShape(config.base);
      if (featureShape) {
        const info = inferHead(config.head, featureShape, d.scan.classes.length);
        if (info.error) {
          const where =
            info.error.index < config.head.layers.length ? `layer ${info.error.index + 1}` : 'classifier';
          throw new ApiException('BAD_REQUEST', `the head is invalid at ${where}: ${info.error.message}`);
        }
      }
      saveConfig(settings, d.realRoot, config);
      return runs.start({
        dataset: d,
        config,
        cacheDir: ctx.cacheDir(),
        backend: settings.get('preferredBackend'),
        quality: settings.get('datasetConfigs')[d.realRoot]?.quality,
        device: settings.get('preferredDevice'),
      });
    },

    async stopTraining(req) {
      return { stopping: runs.stop(req.runId) };
    },

    async resumeTraining(req) {
      return runs.resume(req.runId, {
        cacheDir: ctx.cacheDir(),
        backend: settings.get('preferredBackend'),
        device: settings.get('preferredDevice'),
      });
    },

    async listRuns() {
      return { runs: runs.list() };
    },

    async deleteRun(req) {
      await runs.remove(req.runId);
      return { runs: runs.list() };
    },
  };
}
