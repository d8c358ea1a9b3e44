/** App-wide channels: app info, settings, folder picking/browsing, jobs and the engine's status. */
import os from 'node:os';
import path from 'node:path';
import { ApiException } from './api-error';
import { listDir } from './fs-policy';
import type { HandlerContext, HandlersFor } from './handler-context';

type AppChannel =
  | 'getAppInfo'
  | 'getSettings'
  | 'setSetting'
  | 'pickFolder'
  | 'listDir'
  | 'showInFolder'
  | 'cancelJob'
  | 'getEngineStatus';

/** The settings after a change, announced to whoever listens (Electron's Recent menu). */
export function settingsChanged(ctx: HandlerContext) {
  const all = ctx.settings.getAll();
  ctx.onSettingsChanged?.(all);
  return all;
}

export function appHandlers(ctx: HandlerContext): HandlersFor<AppChannel> {
  const { settings, engine } = ctx;
  return {
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
      return settingsChanged(ctx);
    },

    async pickFolder(req) {
      if (!ctx.pickFolder)
        throw new ApiException('UNSUPPORTED', 'no native folder dialog in browser mode; use listDir');
      return { path: await ctx.pickFolder(req.title) };
    },

    async listDir(req) {
      return listDir(ctx.fsPolicy, req.path);
    },

    async showInFolder(req) {
      if (!ctx.showItemInFolder)
        throw new ApiException('UNSUPPORTED', 'browser mode cannot open a file manager on the server');
      const p = await ctx.fsPolicy.resolveAllowed(req.path);
      ctx.showItemInFolder(p);
      return { shown: true };
    },

    async cancelJob(req) {
      return { cancelled: engine.cancel(req.jobId) };
    },

    async getEngineStatus() {
      return engine.status();
    },
  };
}
