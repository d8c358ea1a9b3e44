import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonFileSettingsStore } from '../../src/main/settings/store';
import {
  defaultSettings,
  MAX_RECENT,
  pushRecent,
  readSetting,
  settingKeys,
  settingsSchema,
  SettingsObject,
} from '@shared/ipc/settings-schema';
import { tempDir } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let file: string;
beforeEach(async () => {
  tmp = await tempDir();
  file = path.join(tmp.dir, 'conf', 'settings.json');
});
afterEach(() => tmp.cleanup());

describe('settings schema', () => {
  it('has a default for every key that passes its own schema', () => {
    for (const k of settingKeys)
      expect(settingsSchema[k].schema.safeParse(settingsSchema[k].default).success, k).toBe(true);
    expect(SettingsObject.parse(defaultSettings())).toEqual(defaultSettings());
  });

  it('has the documented defaults', () => {
    expect(defaultSettings()).toEqual({
      recentDatasets: [],
      datasetConfigs: {},
      preferredBackend: 'auto',
      preferredDevice: 'auto',
      cacheDir: null,
      windowBounds: null,
      theme: 'system',
      customBases: [],
    });
  });

  it('hands out copies, so callers cannot corrupt the defaults', () => {
    const a = defaultSettings();
    a.recentDatasets.push({ path: '/x', name: 'x', openedAt: '', classes: 0, images: 0 });
    expect(defaultSettings().recentDatasets).toEqual([]);
  });

  it('falls back to the default for an invalid stored value, key by key', () => {
    expect(readSetting('theme', 'neon')).toBe('system');
    expect(readSetting('preferredBackend', 'wasm')).toBe('wasm');
    expect(readSetting('preferredDevice', 'cuda')).toBe('cuda');
    expect(readSetting('preferredDevice', 'tpu')).toBe('auto');
    expect(readSetting('windowBounds', { width: 10, height: 10 })).toBeNull();
  });

  it('drops only the broken dataset configs', () => {
    const got = readSetting('datasetConfigs', {
      '/good': { split: { valFraction: 0.3, seed: 1, resplit: false } },
      '/bad-split': { split: { valFraction: 7 } },
      '/junk': 'nope',
    });
    expect(got['/good'].split?.valFraction).toBe(0.3);
    expect(got['/bad-split']).toEqual({ split: undefined, train: undefined });
    expect(got['/junk']).toBeUndefined();
  });

  it('keeps recents unique, newest first, capped', () => {
    let list = [] as ReturnType<typeof defaultSettings>['recentDatasets'];
    for (let i = 0; i < MAX_RECENT + 3; i++)
      list = pushRecent(list, { path: `/d${i}`, name: `d${i}`, openedAt: '', classes: 2, images: i });
    list = pushRecent(list, { path: '/d5', name: 'd5', openedAt: 'again', classes: 2, images: 5 });
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0]).toMatchObject({ path: '/d5', openedAt: 'again' });
    expect(list.filter((r) => r.path === '/d5')).toHaveLength(1);
  });
});

describe('JSON settings store (browser mode)', () => {
  it('starts from defaults when the file does not exist', () => {
    expect(new JsonFileSettingsStore(file).getAll()).toEqual(defaultSettings());
  });

  it('persists valid values atomically and reloads them', async () => {
    const s = new JsonFileSettingsStore(file);
    s.set('theme', 'dark');
    s.set('cacheDir', '/tmp/cache');
    expect(new JsonFileSettingsStore(file).getAll()).toMatchObject({ theme: 'dark', cacheDir: '/tmp/cache' });
    expect((await readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses an invalid value and leaves the file as it was', async () => {
    const s = new JsonFileSettingsStore(file);
    s.set('theme', 'light');
    const before = await readFile(file, 'utf8');
    expect(() => s.set('theme', 'plaid' as never)).toThrow();
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(s.get('theme')).toBe('light');
  });

  it('survives a corrupt file: defaults, and the broken file is kept aside', async () => {
    const s0 = new JsonFileSettingsStore(file);
    s0.set('theme', 'dark');
    await writeFile(file, '{ not json');
    const s = new JsonFileSettingsStore(file);
    expect(s.getAll()).toEqual(defaultSettings());
    expect((await readdir(path.dirname(file))).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(
      true,
    );
  });

  it('reads a hand-edited file with one bad key as defaults for that key only', async () => {
    const s0 = new JsonFileSettingsStore(file);
    s0.set('preferredBackend', 'cpu');
    const raw = JSON.parse(await readFile(file, 'utf8'));
    raw.theme = 42;
    await writeFile(file, JSON.stringify(raw));
    const s = new JsonFileSettingsStore(file);
    expect(s.get('theme')).toBe('system');
    expect(s.get('preferredBackend')).toBe('cpu');
  });
});
