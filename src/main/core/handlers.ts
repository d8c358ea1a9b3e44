/**
 * Main's request handlers — the same table behind Electron IPC and the browser-mode WebSocket.
 * Typed against the contract: a channel without a handler does not compile.
 */
import os from 'node:os';
import path from 'node:path';
import { SplitOptions } from '../../shared/dataset';
import type { ChannelName, Request, Response } from '../../shared/ipc/contract';
import { pushRecent } from '../../shared/ipc/settings-schema';
import type { Settings } from '../../shared/ipc/settings-schema';
import type { EngineHost } from '../engine-host/host';
import type { SettingsStore } from '../settings/store';
import { ApiException } from './api-error';
import { DatasetRegistry, toView } from './datasets';
import type { EventBus } from './events';
import { listDir } from './fs-policy';
import type { FsPolicy } from './fs-policy';
import { runJob } from './jobs';
import type { RunRegistry } from './runs';
import { createTrainHandlers } from './train-handlers';

export interface HandlerContext {
  mode: 'electron' | 'browser';
  version: string;
  settings: SettingsStore;
  engine: EngineHost;
  datasets: DatasetRegistry;
  events: EventBus;
  fsPolicy: FsPolicy;
  runs: RunRegistry;
  /** The feature/model cache root (settings or the default). */
  cacheDir(): string;
  /** Native folder dialog; absent in browser mode. */
  pickFolder?: (title?: string) => Promise<string | null>;
  /** Reveal a path in the OS file manager; absent in browser mode. */
  showItemInFolder?: (path: string) => void;
  /** Called after settings change (Electron rebuilds its Recent menu). */
  onSettingsChanged?: (settings: Settings) => void;
}

export type Handlers = { [C in ChannelName]: (request: Request<C>) => Promise<Response<C>> };

export function createHandlers(ctx: HandlerContext): Handlers {
  const { settings, engine, datasets, events } = ctx;
  const changed = () => {
    const all = settings.getAll();
    ctx.onSettingsChanged?.(all);
    return all;
  };

  return {
    ...createTrainHandlers(ctx),

    async getAppInfo() {
      return {
        mode: ctx.mode,
        version: ctx.version,
        platform: process.platform,
        homeDir: os.homedir(),
        pathSep: path.sep,
        canPickFolder: !!ctx.pickFolder,
      };
    },

    async getSettings() {
      return settings.getAll();
    },

    async setSetting(req) {
      // The cache folder is written to (thumbnails, features, models): in browser mode it must lie
      // inside the allowed roots like any other folder the server writes, resolved once here.
      if (req.key === 'cacheDir' && req.value !== null)
        settings.set('cacheDir', await ctx.fsPolicy.resolveWritable(req.value));
      else settings.set(req.key, req.value);
      return changed();
    },

    async pickFolder(req) {
      if (!ctx.pickFolder)
        throw new ApiException('UNSUPPORTED', 'no native folder dialog in browser mode; use listDir');
      return { path: await ctx.pickFolder(req.title) };
    },

    async listDir(req) {
      return listDir(ctx.fsPolicy, req.path);
    },

    async openDataset(req) {
      const root = await ctx.fsPolicy.resolveAllowed(req.path);
      const stored = settings.get('datasetConfigs')[root]?.split;
      const split = SplitOptions.parse({ ...stored, ...req.split });
      const t0 = performance.now();
      const scan = await runJob(engine, events, 'scan', { root, split }, `Scanning ${path.basename(root)}`);
      const entry = datasets.add(scan, root, split, Math.round(performance.now() - t0));
      const total = scan.files.length;
      settings.set(
        'recentDatasets',
        pushRecent(settings.get('recentDatasets'), {
          path: root,
          name: path.basename(root),
          openedAt: new Date().toISOString(),
          classes: scan.classes.length,
          images: total,
        }),
      );
      saveSplit(settings, root, split);
      changed();
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
      return changed();
    },

    async cancelJob(req) {
      return { cancelled: engine.cancel(req.jobId) };
    },

    async getEngineStatus() {
      return engine.status();
    },
  };
}

function saveSplit(settings: SettingsStore, root: string, split: SplitOptions): void {
  const all = settings.get('datasetConfigs');
  settings.set('datasetConfigs', { ...all, [root]: { ...all[root], split } });
}
