import { QualityState } from '../quality';
import { z } from 'zod';
import { BackendPreference, ExtractionDevice } from '../backends';
import { SplitOptions } from '../dataset';
import { TrainConfig } from '../train';

/**
 * The app's persisted settings: one entry per key, a zod schema and its default.
 * Pure (no Electron, no fs) so it is shared by the Electron store, the browser-mode JSON store and tests.
 */

export const RecentDataset = z.object({
  path: z.string().min(1),
  name: z.string(),
  /** ISO timestamp of the last open. */
  openedAt: z.string(),
  classes: z.number().int().min(0),
  images: z.number().int().min(0),
});
export type RecentDataset = z.infer<typeof RecentDataset>;

/** What the app remembers per dataset root. Broken parts are dropped, not the whole entry. */
export const DatasetConfig = z.object({
  split: SplitOptions.optional().catch(undefined),
  train: TrainConfig.optional().catch(undefined),
  /** The dataset's quality decisions (issue 13): exclusions by content hash, split overrides, undo log. */
  quality: QualityState.optional().catch(undefined),
});
export type DatasetConfig = z.infer<typeof DatasetConfig>;

export const WindowBounds = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400),
  height: z.number().int().min(300),
  maximized: z.boolean().default(false),
});
export type WindowBounds = z.infer<typeof WindowBounds>;

export const Theme = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof Theme>;

export const MAX_RECENT = 10;

interface SettingDef<S extends z.ZodType> {
  schema: S;
  default: z.infer<S>;
}
/** Ties a default to its schema's type at compile time. */
const setting = <S extends z.ZodType>(schema: S, dflt: z.infer<S>): SettingDef<S> => ({
  schema,
  default: dflt,
});

export const settingsSchema = {
  recentDatasets: setting(z.array(RecentDataset).max(MAX_RECENT), []),
  /** Keyed by absolute dataset root. Invalid entries are dropped one by one. */
  datasetConfigs: setting(z.record(z.string(), DatasetConfig), {}),
  preferredBackend: setting(BackendPreference, 'auto'),
  /** What runs the frozen base (an ONNX Runtime device, or tfjs on the backend above). */
  preferredDevice: setting(ExtractionDevice, 'auto'),
  /** null → the OS cache dir (XDG_CACHE_HOME/transfer-studio and friends). */
  cacheDir: setting(z.string().min(1).nullable(), null),
  /** null → a centred default-size window. */
  windowBounds: setting(WindowBounds.nullable(), null),
  theme: setting(Theme, 'system'),
  /** Model folders the user added as bases (Model screen → "Add a local model folder"). */
  customBases: setting(z.array(z.string().min(1)).max(50), []),
};

export type SettingsSchema = typeof settingsSchema;
export type SettingKey = keyof SettingsSchema;
export type Settings = { [K in SettingKey]: z.infer<SettingsSchema[K]['schema']> };
export const settingKeys = Object.keys(settingsSchema) as SettingKey[];

/** The whole settings object as one zod schema (the `getSettings` response). */
export const SettingsObject = z.object({
  recentDatasets: settingsSchema.recentDatasets.schema,
  datasetConfigs: settingsSchema.datasetConfigs.schema,
  preferredBackend: settingsSchema.preferredBackend.schema,
  preferredDevice: settingsSchema.preferredDevice.schema,
  cacheDir: settingsSchema.cacheDir.schema,
  windowBounds: settingsSchema.windowBounds.schema,
  theme: settingsSchema.theme.schema,
  customBases: settingsSchema.customBases.schema,
} satisfies { [K in SettingKey]: SettingsSchema[K]['schema'] });

export function defaultSettings(): Settings {
  // structuredClone: callers may mutate what they get.
  return structuredClone(
    Object.fromEntries(settingKeys.map((k) => [k, settingsSchema[k].default])) as Settings,
  );
}

/**
 * Read one stored value: valid → parsed value, invalid or missing → the default.
 * A hand-edited or older settings file never stops the app from starting.
 */
export function readSetting<K extends SettingKey>(key: K, raw: unknown): Settings[K] {
  if (raw === undefined) return structuredClone(settingsSchema[key].default) as Settings[K];
  if (key === 'datasetConfigs' && raw && typeof raw === 'object' && !Array.isArray(raw)) {
    // Keep the entries that parse; one bad dataset entry must not wipe every other one.
    const out: Record<string, DatasetConfig> = {};
    for (const [root, v] of Object.entries(raw)) {
      const r = DatasetConfig.safeParse(v);
      if (r.success) out[root] = r.data;
    }
    return out as Settings[K];
  }
  const r = settingsSchema[key].schema.safeParse(raw);
  return (r.success ? r.data : structuredClone(settingsSchema[key].default)) as Settings[K];
}

/** Validate a value before it is stored; throws a ZodError naming the problem. */
export function parseSetting<K extends SettingKey>(key: K, value: unknown): Settings[K] {
  return settingsSchema[key].schema.parse(value) as Settings[K];
}

/** Keys the renderer may set directly (the others are managed by main: recents, configs, bounds). */
export const RENDERER_WRITABLE_SETTINGS = [
  'preferredBackend',
  'preferredDevice',
  'cacheDir',
  'theme',
] as const;
export type RendererWritableSetting = (typeof RENDERER_WRITABLE_SETTINGS)[number];

/** Most recent first, one entry per path, at most MAX_RECENT. */
export function pushRecent(list: RecentDataset[], entry: RecentDataset): RecentDataset[] {
  return [entry, ...list.filter((r) => r.path !== entry.path)].slice(0, MAX_RECENT);
}
