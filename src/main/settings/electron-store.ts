/** The app's settings store: electron-store (Electron main only), read through the shared schema. */
import Store from 'electron-store';
import { defaultSettings, parseSetting, readSetting } from '@shared/ipc/settings-schema';
import type { SettingKey, Settings } from '@shared/ipc/settings-schema';
import { allSettings } from './store';
import type { SettingsStore } from './store';

export class ElectronSettingsStore implements SettingsStore {
  private readonly store: Store<Settings>;

  constructor() {
    this.store = new Store<Settings>({
      name: 'settings',
      defaults: defaultSettings(),
      clearInvalidConfig: true,
    });
  }

  get location(): string {
    return this.store.path;
  }

  get<K extends SettingKey>(key: K): Settings[K] {
    return readSetting(key, this.store.get(key));
  }

  set<K extends SettingKey>(key: K, value: Settings[K]): void {
    this.store.set(key, parseSetting(key, value));
  }

  getAll(): Settings {
    return allSettings(this);
  }
}
