import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PIXELS_VERSION } from '../image/version';
import { FORMAT_VERSION } from './format';
import { StoreSet } from './set';

/** What a set holds per image view: the full feature map, or it globally pooled (avg or max). */
export type StoredForm = 'full' | 'avg' | 'max';
export type Precision = 'float16' | 'float32';

/** Everything that changes the stored numbers: hashed into the set key. */
export interface SetNumbers {
  /** Base weights + cut point + input size (FeatureBase.fingerprint). */
  base: string;
  resize: string;
  preprocessing: string;
  inputSize: [number, number];
  form: StoredForm;
  precision: Precision;
  /** Anything else that changes the numbers (e.g. a fine-tune boundary layer). */
  extra?: Record<string, unknown>;
}

/** What people read in `cache list` and the Settings panel. */
export interface SetInfo {
  baseId: string;
  baseName: string;
  featureShape: number[];
  vectorShape: number[];
}

/** Old layouts live beside the store and are never read by it (see cacheReport/clearCache). */
export const LEGACY_DIRS = ['features'];

/**
 * The chunked feature store under a cache root: `<root>/store/v<version>/<setKey>/`. A new layout gets a
 * new version folder, so no version ever reads another's files.
 */
export class FeatureStore {
  constructor(
    readonly root: string,
    private readonly o: { maxChunkBytes?: number } = {},
  ) {}

  static dir(root: string): string {
    return path.join(root, 'store', `v${FORMAT_VERSION}`);
  }

  static setKey(n: SetNumbers): string {
    const canonical = JSON.stringify([
      n.base,
      n.resize,
      n.preprocessing,
      n.inputSize,
      n.form,
      n.precision,
      n.extra ?? null,
      // Another decoder's pixels give other features: their sets are never read as this one's.
      PIXELS_VERSION,
    ]);
    return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
  }

  setDir(n: SetNumbers): string {
    return path.join(FeatureStore.dir(this.root), FeatureStore.setKey(n));
  }

  /** Opens (creating) a set for reading and writing. */
  open(n: SetNumbers, info: SetInfo, vectorSize: number): Promise<StoreSet> {
    const { base, ...numbers } = n;
    return StoreSet.open(this.setDir(n), FeatureStore.setKey(n), vectorSize, {
      maxChunkBytes: this.o.maxChunkBytes,
      descriptor: { version: FORMAT_VERSION, ...info, fingerprint: base, ...numbers },
    });
  }

  /** Opens an existing set to read from, or null when there is none. */
  async openExisting(n: SetNumbers, vectorSize: number): Promise<StoreSet | null> {
    const dir = this.setDir(n);
    if (!(await stat(dir).catch(() => null))?.isDirectory()) return null;
    return StoreSet.open(dir, FeatureStore.setKey(n), vectorSize, { readOnly: true });
  }
}
