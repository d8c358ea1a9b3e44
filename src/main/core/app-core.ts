/**
 * Everything main runs, minus the transport: settings, engine host, dataset registry, event bus,
 * handler table and image service. Electron (src/main/index.ts) and browser mode
 * (src/main/server/serve.ts) each wrap one of these.
 */
import path from 'node:path';
import type { ImageKind } from '@shared/ipc/image-url';
import { defaultCacheDir } from '../util/paths';
import { EngineHost } from '../engine-host/host';
import type { EngineLauncher } from '../engine-host/launcher';
import { resolveDatasetImage } from '../images/confine';
import { ImageService } from '../images/thumbs';
import type { RenderedImage } from '../images/thumbs';
import { RunHistoryStore } from '../settings/run-history';
import type { SettingsStore } from '../settings/store';
import { DatasetRegistry } from './datasets';
import { EventBus } from './event-bus';
import { createFsPolicy } from './fs-policy';
import { createHandlers } from './handlers';
import type { HandlerContext, Handlers } from './handlers';
import { RunRegistry } from './runs';
import { BaseCatalog } from './bases';

export interface AppCoreOptions {
  mode: 'electron' | 'browser';
  version: string;
  settings: SettingsStore;
  launcher: EngineLauncher;
  /** Browse/open confinement roots; null = unrestricted (Electron). */
  fsRoots: string[] | null;
  pickFolder?: HandlerContext['pickFolder'];
  onSettingsChanged?: HandlerContext['onSettingsChanged'];
  showItemInFolder?: HandlerContext['showItemInFolder'];
  /** Cache dir when the settings do not name one. */
  fallbackCacheDir?: string;
}

export type ImageAnswer = { status: 200; image: RenderedImage } | { status: 403 | 404 | 415; reason: string };

export interface AppCore {
  handlers: Handlers;
  events: EventBus;
  engine: EngineHost;
  datasets: DatasetRegistry;
  runs: RunRegistry;
  cacheDir(): string;
  /** Serve one image request (protocol or HTTP): confinement first, then sharp. */
  image(kind: ImageKind, datasetId: string, rel: string, signal?: AbortSignal): Promise<ImageAnswer>;
  dispose(): void;
}

export function createAppCore(o: AppCoreOptions): AppCore {
  const events = new EventBus();
  const engine = new EngineHost(o.launcher, { onStatus: (s) => events.emit('engineStatus', s) });
  const datasets = new DatasetRegistry();
  const cacheDir = () => o.settings.get('cacheDir') ?? o.fallbackCacheDir ?? defaultCacheDir();
  const images = new ImageService(() => path.join(cacheDir(), 'images'));
  // The run history and the runs' folders (checkpoints for a resume) live beside the settings file.
  const runs = new RunRegistry(
    new RunHistoryStore(path.join(path.dirname(o.settings.location), 'runs.json')),
    engine,
    events,
    path.join(path.dirname(o.settings.location), 'runs'),
  );
  const fsPolicy = createFsPolicy(o.fsRoots);
  const bases = new BaseCatalog({ settings: o.settings, engine, events, fsPolicy, cacheDir });
  const handlers = createHandlers({
    mode: o.mode,
    version: o.version,
    settings: o.settings,
    engine,
    datasets,
    events,
    fsPolicy,
    runs,
    bases,
    cacheDir,
    pickFolder: o.pickFolder,
    showItemInFolder: o.showItemInFolder,
    onSettingsChanged: o.onSettingsChanged,
  });
  return {
    handlers,
    events,
    engine,
    datasets,
    runs,
    cacheDir,
    async image(kind, datasetId, rel, signal) {
      const r = await resolveDatasetImage(datasets.rootOf, datasetId, rel);
      if (!r.ok) return { status: r.status, reason: r.reason };
      try {
        return { status: 200, image: await images.render(r.path, kind, signal) };
      } catch (e) {
        if ((e as Error).name === 'AbortError') throw e; // the requester left; nothing to answer
        return { status: 415, reason: `cannot render image: ${(e as Error).message.split('\n')[0]}` };
      }
    },
    dispose: () => engine.dispose(),
  };
}
