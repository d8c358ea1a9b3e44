/** What every request handler may use, and the handler types derived from the contract. */
import type { ChannelName, Request, Response } from '@shared/ipc/contract';
import type { Settings } from '@shared/ipc/settings-schema';
import type { EngineHost } from '../engine-host/host';
import type { SettingsStore } from '../settings/store';
import type { BaseCatalog } from './bases';
import type { DatasetRegistry } from './datasets';
import type { EventBus } from './event-bus';
import type { FsPolicy } from './fs-policy';
import type { RunRegistry } from './runs';

export interface HandlerContext {
  mode: 'electron' | 'browser';
  version: string;
  settings: SettingsStore;
  engine: EngineHost;
  datasets: DatasetRegistry;
  events: EventBus;
  fsPolicy: FsPolicy;
  runs: RunRegistry;
  bases: BaseCatalog;
  /** The feature/model cache root (settings or the default). */
  cacheDir(): string;
  /** Native folder dialog; absent in browser mode. */
  pickFolder?: (title?: string) => Promise<string | null>;
  /** Reveal a path in the OS file manager; absent in browser mode. */
  showItemInFolder?: (path: string) => void;
  /** Called after settings change (Electron rebuilds its Recent menu). */
  onSettingsChanged?: (settings: Settings) => void;
}

/** Handlers for some channels, typed against the contract. */
export type HandlersFor<C extends ChannelName> = { [K in C]: (request: Request<K>) => Promise<Response<K>> };
export type Handlers = HandlersFor<ChannelName>;
