/**
 * Settings storage behind one interface: electron-store in the app (electron-store.ts), a JSON file in
 * browser mode and tests (this file). Both read through `readSetting`, so invalid stored values fall
 * back to defaults, and both validate before writing.
 */
import { readFileSync, renameSync } from 'node:fs';
import { parseSetting, readSetting, settingKeys } from '@shared/ipc/settings-schema';
import type { SettingKey, Settings } from '@shared/ipc/settings-schema';
import { writeFileAtomicSync } from '../util/write-atomic';

export interface SettingsStore {
  get<K extends SettingKey>(key: K): Settings[K];
  /** Validates `value` against the key's schema; throws (ZodError) if it does not fit. */
  set<K extends SettingKey>(key: K, value: Settings[K]): void;
  getAll(): Settings;
  /** Where the settings live, for the user's information. */
  readonly location: string;
}

export function allSettings(store: Pick<SettingsStore, 'get'>): Settings {
  return Object.fromEntries(settingKeys.map((k) => [k, store.get(k)])) as Settings;
}

/** A JSON file written atomically (temp file, then rename). Missing or corrupt → defaults. */
export class JsonFileSettingsStore implements SettingsStore {
  private data: Record<string, unknown>;

  constructor(readonly location: string) {
    this.data = loadJson(location);
  }

  get<K extends SettingKey>(key: K): Settings[K] {
    return readSetting(key, this.data[key]);
  }

  set<K extends SettingKey>(key: K, value: Settings[K]): void {
    const parsed = parseSetting(key, value);
    this.data = { ...this.data, [key]: parsed };
    writeFileAtomicSync(this.location, JSON.stringify(this.data, null, 2));
  }

  getAll(): Settings {
    return allSettings(this);
  }
}

function loadJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  // Keep the unreadable file for the user instead of silently overwriting it on the next write.
  try {
    renameSync(file, `${file}.corrupt-${Date.now()}`);
  } catch {
    // nothing to keep
  }
  return {};
}
